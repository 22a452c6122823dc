import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { startEmbeddedPostgres } from '../../cloud/db/embedded-postgres.js';
import { migrate } from '../../cloud/db/migrate.js';
import { MIGRATIONS } from '../../cloud/db/migrations/index.js';
import { connect, run, type Sql } from '../../cloud/db/sql.js';
import { NotificationDispatcher } from '../../cloud/notifications/dispatcher.js';
import { EmailChannel } from '../../cloud/notifications/email-channel.js';
import { enqueue } from '../../cloud/notifications/outbox.js';
import { PATIENT_VITALS_ROWS } from '../../cloud/reports/patient-vitals-report.js';
import { ReportJobs, type ReportKind } from '../../cloud/reports/report-jobs.js';
import { ReportWorker } from '../../cloud/reports/report-worker.js';
import { WARD_ALARM_EVENTS } from '../../cloud/reports/ward-alarms-report.js';
import { startSmtpSink } from '../helpers/smtp-sink.js';

export interface ReportsBenchResult {
  readonly scale: { beds: number; days: number; vitals: number; minuteRows: number; hourRows: number; alarmRows: number; seedSeconds: number };
  /** Median ms over the runs: the whole report (claim, cursor, CSV and PDF chunks, completion) vs its bare query. */
  readonly weeklyVitals: { reportMs: number; baselineMs: number; rows: number };
  readonly dailyVitals: { reportMs: number; baselineMs: number; rows: number };
  readonly wardAlarms: { reportMs: number; baselineMs: number; rows: number };
  readonly reminders: { count: number; perSecond: number; twoDispatchersPerSecond: number; rawNodemailerPerSecond: number };
}

const VITALS = [1, 3, 4]; // HR, SPO2, RR
const BASE: Record<number, number> = { 1: 72, 3: 96, 4: 16 };
const DAY_MS = 86_400_000;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
async function timed(runs: number, fn: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await fn();
    times.push(performance.now() - started);
  }
  return median(times);
}

async function copyLines(sql: Sql, statement: string, rows: number, line: (i: number) => string): Promise<void> {
  const writable = await sql.unsafe(statement).writable();
  let buffer: string[] = [];
  for (let i = 0; i < rows; i++) {
    buffer.push(line(i));
    if (buffer.length >= 50_000) {
      if (!writable.write(buffer.join(''))) await new Promise((resolve) => writable.once('drain', resolve));
      buffer = [];
    }
  }
  await new Promise<void>((resolve, reject) => writable.end(buffer.join(''), () => resolve()).once('error', reject));
}

/**
 * Seed scale (documented in the README): `beds` patients (one per bed of one ward) with `days` of
 * 1-minute rollups for HR, SpO2 and RR loaded with COPY, the hourly and daily rollups derived
 * from them as the service maintains them, and ~24 alarms per bed and day (start and end rows).
 */
async function seed(sql: Sql, beds: number, days: number): Promise<{ minuteRows: number; hourRows: number; alarmRows: number; from: number }> {
  const from = Date.UTC(2026, 0, 1);
  const minutes = days * 1440;
  await sql`INSERT INTO patients (mrn, name) SELECT 'BENCH-' || i, 'Bench patient ' || i FROM generate_series(1, ${beds}) AS i`;
  const [{ first }] = await sql<[{ first: number }]>`SELECT min(id) AS first FROM patients`;
  await sql`INSERT INTO stations (id, name, secret_hash) VALUES ('ward-bench', 'Bench ward', '\\x00'), ('ward-other', 'Other ward', '\\x00')`;
  const perMinute = beds * VITALS.length;
  await copyLines(sql, 'COPY vitals_1m (bucket, patient_id, vital, min, max, sum, count) FROM STDIN', minutes * perMinute, (i) => {
    const minute = Math.floor(i / perMinute);
    const bed = Math.floor(i / VITALS.length) % beds;
    const vital = VITALS[i % VITALS.length]!;
    const v = BASE[vital]! + ((minute * 7 + bed * 13) % 11) - 5;
    return `${new Date(from + minute * 60_000).toISOString()}\t${first + bed}\t${vital}\t${v - 1}\t${v + 2}\t${v * 60}\t60\n`;
  });
  await sql`INSERT INTO vitals_1h SELECT date_bin('1 hour', bucket, 'epoch'), patient_id, vital, min(min), max(max), sum(sum), sum(count) FROM vitals_1m GROUP BY 1, 2, 3`;
  await sql`INSERT INTO vitals_1d SELECT date_bin('1 day', bucket, 'epoch'), patient_id, vital, min(min), max(max), sum(sum), sum(count) FROM vitals_1h GROUP BY 1, 2, 3`;
  const alarms = beds * days * 24;
  const conditions = ['HR_HIGH', 'HR_LOW', 'SPO2_LOW', 'RR_HIGH', 'SENSOR_OFF'];
  await copyLines(sql, 'COPY alarm_events (station_id, event_id, patient_id, at, alarm_id, phase, condition, type, priority, state, inactivation, bed_id) FROM STDIN', alarms * 2, (i) => {
    const alarm = Math.floor(i / 2);
    const bed = alarm % beds;
    const at = from + Math.floor((alarm / alarms) * days * DAY_MS) + (i % 2) * 90_000;
    const condition = conditions[alarm % conditions.length]!;
    return `${alarm % 10 === 9 ? 'ward-other' : 'ward-bench'}\t${i + 1}\t${first + bed}\t${new Date(at).toISOString()}\ta${alarm}\t${i % 2 ? 'end' : 'start'}\t${condition}\t${condition === 'SENSOR_OFF' ? 'technical' : 'physiological'}\t${['PH', 'PM', 'PL'][alarm % 3]}\tactive\tnone\tB${bed + 1}\n`;
  });
  await sql`ANALYZE`;
  const [{ hourRows }] = await sql<[{ hourRows: number }]>`SELECT count(*)::int AS "hourRows" FROM vitals_1h`;
  return { minuteRows: minutes * perMinute, hourRows, alarmRows: alarms * 2, from };
}

export async function cloudReportsBench(opts: { beds?: number; days?: number; reminders?: number; runs?: number } = {}): Promise<ReportsBenchResult> {
  const beds = opts.beds ?? Number(process.env.BENCH_REPORT_BEDS ?? 32);
  const days = opts.days ?? Number(process.env.BENCH_REPORT_DAYS ?? 90);
  const reminderCount = opts.reminders ?? Number(process.env.BENCH_REMINDERS ?? 10_000);
  const runs = opts.runs ?? 5;
  const root = mkdtempSync(join(tmpdir(), 'ward-reports-bench-'));
  // As root, PostgreSQL runs as 'postgres', who must be able to reach its data folder.
  chmodSync(root, 0o755);
  const pg = await startEmbeddedPostgres({ dataDir: join(root, 'data'), port: 0 });
  const admin = connect(pg.url, { max: 1 });
  await admin.unsafe('CREATE DATABASE reports');
  await admin.end();
  const url = new URL(pg.url);
  url.pathname = '/reports';
  const sql = connect(url.toString(), { max: 12 });
  const smtp = await startSmtpSink();
  try {
    await migrate(sql, MIGRATIONS, 'native');
    const seedStarted = performance.now();
    const seeded = await seed(sql, beds, days);
    const seedSeconds = (performance.now() - seedStarted) / 1000;
    const [{ id: userId }] = await sql<[{ id: number }]>`INSERT INTO users (username, display_name, role, password_hash) VALUES ('bench', 'Bench', 'physician', 'x') RETURNING id`;
    const [{ id: patientId }] = await sql<[{ id: number }]>`SELECT min(id) AS id FROM patients`;

    const jobs = new ReportJobs(sql);
    const worker = new ReportWorker(sql, jobs, { leaseMs: 60_000, pollMs: 60_000 });
    const report = async (kind: ReportKind, params: Record<string, unknown>) => {
      await jobs.create(kind, params, userId, { maxAttempts: 3, retentionMs: DAY_MS });
      const claim = await worker.runOnce();
      const done = claim ? await jobs.get(claim.job.id) : null;
      if (done?.status !== 'done') throw new Error(`bench report ${kind} ended ${done?.status}: ${done?.failure}`);
      return done.rowCount ?? 0;
    };
    // The last full week and day of the seeded range.
    const weekStart = new Date(seeded.from + (days - 7) * DAY_MS);
    const weekEnd = new Date(weekStart.getTime() + 7 * DAY_MS);
    const dayStart = new Date(seeded.from + (days - 1) * DAY_MS);
    const date = (d: Date) => d.toISOString().slice(0, 10);
    const all = (text: string, params: unknown[]) => run(sql, text, params);

    let weeklyRows = 0;
    const weekly = { reportMs: await timed(runs, async () => (weeklyRows = await report('patient_vitals', { patientId, date: date(weekStart), period: 'week' }))), baselineMs: await timed(runs, () => all(PATIENT_VITALS_ROWS.week, [patientId, weekStart, weekEnd])), rows: 0 };
    let dailyRows = 0;
    const daily = { reportMs: await timed(runs, async () => (dailyRows = await report('patient_vitals', { patientId, date: date(dayStart), period: 'day' }))), baselineMs: await timed(runs, () => all(PATIENT_VITALS_ROWS.day, [patientId, dayStart, new Date(dayStart.getTime() + DAY_MS)])), rows: 0 };
    let wardRows = 0;
    const ward = { reportMs: await timed(runs, async () => (wardRows = await report('ward_alarms', { stationId: 'ward-bench', from: weekStart.toISOString(), to: weekEnd.toISOString() }))), baselineMs: await timed(runs, () => all(WARD_ALARM_EVENTS, ['ward-bench', weekStart, weekEnd])), rows: 0 };

    // Reminders: the outbox dispatcher against raw nodemailer, same SMTP server, same pool size.
    const smtpConfig = { host: '127.0.0.1', port: smtp.port, secure: false, requireTls: false, user: null, password: null, from: 'Bench <bench@clinic.test>', pool: 5 };
    const fill = () =>
      sql.begin((tx) =>
        enqueue(tx, Array.from({ length: reminderCount }, (_, i) => ({ appointmentId: null, patientId: null, channel: 'email' as const, kind: 'reminder_24h' as const, recipient: `p${i}@example.test`, subject: 'Reminder', body: `Your appointment is tomorrow (${i}).`, dueAt: new Date() }))),
      );
    const dispatchOptions = { batchSize: 500, maxAttempts: 3, leaseMs: 300_000, backoff: { baseMs: 1000, capMs: 60_000, jitter: 1 } };
    const dispatchRate = async (dispatchers: number) => {
      await sql`DELETE FROM notifications`;
      await fill();
      const list = Array.from({ length: dispatchers }, () => new NotificationDispatcher(sql, [new EmailChannel(smtpConfig)], dispatchOptions));
      const started = performance.now();
      await Promise.all(list.map((d) => d.drain()));
      const seconds = (performance.now() - started) / 1000;
      for (const d of list) await d.close();
      const [{ sent }] = await sql<[{ sent: number }]>`SELECT count(*)::int AS sent FROM notifications WHERE status = 'sent'`;
      if (sent !== reminderCount) throw new Error(`bench: ${sent} of ${reminderCount} reminders sent`);
      return reminderCount / seconds;
    };
    // The ceiling: the same sends with no outbox at all, in the dispatcher's pattern (batches of
    // 500, two in flight) over a pool of the same size.
    const rawRate = async () => {
      const transport = nodemailer.createTransport({ pool: true, host: '127.0.0.1', port: smtp.port, secure: false, maxConnections: 5, maxMessages: Infinity });
      let next = 0;
      const lane = async () => {
        while (next < reminderCount) {
          const from = next;
          next = Math.min(reminderCount, next + dispatchOptions.batchSize);
          await Promise.all(Array.from({ length: next - from }, (_, k) => transport.sendMail({ from: smtpConfig.from, to: `p${from + k}@example.test`, subject: 'Reminder', text: `Your appointment is tomorrow (${from + k}).` })));
        }
      };
      const started = performance.now();
      await Promise.all([lane(), lane()]);
      const seconds = (performance.now() - started) / 1000;
      transport.close();
      return reminderCount / seconds;
    };
    await rawRate(); // warm-up: connections, JIT
    const rawNodemailerPerSecond = await rawRate();
    const perSecond = await dispatchRate(1);
    const twoDispatchersPerSecond = await dispatchRate(2);

    return {
      scale: { beds, days, vitals: VITALS.length, minuteRows: seeded.minuteRows, hourRows: seeded.hourRows, alarmRows: seeded.alarmRows, seedSeconds },
      weeklyVitals: { ...weekly, rows: weeklyRows },
      dailyVitals: { ...daily, rows: dailyRows },
      wardAlarms: { ...ward, rows: wardRows },
      reminders: { count: reminderCount, perSecond, twoDispatchersPerSecond, rawNodemailerPerSecond },
    };
  } finally {
    await smtp.close();
    await sql.end({ timeout: 5 });
    await pg.stop();
    rmSync(root, { recursive: true, force: true });
  }
}
