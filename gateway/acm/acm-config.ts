/**
 * Configuration of alarm forwarding to an Alarm Communication Manager: the `acm` block of the
 * station's configuration file. Absent (or `enabled: false`) means off.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { AlarmPriority } from '../protocol/alarm-types.js';

const Endpoint = {
  host: Type.String({ minLength: 1 }),
  port: Type.Integer({ minimum: 1, maximum: 65535 }),
};

export const AcmConfigSchema = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean()),
    ...Endpoint,
    /** The second recipient, and after how many seconds an unacknowledged alarm goes there too, per priority. */
    escalation: Type.Optional(
      Type.Object(
        {
          ...Endpoint,
          afterSeconds: Type.Object(
            {
              high: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 })),
              medium: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 })),
              low: Type.Optional(Type.Integer({ minimum: 1, maximum: 86_400 })),
            },
            { additionalProperties: false },
          ),
        },
        { additionalProperties: false },
      ),
    ),
    sendingApplication: Type.Optional(Type.String({ minLength: 1, maxLength: 180 })),
    sendingFacility: Type.Optional(Type.String({ minLength: 1, maxLength: 180 })),
    receivingApplication: Type.Optional(Type.String({ maxLength: 180 })),
    receivingFacility: Type.Optional(Type.String({ maxLength: 180 })),
    ackTimeoutSeconds: Type.Optional(Type.Number({ minimum: 1, maximum: 300 })),
    /** How many AE answers one message may get before it is given up. */
    maxErrorAttempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  },
  { additionalProperties: false },
);
export type AcmConfigFile = Static<typeof AcmConfigSchema>;

export interface AcmConfig {
  readonly primary: { readonly host: string; readonly port: number };
  readonly escalation: { readonly host: string; readonly port: number; readonly afterMs: Partial<Readonly<Record<AlarmPriority, number>>> } | null;
  readonly sendingApplication: string;
  readonly sendingFacility: string;
  readonly receivingApplication: string;
  readonly receivingFacility: string;
  readonly ackTimeoutMs: number;
  readonly maxErrorAttempts: number;
  readonly backoff: { readonly baseMs: number; readonly capMs: number };
}

export function acmConfig(file: AcmConfigFile | undefined): AcmConfig | null {
  if (!file || file.enabled === false) return null;
  const after = file.escalation?.afterSeconds ?? {};
  return {
    primary: { host: file.host, port: file.port },
    escalation: file.escalation
      ? { host: file.escalation.host, port: file.escalation.port, afterMs: Object.fromEntries(Object.entries(after).map(([priority, seconds]) => [priority, seconds * 1000])) }
      : null,
    sendingApplication: file.sendingApplication ?? 'WARD_STATION',
    sendingFacility: file.sendingFacility ?? 'WARD',
    receivingApplication: file.receivingApplication ?? 'ACM',
    receivingFacility: file.receivingFacility ?? '',
    ackTimeoutMs: (file.ackTimeoutSeconds ?? 10) * 1000,
    maxErrorAttempts: file.maxErrorAttempts ?? 5,
    backoff: { baseMs: 1000, capMs: 60_000 },
  };
}
