import { createServer, type Server } from 'node:http';
import { jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BreakerState } from '../../cloud/resilience/circuit-breaker.js';
import type { Sql } from '../../cloud/db/sql.js';
import { HttpVideoProvider } from '../../cloud/video/http-provider.js';
import { JitsiProvider } from '../../cloud/video/jitsi-provider.js';
import { RoomWorker, type RoomWorkerOptions } from '../../cloud/video/room-worker.js';
import type { VideoProvider } from '../../cloud/video/video-provider.js';
import { ROOM_READY_CHANNEL } from '../../cloud/video/video-rooms.js';
import { videoRoomWorker } from '../../cloud/video/video-workers.js';
import { book, cancel, seedClinic, seedPatient } from '../helpers/appointments.js';
import { addUser, api, signIn, startTestCloud } from '../helpers/cloud-fixture.js';

const MINUTE = 60_000;
const LEAD = 15 * MINUTE; // the default CLOUD_VIDEO_LEAD_MINUTES
const SECRET = 'jitsi-app-secret-for-tests-0123456789';

interface Join {
  status: string;
  provider: string | null;
  hostUrl: string | null;
  joinUrl: string | null;
  roomExpectedAt: string | null;
  fallback: { kind: string; patientPhone: string | null; message: string } | null;
}

/** A room-creation API on loopback: fails while `down`, records every call. */
async function startVideoApi(): Promise<{ url: string; calls: number; down: boolean; close(): Promise<void> }> {
  const state = { url: '', calls: 0, down: true, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      state.calls++;
      if (state.down) return void response.writeHead(503).end('maintenance');
      const body = JSON.parse(Buffer.concat(chunks).toString()) as { appointmentId: number };
      const room = `room-${body.appointmentId}`;
      response.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ roomName: room, hostUrl: `https://video.test/${room}?host=1`, joinUrl: `https://video.test/${room}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  state.url = `http://127.0.0.1:${(server.address() as { port: number }).port}/rooms`;
  return state;
}

describe('video rooms: made ahead by a background job behind a circuit breaker', () => {
  let cloud: Awaited<ReturnType<typeof startTestCloud>>;
  let sql: Sql;
  let token: string;
  let doctorId: number;
  let slot = 0;
  /** Distinct future starts, so the exclusion constraints never meet. */
  const nextStart = () => new Date(Date.now() + 2 * 24 * 60 * MINUTE + slot++ * 60 * MINUTE);

  beforeAll(async () => {
    cloud = await startTestCloud();
    sql = cloud.service.ctx.sql;
    ({ doctorId } = await seedClinic(cloud.service.ctx, 'UTC'));
    const nurse = await addUser(cloud.service, 'nurse');
    token = (await signIn(cloud.url, nurse.username)).accessToken;
  });
  afterAll(() => cloud.stop());

  const join = (id: number) => api<Join>(cloud.url, `/v1/appointments/${id}/join`, { token });
  const worker = (provider: VideoProvider, now: () => number, extra: Partial<RoomWorkerOptions> = {}) =>
    new RoomWorker(sql, provider, { leaseMs: 5 * MINUTE, batchSize: 20, maxAttempts: 5, timeoutMs: 2000, breaker: { failureThreshold: 3, cooldownMs: MINUTE }, triesPerClaim: 1, backoff: { baseMs: 30_000, capMs: 120_000, jitter: 0 }, sleep: async () => {}, ...extra, now });

  it('Jitsi (default): the room is made a lead time before the start, with signed join links; join answers from the database', async () => {
    const patientId = await seedPatient(cloud.service.ctx, { phone: '+4915100000009' });
    const startsAt = nextStart();
    const video = await book(cloud.service.ctx, { doctorId, patientId, startsAt, mode: 'video' });
    const inPerson = await book(cloud.service.ctx, { doctorId, patientId: await seedPatient(cloud.service.ctx, {}), startsAt: nextStart() });
    expect((await join(inPerson.id)).status).toBe(404);

    const jitsi = new JitsiProvider({ domain: 'meet.clinic.test', appId: 'ward-cloud', secret: SECRET });
    let now = startsAt.getTime() - LEAD - 1;
    const rooms = worker(jitsi, () => now);
    expect((await rooms.runOnce()).claimed).toBe(0);
    expect((await join(video.id)).body).toMatchObject({ status: 'preparing', joinUrl: null, roomExpectedAt: new Date(startsAt.getTime() - LEAD).toISOString(), fallback: null });
    now += 1;
    expect(await rooms.runOnce()).toMatchObject({ claimed: 1, ready: 1 });

    const ready = (await join(video.id)).body;
    expect(ready).toMatchObject({ status: 'ready', provider: 'jitsi', fallback: null });
    const url = new URL(ready.joinUrl!);
    expect(url.host).toBe('meet.clinic.test');
    const room = url.pathname.slice(1);
    expect(room).toMatch(new RegExp(`^appt-${video.id}-[a-z0-9]+$`));
    const key = new TextEncoder().encode(SECRET);
    const patient = await jwtVerify(url.searchParams.get('jwt')!, key, { audience: 'jitsi', issuer: 'ward-cloud', currentDate: startsAt });
    expect(patient.payload).toMatchObject({ room, sub: 'meet.clinic.test', context: { user: { moderator: false } } });
    const host = await jwtVerify(new URL(ready.hostUrl!).searchParams.get('jwt')!, key, { audience: 'jitsi', currentDate: startsAt });
    expect(host.payload).toMatchObject({ room, context: { user: { moderator: true } } });
    await expect(jwtVerify(url.searchParams.get('jwt')!, new TextEncoder().encode('another secret'))).rejects.toThrow();
  });

  it('a replica configured through the environment makes the room by itself once it is due', async () => {
    const env = { CLOUD_JITSI_SECRET: SECRET, CLOUD_JITSI_DOMAIN: 'meet.clinic.test', CLOUD_VIDEO_POLL_MS: '50' };
    const replica = await startTestCloud({ databaseUrl: cloud.databaseUrl, env, workers: [videoRoomWorker()] });
    try {
      let ready: (id: string) => void = () => {};
      const heard: string[] = [];
      const listener = await sql.listen(ROOM_READY_CHANNEL, (id) => {
        heard.push(id);
        ready(id);
      });
      // Starts in 10 minutes: inside the 15-minute lead, so the room is due at once.
      const { doctorId: doctor } = await seedClinic(cloud.service.ctx, 'UTC');
      const appointment = await book(cloud.service.ctx, { doctorId: doctor, patientId: await seedPatient(cloud.service.ctx, {}), startsAt: new Date(Date.now() + 10 * MINUTE), mode: 'video' });
      await new Promise<void>((resolve) => {
        ready = (id) => id === String(appointment.id) && resolve();
        if (heard.includes(String(appointment.id))) resolve();
      });
      await listener.unlisten();
      expect((await join(appointment.id)).body).toMatchObject({ status: 'ready', provider: 'jitsi', joinUrl: expect.stringMatching(/^https:\/\/meet\.clinic\.test\/appt-/) });
    } finally {
      await replica.service.close();
    }
  });

  it('an HTTP provider that fails then recovers: the breaker opens, booking still succeeds meanwhile, and it closes again', async () => {
    const videoApi = await startVideoApi();
    try {
      // Five video consultations at the same time, with five doctors.
      const startsAt = nextStart();
      const booked = [];
      for (let i = 0; i < 5; i++) {
        const { doctorId: doctor } = await seedClinic(cloud.service.ctx, 'UTC');
        booked.push(await book(cloud.service.ctx, { doctorId: doctor, patientId: await seedPatient(cloud.service.ctx, {}), startsAt, mode: 'video' }));
      }
      let now = startsAt.getTime() - LEAD;
      const seen: BreakerState[] = [];
      const rooms = worker(new HttpVideoProvider({ url: videoApi.url, token: null }), () => now, { onBreakerChange: (s) => seen.push(s) });

      expect(await rooms.runOnce()).toMatchObject({ claimed: 5, ready: 0, failed: 3, deferred: 2 });
      expect(videoApi.calls).toBe(3); // after three failures the breaker stops calling
      expect(rooms.breaker.state).toBe('open');

      // Booking during the outage: the hook only records the wanted room, in the same transaction.
      const duringOutage = await book(cloud.service.ctx, { doctorId, patientId: await seedPatient(cloud.service.ctx, {}), startsAt: new Date(startsAt.getTime() + 2 * MINUTE), mode: 'video' });
      const [pending] = await sql<[{ status: string }]>`SELECT status FROM video_rooms WHERE appointment_id = ${duringOutage.id}`;
      expect(pending.status).toBe('pending');
      expect(videoApi.calls).toBe(3);

      // Still open before the cool-down: nothing is called.
      now += 30_000;
      expect(await rooms.runOnce()).toMatchObject({ claimed: 3, deferred: 3 });
      expect(videoApi.calls).toBe(3);

      videoApi.down = false;
      now += 30_000 + 60_000; // past the cool-down and the retry backoff of the failed ones
      expect(await rooms.runOnce()).toMatchObject({ claimed: 6, ready: 6 });
      expect(rooms.breaker.state).toBe('closed');
      expect(seen).toEqual(['open', 'half_open', 'closed']);
      for (const a of [...booked, duringOutage]) expect((await join(a.id)).body).toMatchObject({ status: 'ready', provider: 'http', joinUrl: `https://video.test/room-${a.id}` });
      const [{ attempts }] = await sql<[{ attempts: number }]>`SELECT max(attempts) AS attempts FROM video_rooms WHERE appointment_id = ${booked[0]!.id}`;
      expect(attempts).toBe(2); // deferrals by the open breaker do not count as attempts
    } finally {
      await videoApi.close();
    }
  });

  it('booking over the HTTP API only records the wanted room (no provider is called in the request); cancelling cancels it', async () => {
    const admin = await addUser(cloud.service, 'admin');
    const adminToken = (await signIn(cloud.url, admin.username)).accessToken;
    const clinic = await api<{ id: number }>(cloud.url, '/v1/clinics', { method: 'POST', token: adminToken, body: { name: 'Video Clinic', city: 'Remote', timezone: 'UTC' } });
    const doctor = await api<{ id: number }>(cloud.url, '/v1/doctors', { method: 'POST', token: adminToken, body: { name: 'Dr Screen', specialization: 'telemedicine', clinicId: clinic.body.id, consultationFeeCents: 4000 } });
    const blocks = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, starts: '00:00', ends: '23:30', slotMinutes: 30 }));
    expect((await api(cloud.url, `/v1/doctors/${doctor.body.id}/schedule`, { method: 'PUT', token: adminToken, body: { blocks } })).status).toBe(200);
    const patientId = await seedPatient(cloud.service.ctx, { phone: '+4915100000042' });
    const day = new Date(Date.now() + 3 * 24 * 60 * MINUTE).toISOString().slice(0, 10);
    const startsAt = `${day}T10:00:00.000Z`;
    const response = await api<{ id: number; mode: string }>(cloud.url, '/v1/appointments', { method: 'POST', token, body: { doctorId: doctor.body.id, patientId, startsAt, endsAt: `${day}T10:30:00.000Z`, mode: 'video' } });
    expect(response.status).toBe(201);
    const [room] = await sql<[{ status: string; due_at: Date }]>`SELECT status, due_at FROM video_rooms WHERE appointment_id = ${response.body.id}`;
    expect(room).toMatchObject({ status: 'pending', due_at: new Date(Date.parse(startsAt) - LEAD) });
    const cancelled = await api(cloud.url, `/v1/appointments/${response.body.id}/cancel`, { method: 'POST', token });
    expect(cancelled.status).toBe(200);
    expect((await join(response.body.id)).body).toMatchObject({ status: 'cancelled', joinUrl: null });
  });

  it('no room in time: join gives the phone fallback; after the appointment the job gives up', async () => {
    const videoApi = await startVideoApi();
    try {
      const phone = '+4915100000077';
      const startsAt = new Date(Date.now() - 5 * MINUTE); // already begun, no room yet
      const appointment = await book(cloud.service.ctx, { doctorId, patientId: await seedPatient(cloud.service.ctx, { phone }), startsAt, minutes: 30, mode: 'video' });
      expect((await join(appointment.id)).body).toMatchObject({ status: 'unavailable', joinUrl: null, fallback: { kind: 'phone', patientPhone: phone } });
      let now = Date.now();
      const rooms = worker(new HttpVideoProvider({ url: videoApi.url, token: null }), () => now);
      expect(await rooms.runOnce()).toMatchObject({ claimed: 1, failed: 1 });
      now = startsAt.getTime() + 31 * MINUTE;
      expect(await rooms.runOnce()).toMatchObject({ claimed: 1, failed: 1 });
      const [room] = await sql<[{ status: string; last_error: string }]>`SELECT status, last_error FROM video_rooms WHERE appointment_id = ${appointment.id}`;
      expect(room).toMatchObject({ status: 'gave_up', last_error: expect.stringContaining('503') });
      expect((await rooms.runOnce()).claimed).toBe(0);
      // Cancelling a video appointment cancels its room.
      const later = await book(cloud.service.ctx, { doctorId, patientId: await seedPatient(cloud.service.ctx, {}), startsAt: nextStart(), mode: 'video' });
      await cancel(cloud.service.ctx, later);
      expect((await join(later.id)).body.status).toBe('cancelled');
    } finally {
      await videoApi.close();
    }
  });
});
