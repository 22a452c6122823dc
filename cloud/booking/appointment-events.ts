import type { TransactionSql } from '../db/sql.js';

/**
 * What other features learn about appointments, inside the very transaction that changes them
 * (so an outbox row exists if and only if the change committed). The booking feature calls every
 * registered hook; notifications and video rooms register theirs.
 */
export interface AppointmentChange {
  readonly kind: 'booked' | 'cancelled' | 'completed' | 'no_show';
  readonly appointment: {
    readonly id: number;
    readonly doctorId: number;
    readonly patientId: number;
    readonly startsAt: Date;
    readonly endsAt: Date;
    readonly mode: 'in_person' | 'video';
  };
}

export type AppointmentHook = (tx: TransactionSql, change: AppointmentChange) => Promise<void>;
