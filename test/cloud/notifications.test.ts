import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotificationDispatcher } from '../../cloud/notifications/dispatcher.js';
import { EmailChannel } from '../../cloud/notifications/email-channel.js';
import type { SmtpConfig } from '../../cloud/notifications/notification-config.js';
import { notificationDispatcher } from '../../cloud/notifications/notification-workers.js';
import { enqueue } from '../../cloud/notifications/outbox.js';
import { SmsChannel } from '../../cloud/notifications/sms-channel.js';
import type { Sql } from '../../cloud/db/sql.js';
import { book, cancel, seedClinic, seedPatient } from '../helpers/appointments.js';
import { addUser, api, signIn, startTestCloud } from '../helpers/cloud-fixture.js';
import { startSmtpSink, type SmtpSink } from '../helpers/smtp-sink.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const BACKOFF = { baseMs: MINUTE, capMs: 30 * MINUTE, jitter: 1 };

interface Row {
  id: number;
  kind: string;
  channel: string;
  status: string;
  attempts: number;
  last_error: string | null;
  recipient: string;
}

/** An SMS provider on loopback that records each request and answers what `answer` says. */
async function startSmsProvider(): Promise<{ url: string; requests: Array<{ id: string; to: string; text: string; authorization?: string }>; answer: (to: string) => number; close(): Promise<void> }> {
  const provider = {
    url: '',
    requests: [] as Array<{ id: string; to: string; text: string; authorization?: string }>,
    answer: (_to: string) => 200,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString()) as { id: string; to: string; text: string };
      const status = provider.answer(body.to);
      if (status === 200) provider.requests.push({ ...body, ...(request.headers.authorization ? { authorization: request.headers.authorization } : {}) });
      response.writeHead(status, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  provider.url = `http://127.0.0.1:${(server.address() as { port: number }).port}/sms`;
  return provider;
}

describe('notifications: outbox, batched dispatch over real SMTP and HTTP SMS', () => {
  let cloud: Awaited<ReturnType<typeof startTestCloud>>;
  let sql: Sql;
  let smtp: SmtpSink;
  let smtpConfig: SmtpConfig;
  let doctorId: number;

  beforeAll(async () => {
    cloud = await startTestCloud();
    sql = cloud.service.ctx.sql;
    smtp = await startSmtpSink({ keepMessages: true });
    smtpConfig = { host: '127.0.0.1', port: smtp.port, secure: false, requireTls: false, user: null, password: null, from: 'Ward clinic <no-reply@clinic.test>', pool: 5 };
    ({ doctorId } = await seedClinic(cloud.service.ctx));
  });
  afterAll(async () => {
    await smtp.close();
    await cloud.stop();
  });

  const rows = (where: string, param: unknown) => sql.unsafe<Row[]>(`SELECT id, kind, channel, status, attempts, last_error, recipient FROM notifications WHERE ${where} ORDER BY id`, [param as string]);

  it('booking writes the booked notice and both reminders in its transaction; a rolled-back booking writes nothing', async () => {
    const patientId = await seedPatient(cloud.service.ctx, { email: 'ada@example.test', phone: '+4915100000001' });
    const startsAt = new Date(Date.now() + 3 * 24 * HOUR);
    const appointment = await book(cloud.service.ctx, { doctorId, patientId, startsAt });
    const queued = await rows('appointment_id = $1', appointment.id);
    expect(queued.map((r) => `${r.kind}/${r.channel}/${r.status}`).sort()).toEqual(
      ['booked/email/queued', 'booked/sms/queued', 'reminder_1h/email/queued', 'reminder_1h/sms/queued', 'reminder_24h/email/queued', 'reminder_24h/sms/queued'].sort(),
    );
    const other = await seedPatient(cloud.service.ctx, { email: 'bob@example.test' });
    const rolledBack = await book(cloud.service.ctx, { doctorId, patientId: other, startsAt: new Date(startsAt.getTime() + HOUR) }, true);
    expect(await rows('appointment_id = $1', rolledBack.id)).toEqual([]);
  });

  it('sends what is due now, reminders when they fall due; cancelling cancels pending reminders and notifies', async () => {
    const patientId = await seedPatient(cloud.service.ctx, { email: 'cleo@example.test' });
    const startsAt = new Date(Date.now() + 2 * 24 * HOUR);
    const appointment = await book(cloud.service.ctx, { doctorId, patientId, startsAt });
    let now = Date.now();
    const dispatcher = new NotificationDispatcher(sql, [new EmailChannel(smtpConfig)], { batchSize: 50, maxAttempts: 3, leaseMs: 5 * MINUTE, backoff: BACKOFF, now: () => now });
    try {
      await dispatcher.drain();
      const status = async () => Object.fromEntries((await rows('appointment_id = $1', appointment.id)).map((r) => [r.kind, r.status]));
      expect(await status()).toEqual({ booked: 'sent', reminder_24h: 'queued', reminder_1h: 'queued' });
      now = startsAt.getTime() - 24 * HOUR;
      await dispatcher.drain();
      expect(await status()).toEqual({ booked: 'sent', reminder_24h: 'sent', reminder_1h: 'queued' });
      await cancel(cloud.service.ctx, appointment);
      now = startsAt.getTime() - HOUR;
      await dispatcher.drain();
      expect(await status()).toEqual({ booked: 'sent', reminder_24h: 'sent', reminder_1h: 'cancelled', cancelled: 'sent' });
      const mails = smtp.messages.filter((m) => m.includes('cleo@example.test'));
      expect(mails.map((m) => /^Subject: (.*)$/m.exec(m)?.[1]?.split(':')[0])).toEqual(['Appointment booked', 'Reminder', 'Appointment cancelled']);
      expect(mails[0]).toMatch(/^Message-ID: <notification-\d+@clinic\.test>/m);

      const staff = await addUser(cloud.service, 'nurse');
      const token = (await signIn(cloud.url, staff.username)).accessToken;
      const seen = await api<{ items: Array<{ kind: string; status: string; attempts: number }> }>(cloud.url, `/v1/appointments/${appointment.id}/notifications`, { token });
      expect(seen.status).toBe(200);
      expect(seen.body.items.map((i) => [i.kind, i.status, i.attempts])).toEqual([
        ['booked', 'sent', 1],
        ['reminder_24h', 'sent', 1],
        ['reminder_1h', 'cancelled', 0],
        ['cancelled', 'sent', 1],
      ]);
      expect((await api(cloud.url, `/v1/appointments/${appointment.id}/notifications`)).status).toBe(401);
      expect((await api(cloud.url, '/v1/appointments/999999/notifications', { token })).status).toBe(404);
    } finally {
      await dispatcher.close();
    }
  });

  it('a replica configured through the environment runs the dispatcher: the booking notice arrives by itself', async () => {
    const env = { CLOUD_SMTP_HOST: '127.0.0.1', CLOUD_SMTP_PORT: String(smtp.port), CLOUD_SMTP_FROM: 'Clinic <desk@clinic.test>', CLOUD_NOTIFY_POLL_MS: '50' };
    const replica = await startTestCloud({ databaseUrl: cloud.databaseUrl, env, workers: [notificationDispatcher()] });
    let stopped = false;
    try {
      const before = smtp.messages.length;
      const patientId = await seedPatient(cloud.service.ctx, { email: 'dora@example.test' });
      const appointment = await book(cloud.service.ctx, { doctorId, patientId, startsAt: new Date(Date.now() + 4 * 24 * HOUR) });
      await smtp.waitFor(smtp.total() + 1);
      expect(smtp.messages.slice(before).some((m) => m.includes('dora@example.test') && /^From: Clinic <desk@clinic\.test>/m.test(m))).toBe(true);
      // Stopping waits for the dispatcher's batch to be recorded.
      await replica.service.close();
      stopped = true;
      const [row] = await rows("appointment_id = $1 AND kind = 'booked'", appointment.id);
      expect(row).toMatchObject({ status: 'sent', attempts: 1 });
    } finally {
      if (!stopped) await replica.service.close();
    }
  });

  // 10,000 SMTP conversations: minutes, not seconds, on a busy 2-core machine. Nothing in it
  // waits on time; this only lets it finish.
  it('10,000 reminders, two dispatchers at once: every one received exactly once, in batches', { timeout: 300_000 }, async () => {
    await sql`DELETE FROM notifications`;
    smtp.received.clear();
    smtp.messages.length = 0;
    const due = new Date();
    await sql.begin((tx) =>
      enqueue(tx, Array.from({ length: 10_000 }, (_, i) => ({
        appointmentId: null, patientId: null, channel: 'email' as const, kind: 'reminder_24h' as const,
        recipient: `patient${i}@example.test`, subject: 'Reminder', body: `Reminder number ${i}`, dueAt: due,
      }))),
    );
    const options = { batchSize: 250, maxAttempts: 3, leaseMs: 5 * MINUTE, backoff: BACKOFF };
    const a = new NotificationDispatcher(sql, [new EmailChannel(smtpConfig)], options);
    const b = new NotificationDispatcher(sql, [new EmailChannel(smtpConfig)], options);
    try {
      const [ra, rb] = await Promise.all([a.drain(), b.drain()]);
      expect(ra.claimed + rb.claimed).toBe(10_000);
      expect(ra.claimed).toBeGreaterThan(0);
      expect(rb.claimed).toBeGreaterThan(0);
    } finally {
      await a.close();
      await b.close();
    }
    expect(smtp.received.size).toBe(10_000);
    expect([...smtp.received.values()].every((n) => n === 1)).toBe(true);
    const [{ sent, attempts }] = await sql<[{ sent: number; attempts: number }]>`SELECT count(*) FILTER (WHERE status = 'sent')::int AS sent, max(attempts) AS attempts FROM notifications`;
    expect(sent).toBe(10_000);
    expect(attempts).toBe(1);
  });

  it('a server that refuses for a while: retried with backoff, then sent; a permanent refusal and a used-up cap end as gave_up', async () => {
    await sql`DELETE FROM notifications`;
    let now = Date.now();
    let down = true;
    smtp.refuse = (address) => (address === 'nobody@example.test' ? 550 : address === 'always-busy@example.test' || down ? 451 : null);
    const entry = (recipient: string) => ({ appointmentId: null, patientId: null, channel: 'email' as const, kind: 'reminder_1h' as const, recipient, subject: 'Reminder', body: 'Soon', dueAt: new Date(now) });
    await sql.begin((tx) => enqueue(tx, [entry('flaky1@example.test'), entry('flaky2@example.test'), entry('nobody@example.test'), entry('always-busy@example.test')]));
    // No jitter (random = 0 → the full step): the schedule is exact.
    const dispatcher = new NotificationDispatcher(sql, [new EmailChannel(smtpConfig)], { batchSize: 10, maxAttempts: 3, leaseMs: 5 * MINUTE, backoff: BACKOFF, now: () => now, random: () => 0 });
    const byRecipient = async () => Object.fromEntries((await sql<Row[]>`SELECT recipient, status, attempts, last_error FROM notifications`).map((r) => [r.recipient.split('@')[0], `${r.status}/${r.attempts}`]));
    try {
      expect(await dispatcher.drain()).toMatchObject({ claimed: 4, sent: 0, failed: 4 });
      expect(await byRecipient()).toEqual({ flaky1: 'failed/1', flaky2: 'failed/1', nobody: 'gave_up/1', 'always-busy': 'failed/1' });
      const [failed] = await sql<[{ last_error: string; due_at: Date }]>`SELECT last_error, due_at FROM notifications WHERE recipient = 'flaky1@example.test'`;
      expect(failed.last_error).toMatch(/451/);
      expect(failed.due_at.getTime()).toBe(now + MINUTE);

      down = false;
      now += MINUTE - 1;
      expect((await dispatcher.drain()).claimed).toBe(0); // still backing off
      now += 1;
      expect(await dispatcher.drain()).toMatchObject({ claimed: 3, sent: 2, failed: 1 });
      now += 2 * MINUTE; // the second retry waits twice as long
      expect(await dispatcher.drain()).toMatchObject({ claimed: 1, sent: 0, failed: 1 });
      now += 60 * MINUTE;
      expect((await dispatcher.drain()).claimed).toBe(0);
      expect(await byRecipient()).toEqual({ flaky1: 'sent/2', flaky2: 'sent/2', nobody: 'gave_up/1', 'always-busy': 'gave_up/3' });
    } finally {
      smtp.refuse = () => null;
      await dispatcher.close();
    }
  });

  it('a dispatcher that died mid-batch: its claimed rows are retried after the lease, never while it may still be sending', async () => {
    await sql`DELETE FROM notifications`;
    const now = Date.now();
    await sql.begin((tx) => enqueue(tx, [{ appointmentId: null, patientId: null, channel: 'email', kind: 'booked', recipient: 'late@example.test', subject: 'Booked', body: 'Booked', dueAt: new Date(now) }]));
    await sql`UPDATE notifications SET status = 'sending', attempts = 1, lease_until = ${new Date(now + 5 * MINUTE)}`;
    const at = (t: number) => new NotificationDispatcher(sql, [new EmailChannel(smtpConfig)], { batchSize: 10, maxAttempts: 3, leaseMs: 5 * MINUTE, backoff: BACKOFF, now: () => t });
    const early = at(now + MINUTE);
    expect((await early.drain()).claimed).toBe(0);
    await early.close();
    const late = at(now + 6 * MINUTE);
    expect(await late.drain()).toMatchObject({ claimed: 1, sent: 1 });
    await late.close();
    const [row] = await sql<[Row]>`SELECT status, attempts, last_error FROM notifications`;
    expect(row).toMatchObject({ status: 'sent', attempts: 2 });
    expect(row.last_error).toMatch(/lease expired/);
  });

  it('SMS through the HTTP provider: JSON POSTs recorded, a 5xx retried, a 4xx given up', async () => {
    await sql`DELETE FROM notifications`;
    const provider = await startSmsProvider();
    let now = Date.now();
    let unavailable = true;
    provider.answer = (to) => (to === '+100' ? 400 : to === '+200' && unavailable ? 503 : 200);
    const entry = (recipient: string) => ({ appointmentId: null, patientId: null, channel: 'sms' as const, kind: 'reminder_1h' as const, recipient, subject: 'Reminder', body: `Hello ${recipient}`, dueAt: new Date(now) });
    await sql.begin((tx) => enqueue(tx, [entry('+100'), entry('+200'), entry('+300')]));
    const dispatcher = new NotificationDispatcher(sql, [new SmsChannel({ url: provider.url, token: 'sms-secret', concurrency: 4 })], { batchSize: 10, maxAttempts: 5, leaseMs: 5 * MINUTE, backoff: BACKOFF, now: () => now, random: () => 0 });
    try {
      expect(await dispatcher.drain()).toMatchObject({ claimed: 3, sent: 1, failed: 2 });
      unavailable = false;
      now += MINUTE;
      expect(await dispatcher.drain()).toMatchObject({ claimed: 1, sent: 1 });
      const states = Object.fromEntries((await sql<Row[]>`SELECT recipient, status, attempts FROM notifications`).map((r) => [r.recipient, `${r.status}/${r.attempts}`]));
      expect(states).toEqual({ '+100': 'gave_up/1', '+200': 'sent/2', '+300': 'sent/1' });
      expect(provider.requests.map((r) => r.to).sort()).toEqual(['+200', '+300']);
      expect(provider.requests[0]).toMatchObject({ text: expect.stringContaining('Hello'), authorization: 'Bearer sms-secret', id: expect.stringMatching(/^notification-\d+$/) });
    } finally {
      await dispatcher.close();
      await provider.close();
    }
  });
});
