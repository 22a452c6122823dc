import type { AppointmentChange, AppointmentHook } from '../booking/appointment-events.js';
import type { TransactionSql } from '../db/sql.js';
import type { StationAlarmEvent } from '../../gateway/protocol/sync-batch.js';
import type { WebhookEvent } from './webhook-events.js';
import { enqueueWebhookEvents } from './webhook-outbox.js';

/**
 * The event each change announces, built where the change is committed (booking, report worker,
 * video room job, station ingest) and queued in its transaction. Ids and states only.
 */
export function appointmentEvent(change: AppointmentChange): WebhookEvent {
  const { appointment } = change;
  const data = {
    appointmentId: appointment.id,
    doctorId: appointment.doctorId,
    patientId: appointment.patientId,
    startsAt: appointment.startsAt.toISOString(),
    endsAt: appointment.endsAt.toISOString(),
    mode: appointment.mode,
  };
  if (change.kind === 'booked') return { type: 'appointment.booked', data: { ...data, status: 'scheduled' } };
  if (change.kind === 'cancelled') return { type: 'appointment.cancelled', data: { ...data, status: 'cancelled' } };
  return { type: 'appointment.changed', data: { ...data, status: change.kind } };
}

/** Registered with the booking feature: every appointment change queues its event. */
export function appointmentWebhookHook(): AppointmentHook {
  return (tx: TransactionSql, change: AppointmentChange) => enqueueWebhookEvents(tx, [appointmentEvent(change)]);
}

export function reportDoneEvent(job: { id: string; kind: string; requestedBy: number }, rowCount: number): WebhookEvent {
  return {
    type: 'report.done',
    data: { reportId: job.id, kind: job.kind, requestedBy: job.requestedBy, rowCount, csv: `/v1/reports/${job.id}/csv`, pdf: `/v1/reports/${job.id}/pdf` },
  };
}

export function videoRoomReadyEvent(appointmentId: number, provider: string): WebhookEvent {
  return { type: 'video.room_ready', data: { appointmentId, provider, join: `/v1/appointments/${appointmentId}/join` } };
}

/** A station's alarm event as stored; the patient by cloud id (null when the bed had none). */
export function alarmEvent(stationId: string, event: StationAlarmEvent, patientId: number | null): WebhookEvent {
  return {
    type: 'alarm.event',
    data: {
      stationId,
      eventId: event.id,
      alarmId: event.alarmId,
      phase: event.phase,
      at: new Date(event.at).toISOString(),
      condition: event.condition,
      alarmType: event.type,
      priority: event.priority,
      state: event.state,
      inactivation: event.inactivation,
      bedId: event.bedId,
      deviceId: event.deviceId,
      patientId,
      value: event.value,
      limit: event.limit,
    },
  };
}
