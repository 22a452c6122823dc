/**
 * The events an endpoint can subscribe to. Payloads carry ids and states, never names or other
 * patient details: a receiver that needs more asks the API with its own credentials.
 */
export const WEBHOOK_EVENT_TYPES = ['report.done', 'video.room_ready', 'appointment.booked', 'appointment.cancelled', 'appointment.changed', 'alarm.event'] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** One event to announce: its type and its `data` (JSON). */
export interface WebhookEvent {
  readonly type: WebhookEventType;
  readonly data: Record<string, unknown>;
}

/** What a receiver gets as the request body (the same bytes on every attempt). */
export interface WebhookBody {
  readonly id: string;
  readonly type: WebhookEventType;
  readonly createdAt: string;
  readonly data: Record<string, unknown>;
}

/** The wake-up dispatchers listen for; sent at commit by the transaction that queued deliveries. */
export const WEBHOOKS_DUE_CHANNEL = 'webhooks_due';
