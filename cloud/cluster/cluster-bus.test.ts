import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/helpers/cloud-database.js';
import { waitFor } from '../../test/helpers/wait-for.js';
import { connect } from '../db/sql.js';
import { ClusterBus } from './cluster-bus.js';

/** The replicas' LISTEN/NOTIFY bus, on a real server whose listening session is ended under it. */
describe('the cluster bus', () => {
  it('delivers notices; when the server ends the listening session it resyncs once and delivers again', async () => {
    const db = await createTestDatabase();
    const sql = connect(db.url, { max: 2, applicationName: 'cluster-bus-test' });
    const admin = connect(db.url, { max: 1 });
    const bus = new ClusterBus(sql);
    const heard: string[] = [];
    let resyncs = 0;
    try {
      bus.onResync(() => resyncs++);
      await bus.subscribe('caches', (payload) => heard.push(payload));
      await bus.publish('caches', 'first');
      await waitFor(async () => heard.includes('first'), 30_000, 'the first notice arrives');
      expect(resyncs).toBe(0);

      // A restart or failover ends the listening session (the only one running LISTEN).
      const ended = await admin<[{ n: number }]>`
        SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
        WHERE application_name = 'cluster-bus-test' AND query LIKE 'listen%'`;
      expect(ended[0].n).toBe(1);
      await waitFor(async () => resyncs === 1, 30_000, 'the bus listens again and asks for a resync');

      await bus.publish('caches', 'second');
      await waitFor(async () => heard.includes('second'), 30_000, 'a notice after the resync arrives');
      expect(heard).toEqual(['first', 'second']);
      expect(resyncs).toBe(1);
    } finally {
      await bus.close();
      await sql.end({ timeout: 1 });
      await admin.end();
      await db.drop();
    }
  });
});
