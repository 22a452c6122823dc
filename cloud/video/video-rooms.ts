import type { AppointmentChange, AppointmentHook } from '../booking/appointment-events.js';
import { run, type Sql, type TransactionSql } from '../db/sql.js';
import { videoRoomReadyEvent } from '../webhooks/change-events.js';
import { enqueueWebhookEvents } from '../webhooks/webhook-outbox.js';
import type { RoomDetails } from './video-provider.js';

export const ENQUEUE_ROOM = `
INSERT INTO video_rooms (appointment_id, starts_at, ends_at, due_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (appointment_id) DO NOTHING`;

export const CANCEL_ROOM = `UPDATE video_rooms SET status = 'cancelled', updated_at = now() WHERE appointment_id = $1 AND status <> 'cancelled'`;

/** Rooms due for creation; SKIP LOCKED so replicas' room jobs never take the same one. */
export const CLAIM_ROOMS = `
UPDATE video_rooms v SET status = 'creating', attempts = v.attempts + 1, lease_until = $2, updated_at = $1
FROM (
  SELECT appointment_id FROM video_rooms
  WHERE status IN ('pending', 'failed') AND due_at <= $1
  ORDER BY due_at
  LIMIT $3
  FOR UPDATE SKIP LOCKED) due
WHERE v.appointment_id = due.appointment_id
RETURNING v.appointment_id AS "appointmentId", v.starts_at AS "startsAt", v.ends_at AS "endsAt", v.attempts`;

export const RECLAIM_ROOMS = `
UPDATE video_rooms SET status = 'failed', last_error = 'room job stopped while creating (lease expired)', lease_until = NULL, due_at = $1, updated_at = $1
WHERE status = 'creating' AND lease_until < $1`;

export const ROOM_READY_CHANNEL = 'video_room_ready';

/** Ready, and said on the cluster bus at commit (a screen waiting to join can be told at once). */
export const ROOM_READY = `
WITH ready AS (
  UPDATE video_rooms SET status = 'ready', provider = $2, room_name = $3, host_url = $4, join_url = $5, lease_until = NULL, updated_at = $6
  WHERE appointment_id = $1 AND status = 'creating'
  RETURNING appointment_id)
SELECT pg_notify('${ROOM_READY_CHANNEL}', appointment_id::text) FROM ready`;

/** Retried after a backoff until the cap, or until the appointment is over (no use any more). */
export const ROOM_FAILED = `
UPDATE video_rooms SET
  status = CASE WHEN $3 OR attempts >= $4 OR ends_at <= $5 THEN 'gave_up' ELSE 'failed' END,
  last_error = $2, due_at = $6, lease_until = NULL, updated_at = $5
WHERE appointment_id = $1 AND status = 'creating'`;

/** The breaker refused the call: nothing was tried, so the attempt does not count. */
export const ROOM_DEFERRED = `
UPDATE video_rooms SET status = 'failed', attempts = attempts - 1, last_error = $2, due_at = $3, lease_until = NULL, updated_at = now()
WHERE appointment_id = $1 AND status = 'creating'`;

export const JOIN_DETAILS = `
SELECT v.status, v.provider, v.room_name AS "roomName", v.host_url AS "hostUrl", v.join_url AS "joinUrl", v.starts_at AS "startsAt",
  v.due_at AS "dueAt", v.last_error AS "lastError", a.patient_id AS "patientId", p.phone AS "patientPhone"
FROM video_rooms v JOIN appointments a ON a.id = v.appointment_id JOIN patients p ON p.id = a.patient_id
WHERE v.appointment_id = $1`;

export interface ClaimedRoom {
  readonly appointmentId: number;
  readonly startsAt: Date;
  readonly endsAt: Date;
  readonly attempts: number;
}

/**
 * The appointment hook: booking a video appointment only records that a
 * room is wanted; no provider is called in the booking transaction, so an outage cannot block it.
 */
export function videoRoomHook(leadMs: number): AppointmentHook {
  return async (tx: TransactionSql, change: AppointmentChange) => {
    const { appointment } = change;
    if (change.kind === 'booked') {
      if (appointment.mode !== 'video') return;
      await run(tx, ENQUEUE_ROOM, [appointment.id, appointment.startsAt, appointment.endsAt, new Date(appointment.startsAt.getTime() - leadMs)]);
    } else if (change.kind === 'cancelled') {
      await run(tx, CANCEL_ROOM, [appointment.id]);
    }
  };
}

export class VideoRooms {
  constructor(private readonly sql: Sql) {}

  async claim(now: number, leaseMs: number, limit: number): Promise<ClaimedRoom[]> {
    await run(this.sql, RECLAIM_ROOMS, [new Date(now)]);
    return run<ClaimedRoom>(this.sql, CLAIM_ROOMS, [new Date(now), new Date(now + leaseMs), limit]);
  }

  async ready(appointmentId: number, provider: string, room: RoomDetails, now: number): Promise<void> {
    await this.sql.begin(async (tx) => {
      const ready = await run(tx, ROOM_READY, [appointmentId, provider, room.roomName, room.hostUrl, room.joinUrl, new Date(now)]);
      if (ready.length === 1) await enqueueWebhookEvents(tx, [videoRoomReadyEvent(appointmentId, provider)], now);
    });
  }

  async failed(appointmentId: number, error: string, permanent: boolean, maxAttempts: number, now: number, retryAt: number): Promise<void> {
    await run(this.sql, ROOM_FAILED, [appointmentId, error.slice(0, 300), permanent, maxAttempts, new Date(now), new Date(retryAt)]);
  }

  async deferred(appointmentId: number, reason: string, retryAt: number): Promise<void> {
    await run(this.sql, ROOM_DEFERRED, [appointmentId, reason, new Date(retryAt)]);
  }
}
