import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { DemoWaveSource } from '../../gateway/demo/demo-wave-source.js';
import { DeviceClient } from '../../gateway/demo/device-client.js';
import { WaveQueries } from '../../gateway/waves/wave-queries.js';
import { reviewWaves } from '../../gateway/waves/wave-review.js';
import { ReportJobs } from '../../cloud/reports/report-jobs.js';
import { ReportWorker } from '../../cloud/reports/report-worker.js';
import { addUser, api, signIn, startTestCloud } from '../helpers/cloud-fixture.js';
import { cli, startGatewayProcess } from '../helpers/gateway-process.js';
import { tempDir } from '../helpers/station-fixture.js';
import { until } from '../helpers/until.js';

interface Strip {
  alarmId: string;
  condition: string;
  at: number;
  from: number;
  to: number;
  waves: Record<string, Array<{ startTs: number; sampleRate: number; samples: number[] }>>;
}

describe('waves around alarms, station → cloud → physician and the ward alarm report', () => {
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('a station set to send them sends the stored strip of each alarm after its numerics; the API and the report\'s PDF show it', { timeout: 120_000 }, async () => {
    const cloud = await startTestCloud();
    cleanups.push(() => cloud.stop());
    const { secret } = await cloud.service.ctx.stations.provision('ward-w', 'Ward W');
    const physician = await addUser(cloud.service, 'physician');
    const token = (await signIn(cloud.url, physician.username)).accessToken;
    const sql = cloud.service.ctx.sql;

    const dir = tempDir();
    cleanups.push(() => dir.remove());
    writeFileSync(
      join(dir.path, 'station.json'),
      JSON.stringify({ cloud: { url: cloud.url, stationId: 'ward-w', secret, alarmWaves: { beforeSeconds: 6, afterSeconds: 3 } }, demo: { enabled: false } }),
    );
    cli(dir.path, 'beds', 'add', '--id', 'W-1', '--label', 'Bed W1');
    cli(dir.path, 'patients', 'admit', '--bed', 'W-1', '--mrn', 'MRN-W1', '--name', 'Wave Patient');
    const { key } = cli<{ key: string }>(dir.path, 'devices', 'add', '--id', 'mon-w1', '--model', 'Monitor', '--bed', 'W-1');
    const gateway = await startGatewayProcess(['--data-dir', dir.path, '--device-host', '127.0.0.1', '--device-port', '0', '--ui-port', '0', '--no-mllp']);
    cleanups.push(async () => {
      gateway.child.kill('SIGTERM');
      await gateway.exited;
    });

    // A monitor on for the last 20 s (sent now), then each second as it passes; an alarm now.
    const device = new DeviceClient({ url: `ws://127.0.0.1:${gateway.ready.devicePort}/devices`, key });
    await device.connect();
    cleanups.push(() => device.close());
    const origin = Math.floor(Date.now() / 1000) * 1000 - 20_000;
    const source = new DemoWaveSource(21, origin);
    let second = 0;
    const sendElapsed = () => {
      while (origin + (second + 1) * 1000 <= Date.now()) {
        for (const f of source.next({ HR: 80, SPO2: 96, RR: 14 })) device.sendWave(f);
        second++;
      }
    };
    sendElapsed();
    const pump = setInterval(sendElapsed, 200);
    cleanups.push(() => clearInterval(pump));
    await device.acked(device.send({ NIBP_SYS: 192, NIBP_DIA: 101, NIBP_MEAN: 131 }));

    // The strip reaches the cloud once its window has passed, and after the alarm event itself.
    await until(async () => (await sql<[{ n: number }]>`SELECT count(*)::int AS n FROM alarm_waves WHERE station_id = 'ward-w'`)[0].n === 1, { deadlineMs: 90_000 });
    const [event] = await sql<[{ alarmId: string; patientId: number; at: Date }]>`
      SELECT alarm_id AS "alarmId", patient_id AS "patientId", at FROM alarm_events WHERE station_id = 'ward-w' AND phase = 'start' AND condition = 'NIBP_SYS_HIGH'`;
    expect(event).toBeDefined();

    const response = await api<Strip>(cloud.url, `/v1/patients/${event!.patientId}/alarms/${event!.alarmId}/waves`, { token });
    expect(response.status).toBe(200);
    const strip = response.body;
    expect(strip).toMatchObject({ alarmId: event!.alarmId, condition: 'NIBP_SYS_HIGH', at: event!.at.getTime(), from: event!.at.getTime() - 6000, to: event!.at.getTime() + 3000 });
    expect(Object.keys(strip.waves).sort()).toEqual(['ECG_II', 'PLETH', 'RESP']);
    // Exactly the samples the station stored for that window.
    const station = new Database(join(dir.path, 'station.db'), { readonly: true });
    cleanups.push(() => station.close());
    const patientId = (station.prepare("SELECT id FROM patients WHERE mrn = 'MRN-W1'").get() as { id: number }).id;
    const stored = reviewWaves(new WaveQueries(station), patientId, strip.from, strip.to);
    for (const code of ['ECG_II', 'PLETH', 'RESP'] as const) {
      expect(strip.waves[code]!.map((s) => [s.startTs, s.sampleRate, s.samples])).toEqual(stored[code]!.map((s) => [s.startTs, s.sampleRate, s.samples]));
    }
    expect(strip.waves.ECG_II!.reduce((n, s) => n + s.samples.length, 0)).toBe(9 * 250);
    // An alarm with no strip is a 404; without a token, 401.
    expect((await api(cloud.url, `/v1/patients/${event!.patientId}/alarms/no-such-alarm/waves`, { token })).status).toBe(404);
    expect((await api(cloud.url, `/v1/patients/${event!.patientId}/alarms/${event!.alarmId}/waves`)).status).toBe(401);

    // The ward alarm report prints the strip at 25 mm/s.
    const from = new Date(origin - 60_000).toISOString();
    const to = new Date(Date.now() + 60_000).toISOString();
    const queued = await api<{ id: string }>(cloud.url, '/v1/reports', { method: 'POST', token, body: { kind: 'ward_alarms', stationId: 'ward-w', from, to } });
    expect(queued.status).toBe(202);
    expect((await new ReportWorker(sql, new ReportJobs(sql), { leaseMs: 30_000, pollMs: 60_000 }).runOnce())?.job.id).toBe(queued.body.id);
    const pdf = await fetch(`${cloud.url}/v1/reports/${queued.body.id}/pdf`, { headers: { authorization: `Bearer ${token}` } });
    expect(pdf.status).toBe(200);
    const file = join(dir.path, 'ward-alarms.pdf');
    writeFileSync(file, Buffer.from(await pdf.arrayBuffer()));
    const text = spawnSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    expect(text.stdout).toContain('Waveforms at alarm onsets');
    expect(text.stdout).toMatch(/W-1 · .*systolic.* · /i);
    expect(text.stdout).toContain('ECG II 10 mm/mV');
    expect(text.stdout).toContain('25 mm/s');
    const pages = Number(/Pages:\s+(\d+)/.exec(spawnSync('pdfinfo', [file], { encoding: 'utf8' }).stdout)![1]);
    const png = spawnSync('pdftoppm', ['-png', '-r', '70', '-f', String(pages), '-l', String(pages), '-singlefile', file, join(import.meta.dirname, '..', 'e2e', 'screenshots', 'ward-alarms-strip')]);
    expect(png.status).toBe(0);
  });
});
