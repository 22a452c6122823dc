import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../cloud/db/sql.js';
import { VitalStreamLog } from '../../cloud/vitals/vital-stream-log.js';
import { addUser, api, putBatch, signIn, startTestCloud } from '../helpers/cloud-fixture.js';
import { openSse, type SseClient } from '../helpers/sse-client.js';

// Read by the stream routes when they are registered: a quick heartbeat, a small replay bound and
// per-user cap, so the tests can reach each of them.
const STREAM_ENV = { CLOUD_VITALS_STREAM_HEARTBEAT_MS: '50', CLOUD_VITALS_STREAM_REPLAY: '3', CLOUD_VITALS_STREAM_PER_USER: '2' };

const PATIENT = { mrn: 'MRN-S1', name: 'Ada Stream', birthDate: null };

describe('live vitals stream: two replicas on one database, ingest through one, stream from the other (real sockets)', () => {
  let ingestReplica: Awaited<ReturnType<typeof startTestCloud>>;
  let streamReplica: Awaited<ReturnType<typeof startTestCloud>>;
  let credential: string;
  let physician: string;
  let patientId: number;
  let nextId = 1;
  const open: SseClient[] = [];

  /** One station batch with one observation of the patient, through the ingesting replica; its HR. */
  async function ingest(hr: number): Promise<void> {
    const id = nextId++;
    const observation = { id, deviceId: 'mon-1', bedId: 'B1', ts: Date.now() - 60_000 + id, patient: PATIENT, vitals: { HR: hr, SPO2: 97 } };
    const result = await putBatch(ingestReplica.url, credential, `b${id}`, { observations: [observation], alarmEvents: [] });
    expect(result.status).toBe(200);
  }
  async function stream(lastEventId?: string, token = physician, patient = patientId): Promise<SseClient> {
    const client = await openSse(`${streamReplica.url}/v1/patients/${patient}/vitals/stream`, token, lastEventId);
    open.push(client);
    return client;
  }
  const data = (client: SseClient, index: number) => JSON.parse(client.events[index]!.data) as { patientId: number; vitals: Record<string, { value: number; unit: string; ts: number }> };

  beforeAll(async () => {
    ingestReplica = await startTestCloud({ env: STREAM_ENV, workers: [] });
    streamReplica = await startTestCloud({ databaseUrl: ingestReplica.databaseUrl, env: STREAM_ENV, workers: [] });
    const station = await ingestReplica.service.ctx.stations.provision('ward-s', 'Ward S');
    credential = `${station.stationId}.${station.secret}`;
    physician = (await signIn(streamReplica.url, (await addUser(streamReplica.service, 'physician')).username)).accessToken;
    await ingest(61);
    const [row] = await run<{ id: number }>(ingestReplica.service.ctx.sql, 'SELECT id FROM patients WHERE mrn = $1', [PATIENT.mrn]);
    patientId = row!.id;
  });
  afterAll(async () => {
    for (const client of open) client.close();
    await streamReplica.service.close();
    await ingestReplica.stop();
  });

  it('starts with a snapshot of the latest values, then sends each batch ingested on the other replica, with increasing ids', async () => {
    const client = await stream();
    expect(client.status).toBe(200);
    expect(client.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    await client.until((c) => c.events.length >= 1);
    expect(client.events[0]).toMatchObject({ id: '1', event: 'snapshot' });
    expect(data(client, 0)).toMatchObject({ patientId, vitals: { HR: { value: 61, unit: '/min' }, SPO2: { value: 97, unit: '%' } } });

    await ingest(62);
    await client.until((c) => c.events.length >= 2);
    await ingest(63);
    await client.until((c) => c.events.length >= 3);
    expect(client.events.slice(1).map((e) => [e.id, e.event, data(client, client.events.indexOf(e)).vitals.HR!.value])).toEqual([
      ['2', 'vitals', 62],
      ['3', 'vitals', 63],
    ]);
    client.close();
    await client.ended;
  });

  it('resumes after Last-Event-ID with exactly the events missed, and falls back to a snapshot when more were missed than the replay bound', async () => {
    await ingest(64); // id 4
    await ingest(65); // id 5
    const resumed = await stream('3');
    await resumed.until((c) => c.events.length >= 2);
    expect(resumed.events.map((e) => [e.id, e.event])).toEqual([
      ['4', 'vitals'],
      ['5', 'vitals'],
    ]);
    expect([data(resumed, 0).vitals.HR!.value, data(resumed, 1).vitals.HR!.value]).toEqual([64, 65]);
    // Live again after the replay.
    await ingest(66); // id 6
    await resumed.until((c) => c.events.length >= 3);
    expect(resumed.events[2]).toMatchObject({ id: '6', event: 'vitals' });
    resumed.close();

    // Four missed, the bound is three: a snapshot with every latest value instead of a replay.
    for (const hr of [67, 68, 69, 70]) await ingest(hr); // ids 7..10
    const behind = await stream('6');
    await behind.until((c) => c.events.length >= 1);
    expect(behind.events[0]).toMatchObject({ id: '10', event: 'snapshot' });
    expect(data(behind, 0).vitals.HR!.value).toBe(70);
    behind.close();

    // An id this database never gave (a client of another installation): a snapshot, not silence.
    const stranger = await stream('999');
    await stranger.until((c) => c.events.length >= 1);
    expect(stranger.events[0]).toMatchObject({ id: '10', event: 'snapshot' });
    stranger.close();
    await stranger.ended;
  });

  it('is described in the OpenAPI document as text/event-stream, beside the webhook routes', async () => {
    const { body } = await api<{ paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>> }>(streamReplica.url, '/v1/openapi.json');
    expect(Object.keys(body.paths['/v1/patients/{patientId}/vitals/stream']!.get!.responses['200']!.content!)).toEqual(['text/event-stream']);
    expect(Object.keys(body.paths['/v1/webhooks']!)).toEqual(expect.arrayContaining(['get', 'post']));
  });

  it('sends a heartbeat comment while nothing is ingested', async () => {
    const client = await stream();
    await client.until((c) => c.comments.includes('heartbeat'));
    expect(client.events.every((e) => e.event === 'snapshot')).toBe(true);
    client.close();
    await client.ended;
  });

  it('applies the access rules of the vitals history, refuses a malformed Last-Event-ID, and caps open streams per user', async () => {
    const anonymous = await fetch(`${streamReplica.url}/v1/patients/${patientId}/vitals/stream`);
    expect(anonymous.status).toBe(401);
    await anonymous.text();
    const admin = (await signIn(streamReplica.url, (await addUser(streamReplica.service, 'admin')).username)).accessToken;
    expect((await api(streamReplica.url, `/v1/patients/${patientId}/vitals/stream`, { token: admin })).status).toBe(403);
    expect(await api(streamReplica.url, '/v1/patients/987654/vitals/stream', { token: physician })).toMatchObject({ status: 404, body: { error: 'patient_not_found' } });
    expect(await api(streamReplica.url, `/v1/patients/${patientId}/vitals/stream`, { token: physician, headers: { 'last-event-id': 'abc' } })).toMatchObject({ status: 400, body: { error: 'invalid_request' } });

    const nurse = (await signIn(streamReplica.url, (await addUser(streamReplica.service, 'nurse')).username)).accessToken;
    const first = await stream(undefined, nurse);
    const second = await stream(undefined, nurse);
    await first.until((c) => c.events.length >= 1);
    await second.until((c) => c.events.length >= 1);
    const third = await api(streamReplica.url, `/v1/patients/${patientId}/vitals/stream`, { token: nurse });
    expect(third).toMatchObject({ status: 429, body: { error: 'too_many_streams' } });
    // Another user is not affected; closing one stream frees a place.
    const other = await stream();
    expect(other.status).toBe(200);
    first.close();
    await first.ended;
    const again = await until(async () => {
      const client = await stream(undefined, nurse);
      if (client.status === 200) return client;
      client.close();
      return null;
    });
    expect(again.status).toBe(200);
  });

  // Last: it empties the log the tests above read from.
  it('prunes the log of events older than the cut and says how many it deleted', async () => {
    const log = new VitalStreamLog(ingestReplica.service.ctx.sql);
    const [{ n }] = await run<{ n: number }>(ingestReplica.service.ctx.sql, 'SELECT count(*)::int AS n FROM vital_stream_events');
    expect(n).toBeGreaterThan(0);
    expect(await log.prune(Date.now() + 60_000)).toBe(n);
    expect(await log.prune(Date.now() + 60_000)).toBe(0);
  });
});

/** Polls until the probe gives a value (the server notices a closed socket asynchronously). */
async function until<T>(probe: () => Promise<T | null>): Promise<T> {
  for (;;) {
    const value = await probe();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
