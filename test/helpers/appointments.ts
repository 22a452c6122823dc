import type { AppointmentChange } from '../../cloud/booking/appointment-events.js';
import type { CloudContext } from '../../cloud/context.js';

/**
 * Appointment changes as the booking feature makes them (cloud/booking/appointment-events.ts):
 * the row change and every registered hook in one transaction. Lets notification and video tests
 * drive the contract directly.
 */
export async function seedClinic(ctx: CloudContext, timezone = 'Europe/Berlin'): Promise<{ doctorId: number; clinicId: number }> {
  const [clinic] = await ctx.sql<[{ id: number }]>`INSERT INTO clinics (name, city, timezone) VALUES ('North Clinic', 'Berlin', ${timezone}) RETURNING id`;
  const [doctor] = await ctx.sql<[{ id: number }]>`
    INSERT INTO doctors (name, specialization, clinic_id, consultation_fee_cents) VALUES ('Dr Grey', 'cardiology', ${clinic.id}, 9000) RETURNING id`;
  return { doctorId: doctor.id, clinicId: clinic.id };
}

export async function seedPatient(ctx: CloudContext, contact: { email?: string; phone?: string }): Promise<number> {
  const [patient] = await ctx.sql<[{ id: number }]>`
    INSERT INTO patients (mrn, name, email, phone) VALUES (${`MRN-${Math.random().toString(36).slice(2, 10)}`}, 'Ada Patient', ${contact.email ?? null}, ${contact.phone ?? null}) RETURNING id`;
  return patient.id;
}

export async function book(ctx: CloudContext, input: { doctorId: number; patientId: number; startsAt: Date; minutes?: number; mode?: 'in_person' | 'video' }, rollback = false): Promise<AppointmentChange['appointment']> {
  const endsAt = new Date(input.startsAt.getTime() + (input.minutes ?? 30) * 60_000);
  const mode = input.mode ?? 'in_person';
  let booked: AppointmentChange['appointment'] | null = null;
  await ctx.sql
    .begin(async (tx) => {
      const [row] = await tx<[{ id: number }]>`
        INSERT INTO appointments (doctor_id, patient_id, during, status, mode)
        VALUES (${input.doctorId}, ${input.patientId}, tstzrange(${input.startsAt}, ${endsAt}), 'scheduled', ${mode}) RETURNING id`;
      booked = { id: row.id, doctorId: input.doctorId, patientId: input.patientId, startsAt: input.startsAt, endsAt, mode };
      for (const hook of ctx.appointmentHooks) await hook(tx, { kind: 'booked', appointment: booked });
      if (rollback) throw new Error('rolled back on purpose');
    })
    .catch((error: Error) => {
      if (!rollback) throw error;
    });
  return booked!;
}

export async function cancel(ctx: CloudContext, appointment: AppointmentChange['appointment']): Promise<void> {
  await ctx.sql.begin(async (tx) => {
    await tx`UPDATE appointments SET status = 'cancelled', cancelled_at = now() WHERE id = ${appointment.id}`;
    for (const hook of ctx.appointmentHooks) await hook(tx, { kind: 'cancelled', appointment });
  });
}
