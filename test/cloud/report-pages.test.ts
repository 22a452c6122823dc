import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReportJobs } from '../../cloud/reports/report-jobs.js';
import { ReportWorker } from '../../cloud/reports/report-worker.js';
import type { Sql } from '../../cloud/db/sql.js';
import { addUser, api, signIn, startTestCloud } from '../helpers/cloud-fixture.js';
import { PATIENT, REPORT_DAY, REPORT_WEEK, REPORT_ZONE, seedReportData, WARD } from '../helpers/report-seed.js';

/**
 * Every report kind, rendered as a physician sees it: the PDF's text through pdftotext (labels,
 * units, identity on every page) and its pages through pdftoppm. The first page of each is kept
 * in test/fixtures/report-pages/ (the README shows them); generation time is pinned, so an
 * unchanged report renders to the same image.
 */
const PAGES = join(process.cwd(), 'test/fixtures/report-pages');
const GENERATED_AT = Date.parse('2026-03-05T07:42:00Z'); // 08:42 in Berlin
const IEC = { high: [0xff, 0x3b, 0x30], medium: [0xff, 0xd6, 0x0a], low: [0x64, 0xd2, 0xff] } as const;

interface Rendered {
  text: string;
  pages: string[];
  pdf: Buffer;
  /** Pixels of page 1 at 50 dpi (PPM), to look for colours. */
  pixels: Buffer;
}

/** pdftotext and pdftoppm (Debian's poppler-utils; test/setup/system-deps.mjs installs it). */
function render(pdf: Buffer, name: string, dir: string, keep = true): Rendered {
  const file = join(dir, `${name}.pdf`);
  writeFileSync(file, pdf);
  const text = execFileSync('pdftotext', ['-layout', '-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
  execFileSync('pdftoppm', ['-png', '-r', '110', '-f', '1', '-l', '1', '-singlefile', file, join(dir, name)]);
  if (keep) {
    mkdirSync(PAGES, { recursive: true });
    copyFileSync(join(dir, `${name}.png`), join(PAGES, `${name}.png`));
  }
  execFileSync('pdftoppm', ['-png', '-r', '60', file, join(dir, `${name}-all`)]); // every page, to look at by hand
  const pixels = execFileSync('pdftoppm', ['-r', '50', '-f', '1', '-l', '1', '-singlefile', file], { maxBuffer: 64 * 1024 * 1024 });
  return { text, pages: text.split('\f').filter((p) => p.trim().length > 0), pdf, pixels };
}

/** Whether a PPM (P6) image has a pixel within `tolerance` of `rgb`. */
function hasColour(ppm: Buffer, rgb: readonly number[], tolerance = 6): boolean {
  const header = ppm.subarray(0, 64).toString('latin1').split(/\s+/);
  const [magic, width, height, max] = header;
  expect(magic).toBe('P6');
  expect(max).toBe('255');
  const start = ppm.length - Number(width) * Number(height) * 3;
  for (let i = start; i < ppm.length; i += 3) {
    if (Math.abs(ppm[i]! - rgb[0]!) <= tolerance && Math.abs(ppm[i + 1]! - rgb[1]!) <= tolerance && Math.abs(ppm[i + 2]! - rgb[2]!) <= tolerance) return true;
  }
  return false;
}

/** The rightmost column (px) of a PPM (P6) image holding a pixel within `tolerance` of `rgb`, or -1. */
function rightmostColour(ppm: Buffer, rgb: readonly number[], tolerance = 6): { x: number; width: number } {
  const header = ppm.subarray(0, 64).toString('latin1').split(/\s+/);
  const width = Number(header[1]);
  const height = Number(header[2]);
  const start = ppm.length - width * height * 3;
  let rightmost = -1;
  for (let i = start; i < ppm.length; i += 3) {
    if (Math.abs(ppm[i]! - rgb[0]!) <= tolerance && Math.abs(ppm[i + 1]! - rgb[1]!) <= tolerance && Math.abs(ppm[i + 2]! - rgb[2]!) <= tolerance) {
      rightmost = Math.max(rightmost, ((i - start) / 3) % width);
    }
  }
  return { x: rightmost, width };
}

/** Identity, page numbers and the confidentiality footer on every page. */
function expectEveryPageFramed(rendered: Rendered): void {
  const n = rendered.pages.length;
  expect(n).toBeGreaterThan(0);
  rendered.pages.forEach((page, i) => {
    expect(page).toContain(`Page ${i + 1} of ${n}`);
    expect(page.replace(/\s+/g, ' ')).toContain('CONFIDENTIAL: personal health information');
  });
}

describe('reports as printed (pdftotext, pdftoppm)', () => {
  let cloud: Awaited<ReturnType<typeof startTestCloud>>;
  let sql: Sql;
  let token: string;
  let patientId: number;
  let doctorId: number;
  const dir = mkdtempSync(join(tmpdir(), 'report-pages-'));

  beforeAll(async () => {
    cloud = await startTestCloud();
    sql = cloud.service.ctx.sql;
    const physician = await addUser(cloud.service, 'physician', 'efischer');
    await sql`UPDATE users SET display_name = 'Dr Elena Fischer' WHERE id = ${physician.id}`;
    token = (await signIn(cloud.url, physician.username)).accessToken;
    await cloud.service.ctx.stations.provision(WARD.id, WARD.name);
    ({ patientId, doctorId } = await seedReportData(sql));
  });
  afterAll(() => cloud.stop());

  async function produce(body: Record<string, unknown>, name: string, keep = true): Promise<{ rendered: Rendered; summary: Record<string, unknown>; csv: string }> {
    const queued = await api<{ id: string }>(cloud.url, '/v1/reports', { method: 'POST', token, body });
    expect(queued.status).toBe(202);
    const worker = new ReportWorker(sql, new ReportJobs(sql), { leaseMs: 30_000, pollMs: 60_000, now: () => GENERATED_AT });
    expect((await worker.runOnce())?.job.id).toBe(queued.body.id);
    const done = await api<{ status: string; summary: Record<string, unknown> }>(cloud.url, `/v1/reports/${queued.body.id}`, { token });
    expect(done.body.status).toBe('done');
    const get = (format: string) => fetch(`${cloud.url}/v1/reports/${queued.body.id}/${format}`, { headers: { authorization: `Bearer ${token}` } });
    const pdf = Buffer.from(await (await get('pdf')).arrayBuffer());
    return { rendered: render(pdf, name, dir, keep), summary: done.body.summary, csv: await (await get('csv')).text() };
  }

  it('the day vitals report: clinical labels and units, identity, the charts scaled to the data, time outside limits', async () => {
    const { rendered, summary, csv } = await produce({ kind: 'patient_vitals', patientId, date: REPORT_DAY, period: 'day', timeZone: REPORT_ZONE }, 'patient-vitals-day');
    const text = rendered.text;
    for (const labelText of ['Heart rate, /min', 'SpO₂, %', 'Respiratory rate, /min', 'Temperature, °C', 'NIBP, mmHg']) expect(text).toContain(labelText);
    expect(text).not.toMatch(/mm\[Hg\]|\bCel\b|\bSPO2\b|TEMP \(/);
    expect(csv.split('\r\n')[0]).toBe('bucket,vital,unit,min,mean,max,count');
    expect(csv).toContain(',NIBP_SYS,mm[Hg],');
    expect(csv).toContain(',TEMP,Cel,');
    for (const identity of [PATIENT.name, PATIENT.mrn, 'DATE OF BIRTH', '14 Jun 1951 (74 years)', 'WARD / BED', 'GENERATED BY', `${WARD.name} / bed ${PATIENT.bed}`, 'Wed 04 Mar 2026 00:00 – Thu 05 Mar 2026 00:00', 'Europe/Berlin, UTC+01:00', '05 Mar 2026 08:42 (Europe/Berlin)', 'Dr Elena Fischer (efischer)']) {
      expect(text).toContain(identity);
    }
    expectEveryPageFramed(rendered);
    rendered.pages.slice(1).forEach((page) => expect(page).toContain(`${PATIENT.name} · MRN ${PATIENT.mrn} · born 14 Jun 1951`));
    // Data from 08:00 to 15:30 local: the charts span 08:00–16:00, not the whole day.
    expect(text).toContain('Charts cover 04 Mar 2026 08:00 to 04 Mar 2026 16:00, the hours with data');
    // Time below the SpO₂ limit (90 %): the minutes whose mean was below it, as SQL counts them.
    const [{ below, monitored }] = await sql<[{ below: number; monitored: number }]>`
      SELECT count(*) FILTER (WHERE sum / count < 90)::int AS below, count(*)::int AS monitored FROM vitals_1m
      WHERE patient_id = ${patientId} AND vital = 3 AND bucket >= '2026-03-03T23:00Z' AND bucket < '2026-03-04T23:00Z'`;
    expect(below).toBeGreaterThan(0);
    const spo2 = (summary.vitals as Array<{ vital: string; minutesBelow: number; minutesMonitored: number }>).find((v) => v.vital === 'SPO2')!;
    expect(spo2).toMatchObject({ minutesBelow: below, minutesMonitored: monitored });
    expect(text).toMatch(new RegExp(`SpO₂, %\\s+≥ 90\\s+\\d+\\s+\\d+\\s+\\d+\\s+${below}\\s+${((100 * below) / monitored).toFixed(1)} %`));
    // Alarm onsets in their priority colours, and the alarm list.
    expect(text).toContain('SpO₂ low');
    expect(hasColour(rendered.pixels, IEC.high)).toBe(true);
    expect(hasColour(rendered.pixels, IEC.medium)).toBe(true);
  });

  it('the week vitals report covers the week in local days', async () => {
    const { rendered } = await produce({ kind: 'patient_vitals', patientId, date: REPORT_WEEK, period: 'week', timeZone: REPORT_ZONE }, 'patient-vitals-week');
    expect(rendered.text).toContain('Mon 02 Mar 2026 00:00 – Mon 09 Mar 2026 00:00');
    expect(rendered.text).toContain('Charts cover the whole period');
    for (const day of ['Tue 03.03.', 'Wed 04.03.', 'Sun 08.03.']) expect(rendered.text).toContain(day);
    expectEveryPageFramed(rendered);
  });

  it('the ward alarm report: IEC colours with their legend, stacked counts, per-bed and per-condition tables, technical alarms apart', async () => {
    const { rendered, summary } = await produce({ kind: 'ward_alarms', stationId: WARD.id, from: '2026-03-03T23:00:00Z', to: '2026-03-04T23:00:00Z', timeZone: REPORT_ZONE }, 'ward-alarms');
    const text = rendered.text;
    for (const words of ['High priority', 'Medium priority', 'Low priority', 'Per bed', 'Median to acknowledge', 'Top physiological conditions', 'Technical alarms', `${WARD.name} (${WARD.id})`, 'Europe/Berlin, UTC+01:00', 'Dr Elena Fischer (efischer)']) {
      expect(text).toContain(words);
    }
    for (const colour of Object.values(IEC)) expect(hasColour(rendered.pixels, colour)).toBe(true);
    // A station's own alarm belongs to no bed: "station", never "0 beds".
    expect(text).toMatch(/Sync failing\s+\d+\s+\d+\s+\d+\s+\d+\s+station\s/);
    expect(text).toContain('Station (no bed)');
    expect(text).toMatch(new RegExp(`\\n\\s*Ward\\s+\\d+\\s+\\d+\\s+\\d+\\s+${summary.alarms as number}\\s`)); // the totals row
    expectEveryPageFramed(rendered);
    // Bed 12's median time to acknowledge, as SQL computes it.
    const [{ median }] = await sql<[{ median: number }]>`
      SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM a.at - s.at))::float8 AS median
      FROM alarm_events s JOIN LATERAL (SELECT min(at) AS at FROM alarm_events e WHERE e.station_id = s.station_id AND e.alarm_id = s.alarm_id AND e.inactivation = 'acknowledged') a ON a.at IS NOT NULL
      WHERE s.station_id = ${WARD.id} AND s.phase = 'start' AND s.bed_id = ${PATIENT.bed} AND s.at >= '2026-03-03T23:00Z' AND s.at < '2026-03-04T23:00Z'`;
    const bed = (summary.byBed as Array<{ bed: string | null; medianAckSeconds: number | null }>).find((b) => b.bed === PATIENT.bed)!;
    expect(bed.medianAckSeconds).toBe(Math.round(median));
  });

  it('the ward alarm report of a period shorter than one bar: the bar stops at the end of the chart', async () => {
    const { rendered } = await produce({ kind: 'ward_alarms', stationId: WARD.id, from: '2026-03-04T08:00:00Z', to: '2026-03-04T08:20:00Z', timeZone: REPORT_ZONE }, 'ward-alarms-short', false);
    // The chart's frame ends at the right margin (42 pt of 595 on A4, at 50 dpi in the picture).
    const { x, width } = rightmostColour(rendered.pixels, IEC.medium);
    expect(x).toBeGreaterThan(0);
    expect(x).toBeLessThanOrEqual(Math.round(width * (1 - 42 / 595)) + 1);
  });

  it("the doctor's day: patients' identity, the clinic's local time, the mode", async () => {
    const { rendered } = await produce({ kind: 'doctor_appointments', doctorId, date: REPORT_DAY }, 'doctor-day');
    const text = rendered.text;
    for (const words of ['Dr Elena Fischer', 'North Harbour Clinic, Hamburg', 'Wed 04 Mar 2026', 'Europe/Berlin, UTC+01:00', PATIENT.name, PATIENT.mrn, '14.06.1951', 'Video call', 'In person', 'Cancelled', '08:00–08:20', '16:00–16:20']) {
      expect(text).toContain(words);
    }
    expectEveryPageFramed(rendered);
  });

  it('a patient with more alarms than a report marks says "more than", never a wrong count', async () => {
    // Another ward, so the seeded ward's report stays as the README shows it whatever the order.
    await cloud.service.ctx.stations.provision('ward-9s', 'Ward 9 South');
    const [{ id }] = await sql<[{ id: number }]>`INSERT INTO patients (mrn, name) VALUES ('MRN-NOISY', 'Noisy Monitor') RETURNING id`;
    await sql`
      INSERT INTO alarm_events (station_id, event_id, patient_id, at, alarm_id, phase, condition, type, priority, state, inactivation, bed_id)
      SELECT 'ward-9s', i, ${id}, timestamptz '2026-03-04 08:00Z' + i * interval '20 seconds', 'noisy-' || i, 'start', 'SPO2_LOW', 'physiological', 'PM', 'active', 'none', '7'
      FROM generate_series(1, 1001) AS i`;
    const { rendered, summary } = await produce({ kind: 'patient_vitals', patientId: id, date: REPORT_DAY, period: 'day', timeZone: REPORT_ZONE }, 'noisy', false);
    expect(rendered.text).toContain('Alarms (more than 1000)');
    expect(rendered.text).toContain('No vitals were recorded for this patient in this period.');
    expect(summary.alarms).toBeNull();
    expectEveryPageFramed(rendered);
  });
});
