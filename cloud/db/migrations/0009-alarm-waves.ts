import type { Migration } from '../migration.js';

/**
 * The stored waves around an alarm's onset, sent by stations set to (`cloud.alarmWaves`): the
 * strip that triggered the alarm, for the physician (`GET /v1/patients/{id}/alarms/{alarmId}/waves`)
 * and the ward alarm report. One row per alarm; `waves` maps a wave code to its stretches (start,
 * rate, scale, offset, int16 samples in base64), as the station sent them. A resend is a no-op.
 */
export const migration: Migration = {
  id: 9,
  name: 'alarm-waves',
  sql: `
CREATE TABLE alarm_waves (
  station_id text NOT NULL REFERENCES stations(id),
  alarm_id text NOT NULL,
  patient_id bigint NOT NULL REFERENCES patients(id),
  at timestamptz NOT NULL,
  condition text NOT NULL,
  bed_id text,
  from_ts timestamptz NOT NULL,
  to_ts timestamptz NOT NULL,
  waves jsonb NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (station_id, alarm_id)
);
CREATE INDEX alarm_waves_patient ON alarm_waves (patient_id, at);
`,
};
