import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Sql } from '../../cloud/db/sql.js';
import { addUser, api, putBatch, signIn, startTestCloud } from '../helpers/cloud-fixture.js';

const DAY = 86_400_000;
const PATIENT = { mrn: 'H-1', name: 'Hostile Target', birthDate: null };

function observation(id: number, ts: number, vitals: Record<string, number> = { HR: 70 }, patient: typeof PATIENT | null = PATIENT) {
  return { id, deviceId: 'mon-1', bedId: 'B1', ts, patient, vitals };
}

async function partitionCount(sql: Sql): Promise<number> {
  const [{ n }] = await sql<[{ n: number }]>`SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = 'vitals'::regclass`;
  return n;
}

/** Resolves when some backend of this database waits on a lock (polled; the race loses if none does). */
function lockWaiter(sql: Sql, stop: { done: boolean }): Promise<string> {
  return new Promise((resolve) => {
    const poll = async (): Promise<void> => {
      while (!stop.done) {
        const [waiting] = await sql<Array<{ query: string }>>`
          SELECT query FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`;
        if (waiting) return resolve(`a backend waits on a lock: ${waiting.query.slice(0, 120)}`);
        await new Promise((r) => setImmediate(r));
      }
    };
    void poll();
  });
}

describe('hostile station batches (native partitions, real PostgreSQL)', () => {
  let cloud: Awaited<ReturnType<typeof startTestCloud>>;
  let hostile: string;
  let honest: string;
  let token: string;
  beforeAll(async () => {
    cloud = await startTestCloud({ env: { CLOUD_STORAGE_MODE: 'native' } });
    const a = await cloud.service.ctx.stations.provision('hostile', 'Hostile');
    const b = await cloud.service.ctx.stations.provision('honest', 'Honest');
    hostile = `${a.stationId}.${a.secret}`;
    honest = `${b.stationId}.${b.secret}`;
    token = (await signIn(cloud.url, (await addUser(cloud.service, 'physician')).username)).accessToken;
  });
  afterAll(() => cloud.stop());

  it('refuses samples from the future or past retention, row by row with a reason, and makes no partition for them', async () => {
    const before = await partitionCount(cloud.service.ctx.sql);
    const now = Date.now();
    // One row a week from 2030 onwards: ~300 far-future days, plus one good row and one too old.
    const rows = Array.from({ length: 300 }, (_, i) => observation(i + 1, Date.UTC(2030, 0, 1) + i * 7 * DAY));
    rows.push(observation(301, now - 1000), observation(302, now - 400 * DAY));
    const answer = await putBatch(cloud.url, hostile, 'spread-1', { observations: rows, alarmEvents: [] });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ observations: { stored: 1 }, values: 1 });
    const refused = answer.body.refused as Array<{ id: number; reason: string; message: string }>;
    expect(refused).toHaveLength(301);
    expect(refused[0]).toMatchObject({ stream: 'observations', id: 1, reason: 'future' });
    expect(refused[0]!.message).toMatch(/ahead of the cloud's clock/);
    expect(refused.at(-1)).toMatchObject({ id: 302, reason: 'too_old' });
    expect(await partitionCount(cloud.service.ctx.sql)).toBe(before);
    // A replay of the same batch answers the same (refusals included) and stores nothing.
    const replay = await putBatch(cloud.url, hostile, 'spread-1', { observations: rows, alarmEvents: [] });
    expect(replay.body).toMatchObject({ replayed: true, refused: expect.any(Array) });
  });

  it('never lets a future sample win "latest vitals"', async () => {
    const now = Date.now();
    await putBatch(cloud.url, hostile, 'future-hr', { observations: [observation(400, Date.UTC(2099, 0, 1), { HR: 222 })], alarmEvents: [] });
    await putBatch(cloud.url, hostile, 'present-hr', { observations: [observation(401, now, { HR: 81 })], alarmEvents: [] });
    const [patient] = await cloud.service.ctx.sql<[{ id: number }]>`SELECT id FROM patients WHERE mrn = ${PATIENT.mrn}`;
    const latest = await api<{ vitals: Record<string, { value: number; ts: number }> }>(cloud.url, `/v1/patients/${patient.id}/vitals/latest`, { token });
    expect(latest.body.vitals.HR).toMatchObject({ value: 81, ts: now });
  });

  it("one station's catch-up into days without a partition holds no lock another station's ingest waits on", async () => {
    const sql = cloud.service.ctx.sql;
    // A long ingest transaction of a third party is open on vitals (as any busy ingest is).
    const other = connect(cloud.databaseUrl, { max: 1 });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let inside!: () => void;
    const opened = new Promise<void>((resolve) => (inside = resolve));
    const tx = other.begin(async (t) => {
      await t`INSERT INTO vitals (ts, patient_id, vital, value, device_ref) VALUES (now(), NULL, 1, 1, 0)`;
      inside();
      await held;
    });
    await opened;
    const stop = { done: false };
    try {
      const now = Date.now();
      // Station A brings 20 days of old data (within retention, partitions not made yet); B one current row.
      const catchUp = Array.from({ length: 20 }, (_, i) => observation(500 + i, now - (60 - i) * DAY, { HR: 60 }, null));
      const both = Promise.all([
        putBatch(cloud.url, hostile, 'catch-up', { observations: catchUp, alarmEvents: [] }),
        putBatch(cloud.url, honest, 'one-row', { observations: [observation(1, now, { HR: 72 }, null)], alarmEvents: [] }),
      ]).then((answers) => answers);
      const first = await Promise.race([both, lockWaiter(sql, stop)]);
      expect(first).not.toBeTypeOf('string');
      const [a, b] = first as Awaited<typeof both>;
      expect(a).toMatchObject({ status: 200, body: { observations: { stored: 20 } } });
      expect(b).toMatchObject({ status: 200, body: { observations: { stored: 1 } } });
    } finally {
      stop.done = true;
      release();
      await tx;
      await other.end();
    }
  });
});
