import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OpenSlots } from '../../cloud/booking/open-slots.js';
import { migrate } from '../../cloud/db/migrate.js';
import { MIGRATIONS } from '../../cloud/db/migrations/index.js';
import { connect, type Sql, type TransactionSql } from '../../cloud/db/sql.js';
import { createTestDatabase } from '../helpers/cloud-database.js';
import { openSlotsDivergence } from '../helpers/open-slots.js';

const DAY_MS = 86_400_000;

/**
 * Runs `statement` in its own transaction and tells, as soon as it knows, whether the statement
 * finished or is waiting on a lock (seen in pg_stat_activity): no timing involved either way.
 */
function inTransactionWatched(sql: Sql, statement: (tx: TransactionSql) => Promise<unknown>): { outcome: Promise<'done' | 'waiting'>; finished: Promise<void> } {
  let pid!: (value: number) => void;
  const backend = new Promise<number>((resolve) => (pid = resolve));
  let done = false;
  const finished = sql
    .begin(async (tx) => {
      const [{ id }] = await tx<[{ id: number }]>`SELECT pg_backend_pid() AS id`;
      pid(id);
      await statement(tx);
    })
    .then(() => {
      done = true;
    });
  const outcome = (async () => {
    const id = await backend;
    for (;;) {
      if (done) return 'done';
      const [row] = await sql<Array<{ waiting: boolean }>>`SELECT wait_event_type = 'Lock' AS waiting FROM pg_stat_activity WHERE pid = ${id}`;
      if (done) return 'done';
      if (row?.waiting) return 'waiting';
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  })();
  return { outcome, finished };
}

describe('the table of open slots (triggers on real PostgreSQL)', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let sql: Sql;
  let doctors: number[];
  let clinics: number[];
  let patients: number[];

  beforeAll(async () => {
    db = await createTestDatabase();
    sql = connect(db.url, { max: 12 });
    await migrate(sql, MIGRATIONS);
    clinics = (await sql<Array<{ id: number }>>`
      INSERT INTO clinics (name, city, timezone) VALUES ('A', 'Alpha', 'Europe/Berlin'), ('B', 'Beta', 'America/New_York'), ('C', 'Alpha', 'Asia/Kolkata') RETURNING id`).map((r) => r.id);
    // Kept 30 days ahead before any doctor exists: doctors made later start there.
    await new OpenSlots(sql, 30).maintain();
    doctors = (await sql<Array<{ id: number }>>`
      INSERT INTO doctors (name, specialization, clinic_id, consultation_fee_cents)
      SELECT 'Dr ' || i, CASE WHEN i % 2 = 0 THEN 'even' ELSE 'odd' END, (${clinics}::bigint[])[1 + i % 3], 5000 FROM generate_series(1, 6) AS i
      RETURNING id`).map((r) => r.id);
    await sql`
      INSERT INTO doctor_schedules (doctor_id, weekday, starts, ends, slot_minutes)
      SELECT d, w, '08:00', '12:00', (ARRAY[15, 20, 30])[1 + d % 3] FROM unnest(${doctors}::bigint[]) AS d, generate_series(1, 6) AS w`;
    patients = (await sql<Array<{ id: number }>>`
      INSERT INTO patients (mrn, name) SELECT 'OS-' || i, 'Patient ' || i FROM generate_series(1, 400) AS i RETURNING id`).map((r) => r.id);
  });
  afterAll(async () => {
    await sql.end();
    await db.drop();
  });

  it('new doctors start at the horizon, and their schedule fills their days at once', async () => {
    const rows = await sql<Array<{ through: string }>>`SELECT to_char(through, 'YYYY-MM-DD') AS through FROM open_slots_doctors ORDER BY doctor_id`;
    expect(rows).toHaveLength(6);
    expect(new Set(rows.map((r) => r.through))).toEqual(new Set([new Date(Date.now() + 30 * DAY_MS).toISOString().slice(0, 10)]));
    const state = await openSlotsDivergence(sql);
    expect(state.kept).toBeGreaterThan(6 * 20 * 8);
    expect(state).toMatchObject({ missing: [], extra: [] });
  });

  it('stays exact under concurrent bookings, cancellations, moves, exceptions, schedule, doctor and clinic changes', async () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
    const startSoon = () => new Date(Math.floor((Date.now() + random() * 28 * DAY_MS) / (15 * 60_000)) * 15 * 60_000);
    const refused = new Set(['23P01', '40P01']); // an overlap the database refused; a deadlock it broke
    const counts: Record<string, number> = {};
    const operations: Record<string, () => Promise<unknown>> = {
      book: () => {
        const start = startSoon();
        return sql`INSERT INTO appointments (doctor_id, patient_id, during, status, mode)
                   VALUES (${pick(doctors)}, ${pick(patients)}, tstzrange(${start}, ${new Date(start.getTime() + (15 + Math.floor(random() * 6) * 15) * 60_000)}), 'scheduled', 'in_person')`;
      },
      cancel: () => sql`UPDATE appointments SET status = 'cancelled' WHERE id = (SELECT id FROM appointments WHERE status = 'scheduled' AND doctor_id = ${pick(doctors)} ORDER BY random() LIMIT 1)`,
      complete: () => sql`UPDATE appointments SET status = 'completed' WHERE id = (SELECT id FROM appointments WHERE status = 'scheduled' AND doctor_id = ${pick(doctors)} ORDER BY random() LIMIT 1)`,
      move: () => sql`UPDATE appointments SET during = tstzrange(lower(during) + interval '75 minutes', upper(during) + interval '75 minutes')
                      WHERE id = (SELECT id FROM appointments WHERE status <> 'cancelled' AND doctor_id = ${pick(doctors)} ORDER BY random() LIMIT 1)`,
      remove: () => sql`DELETE FROM appointments WHERE id = (SELECT id FROM appointments WHERE doctor_id = ${pick(doctors)} ORDER BY random() LIMIT 1)`,
      leave: () => {
        const start = startSoon();
        return sql`INSERT INTO schedule_exceptions (doctor_id, during, reason) VALUES (${pick(doctors)}, tstzrange(${start}, ${new Date(start.getTime() + random() * 2 * DAY_MS)}), 'leave')`;
      },
      back: () => sql`DELETE FROM schedule_exceptions WHERE id = (SELECT id FROM schedule_exceptions WHERE doctor_id = ${pick(doctors)} ORDER BY random() LIMIT 1)`,
      schedule: () => {
        const doctor = pick(doctors);
        const starts = 7 + Math.floor(random() * 4);
        return sql.begin(async (tx) => {
          await tx`SELECT 1 FROM doctors WHERE id = ${doctor} FOR NO KEY UPDATE`; // as Doctors.setSchedule: one writer per doctor
          await tx`DELETE FROM doctor_schedules WHERE doctor_id = ${doctor}`;
          await tx`INSERT INTO doctor_schedules (doctor_id, weekday, starts, ends, slot_minutes)
                   SELECT ${doctor}, w, make_time(${starts}, 0, 0), make_time(${starts + 3}, 30, 0), ${pick([15, 30, 45])} FROM generate_series(1, 7) AS w WHERE w % 2 = ${Math.floor(random() * 2)}`;
        });
      },
      transfer: () => sql`UPDATE doctors SET clinic_id = ${pick(clinics)} WHERE id = ${pick(doctors)}`,
      specialize: () => sql`UPDATE doctors SET specialization = ${pick(['even', 'odd', 'other'])} WHERE id = ${pick(doctors)}`,
      relocate: () => sql`UPDATE clinics SET timezone = ${pick(['Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'UTC'])}, city = ${pick(['Alpha', 'Beta'])} WHERE id = ${pick(clinics)}`,
    };
    const weighted = [...Array(8).fill('book'), 'cancel', 'cancel', 'complete', 'move', 'remove', 'leave', 'back', 'schedule', 'transfer', 'specialize', 'relocate'] as string[];
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        for (let i = 0; i < 50; i++) {
          const name = pick(weighted);
          try {
            await operations[name]!();
            counts[name] = (counts[name] ?? 0) + 1;
          } catch (error) {
            if (!refused.has((error as { code?: string }).code ?? '')) throw error;
          }
        }
      }),
    );
    // Every kind of change ran, many at once on the same few doctors.
    expect(Object.keys(counts).sort()).toEqual(Object.keys(operations).sort());
    const [{ booked }] = await sql<[{ booked: number }]>`SELECT count(*)::int AS booked FROM appointments WHERE status <> 'cancelled'`;
    expect(booked).toBeGreaterThan(50);
    expect(await openSlotsDivergence(sql)).toMatchObject({ missing: [], extra: [] });
  });

  it('bookings of one doctor at different times never wait for each other; a cancellation of that doctor waits for them', async () => {
    const doctor = doctors[0]!;
    const [a, b, c] = (await sql<Array<{ id: number }>>`INSERT INTO patients (mrn, name) SELECT 'LOCK-' || i, 'Patient ' || i FROM generate_series(1, 3) AS i RETURNING id`).map((r) => r.id) as [number, number, number];
    type Free = { startsAt: Date; endsAt: Date };
    const [first, secondSlot, third] = (await sql<Free[]>`
      SELECT starts_at AS "startsAt", ends_at AS "endsAt" FROM open_slots WHERE doctor_id = ${doctor} AND starts_at > now() + interval '1 day' ORDER BY starts_at LIMIT 3`) as unknown as [Free, Free, Free];
    const [{ id: toCancel }] = await sql<[{ id: number }]>`
      INSERT INTO appointments (doctor_id, patient_id, during, status, mode) VALUES (${doctor}, ${c}, tstzrange(${third.startsAt}, ${third.endsAt}), 'scheduled', 'in_person') RETURNING id`;

    // The first booking stays uncommitted until the end.
    let commitFirst!: () => void;
    const firstHeld = new Promise<void>((resolve) => (commitFirst = resolve));
    let firstBooked!: () => void;
    const firstInserted = new Promise<void>((resolve) => (firstBooked = resolve));
    const first$ = sql.begin(async (tx) => {
      await tx`INSERT INTO appointments (doctor_id, patient_id, during, status, mode) VALUES (${doctor}, ${a}, tstzrange(${first.startsAt}, ${first.endsAt}), 'scheduled', 'in_person')`;
      firstBooked();
      await firstHeld;
    });
    await firstInserted;
    let second: ReturnType<typeof inTransactionWatched> | null = null;
    let cancel: ReturnType<typeof inTransactionWatched> | null = null;
    try {
      // Another booking of the same doctor, at another time: done while the first is still open.
      second = inTransactionWatched(sql, (tx) => tx`INSERT INTO appointments (doctor_id, patient_id, during, status, mode) VALUES (${doctor}, ${b}, tstzrange(${secondSlot.startsAt}, ${secondSlot.endsAt}), 'scheduled', 'in_person')`);
      expect(await second.outcome).toBe('done');
      // A cancellation regenerates the doctor's day from what is committed: it must wait.
      cancel = inTransactionWatched(sql, (tx) => tx`UPDATE appointments SET status = 'cancelled' WHERE id = ${toCancel}`);
      expect(await cancel.outcome).toBe('waiting');
    } finally {
      commitFirst();
      await first$;
      await second?.finished;
      await cancel?.finished;
    }
    expect(await openSlotsDivergence(sql)).toMatchObject({ missing: [], extra: [] });
    const left = await sql<Array<{ startsAt: Date }>>`SELECT starts_at AS "startsAt" FROM open_slots WHERE doctor_id = ${doctor} AND starts_at IN (${first.startsAt}, ${secondSlot.startsAt}, ${third.startsAt})`;
    expect(left.map((r) => r.startsAt.toISOString())).toEqual([third.startsAt.toISOString()]);
  });

  it('extends every doctor when the horizon moves, drops slots that are over, and reports the complete horizon', async () => {
    const [{ id: doctor }] = await sql<[{ id: number }]>`SELECT doctor_id AS id FROM open_slots_doctors ORDER BY doctor_id LIMIT 1`;
    // A slot from last week left behind (as if the service had been stopped for a while).
    const [{ clinic }] = await sql<[{ clinic: number }]>`SELECT clinic_id AS clinic FROM doctors WHERE id = ${doctor}`;
    await sql`INSERT INTO open_slots VALUES (${doctor}, now() - interval '7 days', now() - interval '7 days' + interval '15 minutes', ${clinic}, (now() - interval '7 days')::date, 15, 'even', 'Alpha')`;
    const before = await sql<[{ count: number }]>`SELECT count(*)::int AS count FROM open_slots WHERE local_date > current_date + 30`;
    expect(before[0].count).toBe(0);

    const openSlots = new OpenSlots(sql, 45);
    expect(openSlots.through()).toBeNull();
    const run = await openSlots.maintain();
    expect(run).toMatchObject({ target: new Date(Date.now() + 45 * DAY_MS).toISOString().slice(0, 10), doctors: 6 });
    expect(run.slotsAdded).toBeGreaterThan(0);
    expect(openSlots.through()).toBe(run.target);
    const [{ old }] = await sql<[{ old: number }]>`SELECT count(*)::int AS old FROM open_slots WHERE starts_at < now() - interval '1 day'`;
    expect(old).toBe(0);
    expect(await openSlotsDivergence(sql)).toMatchObject({ missing: [], extra: [] });
    // Nothing left to do on a second run, from this replica or another.
    expect(await new OpenSlots(sql, 45).maintain()).toMatchObject({ doctors: 0, slotsAdded: 0 });

    // A doctor loaded with the triggers off (as the seed does) is found and extended by the next run.
    await sql`ALTER TABLE doctors DISABLE TRIGGER doctors_open_slots`;
    await sql`INSERT INTO doctors (name, specialization, clinic_id, consultation_fee_cents) VALUES ('Dr Late', 'odd', ${clinic}, 5000)`;
    await sql`ALTER TABLE doctors ENABLE TRIGGER doctors_open_slots`;
    const late = new OpenSlots(sql, 45);
    const lateRun = await late.maintain();
    expect(lateRun.doctors).toBe(1);
    expect(late.through()).toBe(run.target);
  });
});
