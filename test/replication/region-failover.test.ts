import { describe, expect, it } from 'vitest';
import { runRegionFailover, type FailoverOutcome } from '../helpers/region-failover.js';

const report = (o: FailoverOutcome) =>
  `${o.replication}: station ${o.stationObservations} observations, cloud ${o.cloudObservations}; accepted while the link was down ${o.acceptedWhilePartitioned}; ` +
  `unreplicated on the failed primary ${o.unreplicated}; lost ${o.lost}; duplicated ${o.duplicated}; ` +
  `RPO ${o.rpoSeconds.toFixed(1)} s, RTO ${o.rtoSeconds.toFixed(1)} s (promotion ${o.promoteSeconds.toFixed(1)} s)\n`;

/**
 * A region lost mid-batch, with real processes: primary and standby PostgreSQL, a cloud process
 * per region, the station's real sync client (see test/helpers/region-failover.ts). Figures are
 * printed, never asserted: the assertions are what may be lost and what may never be duplicated.
 */
describe('region failover: primary killed mid-batch, standby promoted, the station goes on', () => {
  it('asynchronous replication: loses at most what the failed primary had not replicated, duplicates nothing', { timeout: 600_000 }, async () => {
    const outcome = await runRegionFailover({ synchronous: false });
    process.stdout.write(report(outcome));
    expect(outcome.duplicated).toBe(0);
    // The link was down while east accepted batches: that window is gone with east.
    expect(outcome.acceptedWhilePartitioned).toBeGreaterThan(0);
    expect(outcome.lost).toBeGreaterThan(0);
    // Every lost observation had been committed on the failed primary and never replicated.
    expect(outcome.lostButOnOldPrimary).toBe(outcome.lost);
    expect(outcome.lost).toBeLessThanOrEqual(outcome.unreplicated);
    // Everything else the station sent is in the cloud once.
    expect(outcome.cloudObservations).toBeGreaterThanOrEqual(outcome.stationObservations - outcome.lost);
    // West's cloud serves history from its own region's database after the failover.
    expect(outcome.historyAfterFailover).toMatchObject({ status: 200, source: 'replica' });
    expect(outcome.historyAfterFailover.series).toBeGreaterThan(0);
  });

  it('synchronous replication: loses nothing, duplicates nothing', { timeout: 600_000 }, async () => {
    const outcome = await runRegionFailover({ synchronous: true });
    process.stdout.write(report(outcome));
    expect(outcome.duplicated).toBe(0);
    expect(outcome.lost).toBe(0);
    expect(outcome.cloudObservations).toBeGreaterThanOrEqual(outcome.stationObservations);
    expect(outcome.historyAfterFailover).toMatchObject({ status: 200, source: 'replica' });
  });
});
