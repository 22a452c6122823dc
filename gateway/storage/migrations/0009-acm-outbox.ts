import type { Migration } from '../migrate.js';

/**
 * Alarm forwarding to an Alarm Communication Manager (IHE PCD ACM): the outbox of ORU^R40
 * messages per recipient (rendered once, so a retry after a restart resends the very same bytes
 * and control id), the status updates (ORA^R41) the ACM reports later, and the escalation
 * deadlines of unacknowledged alarms, so a restart loses neither a message nor a deadline.
 */
export const migration: Migration = {
  id: 9,
  name: 'acm-outbox',
  sql: `
CREATE TABLE acm_messages (
  id INTEGER PRIMARY KEY,
  recipient TEXT NOT NULL CHECK (recipient IN ('primary', 'escalation')),
  control_id TEXT NOT NULL UNIQUE,
  alarm_id TEXT NOT NULL,
  phase TEXT NOT NULL,
  priority TEXT NOT NULL CHECK (priority IN ('PH', 'PM', 'PL')),
  message TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  state TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'delivered', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT,
  done_at INTEGER,
  status TEXT,
  status_at INTEGER
) STRICT;
CREATE INDEX acm_messages_queued ON acm_messages(recipient, id) WHERE state = 'queued';
CREATE INDEX acm_messages_alarm ON acm_messages(alarm_id);

CREATE TABLE acm_status_updates (
  id INTEGER PRIMARY KEY,
  control_id TEXT NOT NULL,
  alarm_id TEXT,
  status TEXT NOT NULL,
  detail TEXT,
  at INTEGER NOT NULL
) STRICT;
CREATE INDEX acm_status_updates_alarm ON acm_status_updates(alarm_id, at);

CREATE TABLE acm_escalations (
  alarm_id TEXT PRIMARY KEY,
  state TEXT NOT NULL CHECK (state IN ('pending', 'escalated', 'cancelled')),
  due_at INTEGER,
  report TEXT NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX acm_escalations_due ON acm_escalations(due_at) WHERE state = 'pending';
`,
};
