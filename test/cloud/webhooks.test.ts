import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReportJobs } from '../../cloud/reports/report-jobs.js';
import { VideoRooms, ENQUEUE_ROOM } from '../../cloud/video/video-rooms.js';
import { run } from '../../cloud/db/sql.js';
import { verifySignature } from '../../cloud/webhooks/webhook-signature.js';
import { checkEndpointUrl } from '../../cloud/webhooks/webhook-url.js';
import { webhookDispatcher } from '../../cloud/webhooks/webhook-worker.js';
import { book, cancel, seedClinic, seedPatient } from '../helpers/appointments.js';
import { createTestDatabase } from '../helpers/cloud-database.js';
import { addUser, api, putBatch, signIn, startTestCloud } from '../helpers/cloud-fixture.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

/** Loopback http for the test receiver; fast retries, an endpoint disabled after 3 failures in a row, one delivery at a time. */
const DISPATCH_ENV = {
  CLOUD_WEBHOOK_ALLOW_HTTP_LOOPBACK: 'true',
  CLOUD_WEBHOOK_BACKOFF_BASE_MS: '5',
  CLOUD_WEBHOOK_BACKOFF_CAP_MS: '20',
  CLOUD_WEBHOOK_POLL_MS: '20',
  CLOUD_WEBHOOK_DISABLE_AFTER: '3',
  CLOUD_WEBHOOK_MAX_ATTEMPTS: '10',
  CLOUD_WEBHOOK_CONCURRENCY: '1',
  CLOUD_WEBHOOK_TIMEOUT_MS: '5000',
};

/** The receiver-side verifier exactly as the README shows it, loaded as a module. */
async function readmeVerifier(): Promise<(secret: string, header: string, body: string, toleranceSeconds?: number, now?: number) => boolean> {
  const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
  const block = /```js\n([\s\S]*?verifyWardSignature[\s\S]*?)```/.exec(readme);
  if (!block) throw new Error('README has no js block with verifyWardSignature');
  const dir = mkdtempSync(join(tmpdir(), 'readme-verifier-'));
  try {
    writeFileSync(join(dir, 'verify.mjs'), block[1]!);
    return ((await import(pathToFileURL(join(dir, 'verify.mjs')).href)) as { verifyWardSignature: never }).verifyWardSignature;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Polls a condition (a database or API state) until it holds; the test's timeout bounds it. */
async function until<T>(probe: () => Promise<T | null | undefined | false>): Promise<T> {
  for (;;) {
    const value = await probe();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

interface Delivery {
  id: number;
  eventId: string;
  eventType: string;
  status: string;
  attempts: number;
  log: Array<{ attempt: number; statusCode: number | null; error: string | null }>;
}

interface Endpoint {
  id: number;
  secret: string;
  consecutiveFailures: number;
  disabledAt: string | null;
  disabledReason: string | null;
}

describe('webhooks: outbox, signed delivery, retries, disablement (real PostgreSQL, real receiver on loopback)', () => {
  let cloud: Awaited<ReturnType<typeof startTestCloud>>;
  let receiver: WebhookReceiver;
  let admin: string;
  let clinic: { doctorId: number };
  let patientId: number;
  const hour = 3_600_000;
  let slot = 0;
  /** A distinct future slot per booking (the exclusion constraint refuses overlaps). */
  const nextStart = () => new Date(Date.now() + 48 * hour + slot++ * hour);

  beforeAll(async () => {
    receiver = await startWebhookReceiver();
    cloud = await startTestCloud({ env: DISPATCH_ENV, workers: [webhookDispatcher()] });
    admin = (await signIn(cloud.url, (await addUser(cloud.service, 'admin')).username)).accessToken;
    clinic = await seedClinic(cloud.service.ctx);
    patientId = await seedPatient(cloud.service.ctx, {});
  });
  afterAll(async () => {
    await cloud.stop();
    await receiver.close();
  });

  async function register(events: string[], url = receiver.url): Promise<Endpoint> {
    const created = await api<Endpoint>(cloud.url, '/v1/webhooks', { method: 'POST', token: admin, body: { url, events, description: 'test receiver' } });
    expect(created.status).toBe(201);
    return created.body;
  }
  const deliveries = async (endpointId: number) => (await api<{ items: Delivery[] }>(cloud.url, `/v1/webhooks/${endpointId}/deliveries`, { token: admin })).body.items;
  const endpoint = async (id: number) => (await api<{ items: Endpoint[] }>(cloud.url, '/v1/webhooks', { token: admin })).body.items.find((e) => e.id === id)!;
  const remove = (id: number) => api(cloud.url, `/v1/webhooks/${id}`, { method: 'DELETE', token: admin });

  it('signs each delivery so that the documented verifier accepts it, and refuses a replay with an old timestamp or a changed body', async () => {
    const hook = await register(['appointment.booked', 'appointment.cancelled']);
    expect(hook.secret).toMatch(/^whsec_/);
    // The secret is shown once: listings never carry it.
    expect(JSON.stringify(await api(cloud.url, '/v1/webhooks', { token: admin }))).not.toContain(hook.secret);
    const before = receiver.received.length;
    const appointment = await book(cloud.service.ctx, { ...clinic, patientId, startsAt: nextStart() });
    await receiver.waitFor(before + 1);
    const request = receiver.received[before]!;
    const body = JSON.parse(request.body) as { id: string; type: string; createdAt: string; data: Record<string, unknown> };
    expect(body).toMatchObject({ type: 'appointment.booked', data: { appointmentId: appointment.id, patientId, doctorId: clinic.doctorId, status: 'scheduled' } });
    expect(request.headers['ward-event-id']).toBe(body.id);
    expect(request.headers['ward-event-type']).toBe('appointment.booked');
    const header = request.headers['ward-signature'] as string;
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifySignature(hook.secret, header, request.body)).toMatchObject({ ok: true });
    // Replays: the same request ten minutes later, a changed body, another endpoint's secret.
    expect(verifySignature(hook.secret, header, request.body, { now: Date.now() + 10 * 60_000 })).toEqual({ ok: false, reason: 'too_old' });
    expect(verifySignature(hook.secret, header, request.body.replace(String(appointment.id), String(appointment.id + 1)))).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifySignature('whsec_other', header, request.body)).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifySignature(hook.secret, 'v1=abc', request.body)).toEqual({ ok: false, reason: 'malformed' });
    // The README's receiver code agrees on all of it.
    const readme = await readmeVerifier();
    expect(readme(hook.secret, header, request.body)).toBe(true);
    expect(readme(hook.secret, header, request.body, 300, Date.now() + 10 * 60_000)).toBe(false);
    expect(readme(hook.secret, header, `${request.body} `)).toBe(false);
    expect(readme('whsec_other', header, request.body)).toBe(false);

    await cancel(cloud.service.ctx, appointment);
    await receiver.waitFor(before + 2);
    expect(JSON.parse(receiver.received[before + 1]!.body)).toMatchObject({ type: 'appointment.cancelled', data: { appointmentId: appointment.id, status: 'cancelled' } });
    const log = await until(async () => {
      const rows = await deliveries(hook.id);
      return rows.every((d) => d.status === 'delivered') && rows;
    });
    expect(log.map((d) => d.eventType)).toEqual(['appointment.cancelled', 'appointment.booked']);
    expect(log[1]!.log).toMatchObject([{ attempt: 1, statusCode: 200, error: null }]);
    await remove(hook.id);
  });

  it('writes the delivery in the transaction of the change: a booking rolled back announces nothing', async () => {
    const hook = await register(['appointment.booked']);
    await book(cloud.service.ctx, { ...clinic, patientId, startsAt: nextStart() }, true);
    const [row] = await run<{ n: number }>(cloud.service.ctx.sql, 'SELECT count(*)::int AS n FROM webhook_deliveries WHERE endpoint_id = $1', [hook.id]);
    expect(row!.n).toBe(0);
    await remove(hook.id);
  });

  it('retries after receiver errors with the same event id, each attempt signed afresh, and logs every attempt', async () => {
    const hook = await register(['appointment.booked']);
    const before = receiver.received.length;
    receiver.respond = (_request, index) => (index < before + 2 ? 500 : 200);
    await book(cloud.service.ctx, { ...clinic, patientId, startsAt: nextStart() });
    await receiver.waitFor(before + 3);
    receiver.respond = () => 200;
    const attempts = receiver.received.slice(before, before + 3);
    expect(new Set(attempts.map((a) => a.headers['ward-event-id'])).size).toBe(1);
    expect(attempts.map((a) => a.headers['ward-delivery-attempt'])).toEqual(['1', '2', '3']);
    expect(new Set(attempts.map((a) => a.body)).size).toBe(1);
    for (const a of attempts) expect(verifySignature(hook.secret, a.headers['ward-signature'] as string, a.body)).toMatchObject({ ok: true });
    const [delivery] = await until(async () => {
      const rows = await deliveries(hook.id);
      return rows[0]?.status === 'delivered' && rows;
    });
    expect(delivery!.attempts).toBe(3);
    expect(delivery!.log.map((a) => a.statusCode)).toEqual([500, 500, 200]);
    expect(delivery!.log.map((a) => a.error)).toEqual(['HTTP 500', 'HTTP 500', null]);
    // A success ends the run of failures: the endpoint stays enabled.
    expect(await endpoint(hook.id)).toMatchObject({ consecutiveFailures: 0, disabledAt: null });
    await remove(hook.id);
  });

  it('disables an endpoint after N failed attempts in a row, holds its deliveries, and delivers them once re-enabled', async () => {
    const hook = await register(['appointment.booked']);
    const before = receiver.received.length;
    receiver.respond = () => 503;
    await book(cloud.service.ctx, { ...clinic, patientId, startsAt: nextStart() });
    const disabled = await until(async () => {
      const e = await endpoint(hook.id);
      return e.disabledAt !== null && e;
    });
    expect(disabled.consecutiveFailures).toBe(3);
    expect(disabled.disabledReason).toContain('3 failed attempts in a row');
    expect(receiver.received.length - before).toBe(3);
    const [held] = await deliveries(hook.id);
    expect(held).toMatchObject({ status: 'pending', attempts: 3 });
    // A disabled endpoint is not given new events.
    await book(cloud.service.ctx, { ...clinic, patientId, startsAt: nextStart() });
    expect(await deliveries(hook.id)).toHaveLength(1);

    receiver.respond = () => 204;
    const enabled = await api<Endpoint>(cloud.url, `/v1/webhooks/${hook.id}/enable`, { method: 'POST', token: admin });
    expect(enabled).toMatchObject({ status: 200, body: { disabledAt: null, consecutiveFailures: 0 } });
    await receiver.waitFor(before + 4);
    const [delivered] = await until(async () => {
      const rows = await deliveries(hook.id);
      return rows[0]?.status === 'delivered' && rows;
    });
    expect(delivered!.log.map((a) => a.statusCode)).toEqual([503, 503, 503, 204]);
    receiver.respond = () => 200;
    await remove(hook.id);
  });

  it('announces alarm events stored from a station batch, report completion and video rooms ready, each in its own transaction', async () => {
    const hook = await register(['alarm.event', 'report.done', 'video.room_ready']);
    const station = await cloud.service.ctx.stations.provision('ward-7', 'Ward 7');
    const before = receiver.received.length;
    const at = Date.now() - 60_000;
    const alarm = {
      id: 1, alarmId: 'a1', phase: 'start' as const, at, condition: 'SPO2_LOW', type: 'physiological' as const, priority: 'PH' as const, state: 'active',
      inactivation: 'none', bedId: 'B3', deviceId: 'mon-3', patient: { mrn: 'MRN-W1', name: 'Grace Hopper', birthDate: null }, value: 84, limit: 90, actor: null, reason: null,
    };
    expect((await putBatch(cloud.url, `${station.stationId}.${station.secret}`, 'b1', { observations: [], alarmEvents: [alarm] })).status).toBe(200);
    await receiver.waitFor(before + 1);
    const alarmBody = JSON.parse(receiver.received[before]!.body) as { type: string; data: Record<string, unknown> };
    expect(alarmBody).toMatchObject({ type: 'alarm.event', data: { stationId: station.stationId, eventId: 1, priority: 'PH', phase: 'start', condition: 'SPO2_LOW', bedId: 'B3' } });
    expect(typeof alarmBody.data.patientId).toBe('number');
    // No patient details in the payload: receivers ask the API for them.
    expect(receiver.received[before]!.body).not.toContain('Grace Hopper');
    expect(receiver.received[before]!.body).not.toContain('MRN-W1');

    const jobs = new ReportJobs(cloud.service.ctx.sql);
    const job = await jobs.create('ward_alarms', {}, 1, { maxAttempts: 1, retentionMs: hour });
    const claim = (await jobs.claim('test-worker', 60_000))!;
    expect(await jobs.finish(claim, {}, 7)).toBe(true);
    await receiver.waitFor(before + 2);
    expect(JSON.parse(receiver.received[before + 1]!.body)).toMatchObject({ type: 'report.done', data: { reportId: job.id, kind: 'ward_alarms', rowCount: 7 } });

    const video = await book(cloud.service.ctx, { ...clinic, patientId, startsAt: nextStart(), mode: 'in_person' });
    const now = Date.now();
    await run(cloud.service.ctx.sql, ENQUEUE_ROOM, [video.id, video.startsAt, video.endsAt, new Date(now - 1000)]);
    const rooms = new VideoRooms(cloud.service.ctx.sql);
    expect(await rooms.claim(now, 60_000, 10)).toHaveLength(1);
    await rooms.ready(video.id, 'jitsi', { roomName: 'r1', hostUrl: 'https://meet.example/r1', joinUrl: 'https://meet.example/r1' }, now);
    await receiver.waitFor(before + 3);
    expect(JSON.parse(receiver.received[before + 2]!.body)).toMatchObject({ type: 'video.room_ready', data: { appointmentId: video.id, provider: 'jitsi' } });
    await remove(hook.id);
  });

  it('accepts https endpoints, and plain http only to loopback when configured to', async () => {
    expect(checkEndpointUrl('https://ehr.example.org/hooks', false)).toBe('https://ehr.example.org/hooks');
    expect(() => checkEndpointUrl('http://127.0.0.1:9/hooks', false)).toThrow(/must be https/);
    expect(checkEndpointUrl('http://127.0.0.1:9/hooks', true)).toBe('http://127.0.0.1:9/hooks');
    expect(() => checkEndpointUrl('http://10.1.2.3/hooks', true)).toThrow(/https/);
    expect(() => checkEndpointUrl('https://user:pw@ehr.example.org/', false)).toThrow(/credentials/);
    const refused = await api(cloud.url, '/v1/webhooks', { method: 'POST', token: admin, body: { url: 'http://10.1.2.3/hooks', events: ['alarm.event'] } });
    expect(refused).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    const unknown = await api(cloud.url, '/v1/webhooks', { method: 'POST', token: admin, body: { url: 'https://ehr.example.org/', events: ['vitals.everything'] } });
    expect(unknown.status).toBe(400);
    const nurse = (await signIn(cloud.url, (await addUser(cloud.service, 'nurse')).username)).accessToken;
    expect((await api(cloud.url, '/v1/webhooks', { token: nurse })).status).toBe(403);
  });
});

describe('webhooks: at least once across a restart of the cloud', () => {
  it('delivers what a stopped replica left queued, and again what it was sending when it stopped, from the replica that starts next', async () => {
    const receiver = await startWebhookReceiver();
    const db = await createTestDatabase();
    // The first replica runs no dispatcher: its outbox rows are all that is left when it stops.
    const first = await startTestCloud({ databaseUrl: db.url, env: DISPATCH_ENV, workers: [] });
    let firstRunning = true;
    let second: Awaited<ReturnType<typeof startTestCloud>> | null = null;
    try {
      const admin = (await signIn(first.url, (await addUser(first.service, 'admin')).username)).accessToken;
      const hook = await api<Endpoint>(first.url, '/v1/webhooks', { method: 'POST', token: admin, body: { url: receiver.url, events: ['appointment.booked'] } });
      const clinic = await seedClinic(first.service.ctx);
      const patientId = await seedPatient(first.service.ctx, {});
      const queued = await book(first.service.ctx, { ...clinic, patientId, startsAt: new Date(Date.now() + 72 * 3_600_000) });
      const inFlight = await book(first.service.ctx, { ...clinic, patientId, startsAt: new Date(Date.now() + 74 * 3_600_000) });
      // As a dispatcher that died mid-send leaves a row: claimed (attempt 1), its lease run out.
      await first.service.ctx.sql`
        UPDATE webhook_deliveries SET status = 'sending', attempts = 1, lease_until = now() - interval '1 second'
        WHERE payload->>'appointmentId' = ${String(inFlight.id)}`;
      await first.stop();
      firstRunning = false;
      expect(receiver.received).toHaveLength(0);

      second = await startTestCloud({ databaseUrl: db.url, env: DISPATCH_ENV, workers: [webhookDispatcher()] });
      await receiver.waitFor(2);
      const byAppointment = new Map(receiver.received.map((r) => [(JSON.parse(r.body) as { data: { appointmentId: number } }).data.appointmentId, r]));
      expect([...byAppointment.keys()].sort((x, y) => x - y)).toEqual([queued.id, inFlight.id]);
      expect(byAppointment.get(queued.id)!.headers['ward-delivery-attempt']).toBe('1');
      expect(byAppointment.get(inFlight.id)!.headers['ward-delivery-attempt']).toBe('2');
      for (const r of receiver.received) expect(verifySignature(hook.body.secret, r.headers['ward-signature'] as string, r.body)).toMatchObject({ ok: true });
    } finally {
      if (firstRunning) await first.stop();
      await second?.stop();
      await receiver.close();
      await db.drop();
    }
  });
});
