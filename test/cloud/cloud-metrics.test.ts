import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, api, putBatch, startTestCloud } from '../helpers/cloud-fixture.js';

const PATIENT = { mrn: 'MRN-METRICS-1', name: 'Grace Hopper', birthDate: '1906-12-09' };

function observations(first: number, count: number) {
  const t0 = Date.now() - 3600_000;
  return Array.from({ length: count }, (_, i) => ({ id: first + i, deviceId: 'mon-1', bedId: 'B1', ts: t0 + (first + i) * 1000, patient: PATIENT, vitals: { HR: 70, SPO2: 97 } }));
}

/** One sample's value from the Prometheus text (labels in the order prom-client writes them). */
function sample(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('cloud metrics for Prometheus (real PostgreSQL)', () => {
  let cloud: Awaited<ReturnType<typeof startTestCloud>>;
  let credential: string;
  const scrape = async () => {
    const response = await fetch(cloud.service.metricsUrl!);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    return response.text();
  };

  beforeAll(async () => {
    cloud = await startTestCloud({ metrics: { host: '127.0.0.1', port: 0 } });
    const station = await cloud.service.ctx.stations.provision('ward-metrics', 'Ward M');
    credential = `${station.stationId}.${station.secret}`;
  });
  afterAll(() => cloud?.stop());

  it('serves GET /metrics on its own loopback listener, not on the API', async () => {
    expect(cloud.service.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    expect((await api(cloud.url, '/metrics')).status).toBe(404);
    expect((await fetch(cloud.service.metricsUrl!.replace('/metrics', '/other'))).status).toBe(404);
    expect(sample(await scrape(), 'ward_cloud_db_pool_size')).toBe(10);
  });

  it('times requests by route template and status, never by the URL (ids stay out)', async () => {
    const unmatchedBefore = sample(await scrape(), 'ward_cloud_http_request_duration_seconds_count', 'method="GET",route="unmatched",status_code="404"') ?? 0;
    expect((await api(cloud.url, '/v1/health')).status).toBe(200);
    expect((await api(cloud.url, '/v1/patients/987654321')).status).toBe(401);
    expect((await api(cloud.url, '/no/such/route/555444333')).status).toBe(404);
    const text = await scrape();
    expect(sample(text, 'ward_cloud_http_request_duration_seconds_count', 'method="GET",route="/v1/health",status_code="200"')).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(/ward_cloud_http_request_duration_seconds_count\{method="GET",route="\/v1\/patients\/:[A-Za-z]+",status_code="401"\} 1/);
    expect(sample(text, 'ward_cloud_http_request_duration_seconds_count', 'method="GET",route="unmatched",status_code="404"')).toBe(unmatchedBefore + 1);
    expect(text).not.toContain('987654321');
    expect(text).not.toContain('555444333');
  });

  it('counts ingested batches and rows by outcome, replays apart', async () => {
    const batch = { observations: observations(1, 25), alarmEvents: [] };
    expect((await putBatch(cloud.url, credential, 'obs-1-25', batch)).status).toBe(200);
    expect((await putBatch(cloud.url, credential, 'obs-1-25', batch)).status).toBe(200);
    expect((await putBatch(cloud.url, credential, 'obs-20-34', { observations: observations(20, 15), alarmEvents: [] })).status).toBe(200);
    const text = await scrape();
    expect(sample(text, 'ward_cloud_ingest_batches_total', 'result="stored"')).toBe(2);
    expect(sample(text, 'ward_cloud_ingest_batches_total', 'result="replayed"')).toBe(1);
    expect(sample(text, 'ward_cloud_ingest_rows_total', 'stream="observations",outcome="stored"')).toBe(34);
    expect(sample(text, 'ward_cloud_ingest_rows_total', 'stream="observations",outcome="duplicate"')).toBe(6);
    expect(text).not.toContain(PATIENT.name);
    expect(text).not.toContain(PATIENT.mrn);
  });

  it('reports the depth of the report, notification and video queues, and the database connections', async () => {
    const { sql } = cloud.service.ctx;
    const user = await addUser(cloud.service, 'admin');
    await sql`INSERT INTO report_jobs (kind, params, requested_by, max_attempts, created_at, expires_at) VALUES
      ('ward_alarms', '{}', ${user.id}, 3, now() - interval '90 seconds', now() + interval '1 day'),
      ('ward_alarms', '{}', ${user.id}, 3, now(), now() + interval '1 day')`;
    await sql`INSERT INTO report_jobs (kind, params, requested_by, max_attempts, created_at, expires_at, status) VALUES ('ward_alarms', '{}', ${user.id}, 3, now(), now() + interval '1 day', 'done')`;
    const note = (status: string, due: string) =>
      sql`INSERT INTO notifications (channel, kind, recipient, subject, body, due_at, status) VALUES ('email', 'reminder_24h', 'x@example.org', 's', 'b', now() + ${due}::interval, ${status})`;
    await note('queued', '-5 minutes');
    await note('failed', '-1 minute');
    await note('queued', '+2 days'); // a reminder for later is not a backlog
    await note('sending', '-1 minute');
    await note('sent', '-1 hour');
    const text = await scrape();
    expect(sample(text, 'ward_cloud_queue_depth', 'queue="reports",state="due"')).toBe(2);
    expect(sample(text, 'ward_cloud_queue_depth', 'queue="reports",state="in_progress"')).toBe(0);
    expect(sample(text, 'ward_cloud_queue_oldest_due_seconds', 'queue="reports"')).toBeGreaterThanOrEqual(90);
    expect(sample(text, 'ward_cloud_queue_depth', 'queue="notifications",state="due"')).toBe(2);
    expect(sample(text, 'ward_cloud_queue_depth', 'queue="notifications",state="in_progress"')).toBe(1);
    expect(sample(text, 'ward_cloud_queue_oldest_due_seconds', 'queue="notifications"')).toBeGreaterThanOrEqual(300);
    expect(sample(text, 'ward_cloud_queue_depth', 'queue="video_rooms",state="due"')).toBe(0);
    expect(sample(text, 'ward_cloud_database_up')).toBe(1);
    expect(sample(text, 'ward_cloud_db_max_connections')).toBeGreaterThan(10);
    // This replica's pool shows up under its application name.
    expect(text).toMatch(/ward_cloud_db_connections\{application="ward-cloud",state="(active|idle)"\} [1-9]/);
  });
});
