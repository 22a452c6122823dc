import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { connect, type Sql } from '../../cloud/db/sql.js';
import { api, signIn } from './cloud-fixture.js';
import { startCloudProcess } from './cloud-process.js';
import { startGatewayProcess } from './gateway-process.js';
import { startReplicatedPostgres } from './replicated-postgres.js';
import { waitFor } from './wait-for.js';

export interface FailoverOutcome {
  readonly replication: 'asynchronous' | 'synchronous';
  /** Observations in the station's database when it had caught up again. */
  readonly stationObservations: number;
  /** Observations in the cloud (the promoted standby) then. */
  readonly cloudObservations: number;
  /** Observations stored in the cloud more than once (must be 0). */
  readonly duplicated: number;
  /** Observations the station had sent that the cloud does not have. */
  readonly lost: number;
  /** Of those, how many the failed primary had stored (committed there, never replicated). */
  readonly lostButOnOldPrimary: number;
  /** Observations on the failed primary that never reached the standby: the replication window. */
  readonly unreplicated: number;
  /** Observations the cloud accepted while the link to the standby was down, before the kill. */
  readonly acceptedWhilePartitioned: number;
  /** Seconds of writes lost: from the oldest lost observation's arrival at the station to the kill. */
  readonly rpoSeconds: number;
  /** Seconds from the kill until the cloud accepted the station's next batch. */
  readonly rtoSeconds: number;
  /** Seconds the promotion itself took (pg_ctl promote -w). */
  readonly promoteSeconds: number;
  /** A physician's vitals history read through west's cloud after the failover: status and X-Read-Source. */
  readonly historyAfterFailover: { status: number; source: string | null; series: number };
}

/** One key per observation (device and time), as the station names it too. */
const OBSERVATION_KEYS = `SELECT DISTINCT d.device_id || '|' || (extract(epoch FROM v.ts) * 1000)::bigint AS k
FROM vitals v JOIN station_devices d ON d.id = v.device_ref`;

async function observationKeys(sql: Sql): Promise<Set<string>> {
  return new Set((await sql.unsafe<Array<{ k: string }>>(OBSERVATION_KEYS)).map((r) => r.k));
}

/**
 * Two regions on one machine: a primary PostgreSQL (region east) streaming to a hot standby
 * (region west), a cloud process in each region on the same multi-host URL
 * (target_session_attrs=read-write), and a real station (its demo ward) syncing to east with west
 * as its failover URL. Then: the link between the regions drops (the standby stops receiving),
 * the station's next batch goes to east, and east is lost mid-batch (SIGKILL of its database and
 * of its cloud process). The standby is promoted; the station fails over to west and goes on.
 * Counts what each side has once the station has caught up.
 */
export async function runRegionFailover(options: { synchronous: boolean; log?: (line: string) => void }): Promise<FailoverOutcome> {
  const log = options.log ?? (() => {});
  const cleanups: Array<() => unknown> = [];
  try {
    const pg = await startReplicatedPostgres({ synchronous: options.synchronous });
    cleanups.push(() => pg.stop());
    const admin = connect(pg.primary.url(), { max: 1 });
    await admin`CREATE DATABASE ward`;
    await admin.end();
    const dataDir = mkdtempSync(join(tmpdir(), 'ward-regions-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const cloudEnv = { DATABASE_URL: pg.failoverUrl('ward'), CLOUD_STORAGE_MODE: 'native', CLOUD_WORKERS: 'false', CLOUD_PORT: '0', CLOUD_DATA_DIR: dataDir };
    const east = await startCloudProcess(cloudEnv);
    cleanups.push(() => east.child.kill('SIGKILL'));
    // West reads history and searches from its own region's standby (the promoted one, later).
    const west = await startCloudProcess({ ...cloudEnv, CLOUD_READ_DATABASE_URL: pg.standby.url('ward') });
    cleanups.push(() => west.child.kill('SIGKILL'));
    const adminToken = (await signIn(east.ready.url, east.ready.admin!.username, east.ready.admin!.password)).accessToken;
    const station = await api<{ stationId: string; secret: string }>(east.ready.url, '/v1/stations', { method: 'POST', token: adminToken, body: { id: 'ward-regions', name: 'Ward regions' } });
    if (station.status !== 201) throw new Error(`station not provisioned: ${station.status}`);

    const stationDir = mkdtempSync(join(tmpdir(), 'ward-regions-station-'));
    cleanups.push(() => rmSync(stationDir, { recursive: true, force: true }));
    writeFileSync(join(stationDir, 'station.json'), JSON.stringify({
      stationName: 'Ward regions',
      cloud: { url: east.ready.url, failoverUrls: [west.ready.url], stationId: station.body.stationId, secret: station.body.secret, batchSize: 20 },
      demo: { enabled: true, beds: 8 },
    }));
    const gateway = await startGatewayProcess(['--data-dir', stationDir, '--device-host', '127.0.0.1', '--device-port', '0', '--ui-port', '0', '--no-mllp']);
    cleanups.push(() => gateway.child.kill('SIGKILL'));
    const stationDb = new Database(join(stationDir, 'station.db'), { readonly: true });
    cleanups.push(() => stationDb.close());
    const cursor = () => (stationDb.prepare("SELECT last_id AS n, updated_at AS at FROM sync_cursors WHERE stream = 'observations'").get() as { n: number; at: number } | undefined) ?? { n: 0, at: 0 };
    const maxObservation = () => (stationDb.prepare('SELECT max(id) AS n FROM observations').get() as { n: number | null }).n ?? 0;

    // 1. The demo ward syncs to east, and west's database follows.
    await waitFor(() => cursor().n >= 100, 300_000, 'the station has synced 100 observations');
    log(`synced ${cursor().n} observations through east`);

    // 2. The link between the regions drops: the standby stops receiving the primary's log.
    const primary = connect(pg.primary.url('ward'), { max: 1 });
    cleanups.push(() => primary.end({ timeout: 1 }).catch(() => {}));
    const standbyAdmin = connect(pg.standby.url(), { max: 1 });
    await standbyAdmin`ALTER SYSTEM SET primary_conninfo = ''`;
    await standbyAdmin`SELECT pg_reload_conf()`;
    await standbyAdmin.end();
    await waitFor(async () => (await primary`SELECT count(*)::int AS n FROM pg_stat_replication`)[0]!.n === 0, 60_000, 'the primary has no standby connected');
    const atPartition = cursor().n;

    // 3. East keeps accepting (asynchronous), or its commits wait for the standby (synchronous).
    //    Either way a batch is in flight or just accepted when east is lost.
    if (options.synchronous) {
      await waitFor(async () => (await primary`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event = 'SyncRep'`)[0]!.n > 0, 180_000, 'a commit waits for the standby');
    } else {
      await waitFor(() => cursor().n >= atPartition + 40, 180_000, 'east accepted two batches the standby never received');
    }
    const beforeKill = cursor();
    const killedAt = Date.now();
    await Promise.all([pg.primary.kill(), Promise.resolve(east.child.kill('SIGKILL'))]);
    await primary.end({ timeout: 1 }).catch(() => {});
    log(`east lost at cursor ${beforeKill.n} (${beforeKill.n - atPartition} observations accepted while the link was down)`);

    // 4. West's database is promoted; west's cloud reconnects through the multi-host URL.
    await pg.standby.promote();
    const promoteSeconds = (Date.now() - killedAt) / 1000;

    // 5. The station fails over to west and goes on.
    await waitFor(() => cursor().at > killedAt && cursor().n > beforeKill.n, 180_000, 'west accepts the station’s next batch');
    const rtoSeconds = (cursor().at - killedAt) / 1000;
    log(`west accepted a batch ${rtoSeconds.toFixed(1)} s after the kill (promotion took ${promoteSeconds.toFixed(1)} s)`);
    await waitFor(() => cursor().n >= maxObservation() - 50 && cursor().at > killedAt, 180_000, 'the station has caught up');
    // A physician reads a patient's history through west, from its standby (now the primary).
    const token = (await signIn(west.ready.url, east.ready.admin!.username, east.ready.admin!.password)).accessToken;
    await api(west.ready.url, '/v1/users', { method: 'POST', token, body: { username: 'dr-west', displayName: 'Dr West', role: 'physician', password: 'west-west-west-42' } });
    const physician = (await signIn(west.ready.url, 'dr-west', 'west-west-west-42')).accessToken;
    const patients = await api<{ items: Array<{ id: number }> }>(west.ready.url, '/v1/patients?limit=1', { token: physician });
    const history = await api<{ series: Record<string, unknown> }>(west.ready.url, `/v1/patients/${patients.body.items[0]!.id}/vitals?from=${killedAt - 3600_000}`, { token: physician });
    const historyAfterFailover = { status: history.status, source: history.headers.get('x-read-source'), series: Object.keys(history.body.series ?? {}).length };
    // Stop the ward so both sides can be counted at rest.
    gateway.child.kill('SIGTERM');
    await gateway.exited;

    const cloud = connect(pg.standby.url('ward'), { max: 1 });
    cleanups.push(() => cloud.end({ timeout: 1 }));
    const inCloud = await observationKeys(cloud);
    const [{ n: duplicated }] = await cloud<[{ n: number }]>`
      SELECT count(*)::int AS n FROM (SELECT device_ref, ts, vital FROM vitals GROUP BY 1, 2, 3 HAVING count(*) > 1) d`;
    const oldPrimary = connect(await pg.primary.startAlone('ward'), { max: 1 });
    cleanups.push(() => oldPrimary.end({ timeout: 1 }));
    const onOldPrimary = await observationKeys(oldPrimary);
    const synced = cursor().n;
    const stationRows = stationDb.prepare('SELECT id, device_id || \'|\' || ts AS k, received_at AS receivedAt FROM observations WHERE id <= ? AND EXISTS (SELECT 1 FROM observation_values v WHERE v.observation_id = observations.id)').all(synced) as Array<{ id: number; k: string; receivedAt: number }>;
    const lostRows = stationRows.filter((r) => !inCloud.has(r.k));
    const unreplicated = [...onOldPrimary].filter((k) => !inCloud.has(k)).length;
    return {
      replication: options.synchronous ? 'synchronous' : 'asynchronous',
      stationObservations: stationRows.length,
      cloudObservations: inCloud.size,
      duplicated,
      lost: lostRows.length,
      lostButOnOldPrimary: lostRows.filter((r) => onOldPrimary.has(r.k)).length,
      unreplicated,
      acceptedWhilePartitioned: beforeKill.n - atPartition,
      rpoSeconds: lostRows.length === 0 ? 0 : (killedAt - Math.min(...lostRows.map((r) => r.receivedAt))) / 1000,
      rtoSeconds,
      promoteSeconds,
      historyAfterFailover,
    };
  } finally {
    for (const cleanup of cleanups.reverse()) await Promise.resolve().then(cleanup).catch(() => {});
  }
}
