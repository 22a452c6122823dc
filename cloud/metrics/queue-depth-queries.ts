/**
 * What the metrics read from the database at each scrape. Each count matches the predicate of a
 * partial index (report_jobs_claimable, notifications_due/_sending, video_rooms_due/_creating),
 * so a scrape reads the waiting rows only, however many sent notifications the tables keep.
 */
export const REPORT_QUEUE = `
SELECT status AS state, count(*)::int AS depth, EXTRACT(EPOCH FROM now() - min(created_at))::float8 AS "oldestSeconds"
FROM report_jobs WHERE status IN ('queued', 'running') GROUP BY status`;

export const NOTIFICATIONS_DUE = `
SELECT count(*)::int AS depth, COALESCE(EXTRACT(EPOCH FROM now() - min(due_at)), 0)::float8 AS "oldestSeconds"
FROM notifications WHERE status IN ('queued', 'failed') AND due_at <= now()`;

export const NOTIFICATIONS_SENDING = `SELECT count(*)::int AS depth FROM notifications WHERE status = 'sending'`;

export const VIDEO_ROOMS_DUE = `
SELECT count(*)::int AS depth, COALESCE(EXTRACT(EPOCH FROM now() - min(due_at)), 0)::float8 AS "oldestSeconds"
FROM video_rooms WHERE status IN ('pending', 'failed') AND due_at <= now()`;

export const VIDEO_ROOMS_CREATING = `SELECT count(*)::int AS depth FROM video_rooms WHERE status = 'creating'`;

/** Connections to this database by client (every replica and worker names itself) and state. */
export const DATABASE_CONNECTIONS = `
SELECT COALESCE(NULLIF(application_name, ''), 'other') AS application, COALESCE(state, 'unknown') AS state, count(*)::int AS connections
FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend' GROUP BY 1, 2`;

export const MAX_CONNECTIONS = `SELECT current_setting('max_connections')::int AS "maxConnections"`;
