import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { DeviceClient } from '../../gateway/demo/device-client.js';
import { connect } from '../../cloud/db/sql.js';
import { createTestDatabase } from '../helpers/cloud-database.js';
import { api, signIn } from '../helpers/cloud-fixture.js';
import { startCloudProcess } from '../helpers/cloud-process.js';
import { cli, freePort, startGatewayProcess } from '../helpers/gateway-process.js';
import { startHoldingProxy } from '../helpers/holding-proxy.js';
import { tempDir } from '../helpers/station-fixture.js';
import { until } from '../helpers/until.js';

describe('station → cloud → physician, end to end with real processes', () => {
  const cleanups: Array<() => Promise<unknown> | unknown> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('syncs the demo ward; with the cloud killed the station keeps storing and alarming; a station killed mid-sync catches up; nothing lost or duplicated', async () => {
    // A real cloud process on a real PostgreSQL database, first start: it prints its admin.
    const db = await createTestDatabase();
    cleanups.push(() => db.drop());
    const cloudEnv = { DATABASE_URL: db.url, CLOUD_PORT: String(await freePort()) };
    let cloud = await startCloudProcess(cloudEnv);
    cleanups.push(() => cloud.child.kill('SIGKILL'));
    const admin = cloud.ready.admin!;
    const adminToken = (await signIn(cloud.ready.url, admin.username, admin.password)).accessToken;
    const provisioned = await api<{ stationId: string; secret: string }>(cloud.ready.url, '/v1/stations', { method: 'POST', token: adminToken, body: { id: 'ward-e2e', name: 'Ward E2E' } });
    await api(cloud.ready.url, '/v1/users', { method: 'POST', token: adminToken, body: { username: 'dr-who', displayName: 'Dr Who', role: 'physician', password: 'tardis-tardis-42' } });
    const sql = connect(db.url, { max: 2 });
    cleanups.push(() => sql.end());

    // The station talks to the cloud through a proxy (the load balancer), small batches so catch-up takes many.
    const proxy = await startHoldingProxy(cloud.ready.url);
    cleanups.push(() => proxy.close());
    const onForward = (listener: () => void) => proxy.onForward(listener);

    const dir = tempDir();
    cleanups.push(() => dir.remove());
    writeFileSync(join(dir.path, 'station.json'), JSON.stringify({
      stationName: 'Ward E2E',
      cloud: { url: proxy.url, stationId: provisioned.body.stationId, secret: provisioned.body.secret, batchSize: 20 },
      demo: { enabled: true, beds: 8 },
    }));
    const args = ['--data-dir', dir.path, '--device-host', '127.0.0.1', '--device-port', '0', '--ui-port', '0', '--no-mllp'];
    let gateway = await startGatewayProcess(args);
    cleanups.push(() => gateway.child.kill('SIGKILL'));
    const station = new Database(join(dir.path, 'station.db'), { readonly: true });
    cleanups.push(() => station.close());
    const count = (query: string) => (station.prepare(query).get() as { n: number }).n;

    // 1. The physician reads the demo ward's vitals from the cloud.
    const physician = (await signIn(cloud.ready.url, 'dr-who', 'tardis-tardis-42')).accessToken;
    await until(async () => (await sql<[{ n: number }]>`SELECT count(DISTINCT patient_id)::int AS n FROM latest_vitals`)[0].n >= 8, { on: onForward });
    const patients = await api<{ items: Array<{ id: number; mrn: string }> }>(cloud.ready.url, '/v1/patients?limit=100', { token: physician });
    expect(patients.body.items.length).toBeGreaterThanOrEqual(8);
    const latest = await api<{ vitals: Record<string, { unit: string }> }>(cloud.ready.url, `/v1/patients/${patients.body.items[0]!.id}/vitals/latest`, { token: physician });
    expect(latest.body.vitals.HR?.unit).toBe('/min');

    // 2. The cloud dies. The station keeps storing (an acknowledged frame) and alarming.
    cloud.child.kill('SIGKILL');
    await cloud.exited;
    // Admission before registration: the running station learns both in one reload, so once it
    // accepts the key it also knows whose samples they are.
    cli(dir.path, 'beds', 'add', '--id', 'E2E-1', '--label', 'Bed E2E');
    cli(dir.path, 'patients', 'admit', '--bed', 'E2E-1', '--mrn', 'E2E-0001', '--name', 'Eve Tester');
    const { key } = cli<{ key: string }>(dir.path, 'devices', 'add', '--id', 'mon-e2e', '--model', 'Test monitor', '--bed', 'E2E-1');
    const device = new DeviceClient({ url: `ws://127.0.0.1:${gateway.ready.devicePort}/devices`, key });
    await device.connect();
    const seq = device.send({ SPO2: 80, HR: 96 });
    await device.acked(seq);
    const alarms = () => count("SELECT count(*) AS n FROM alarm_events WHERE condition = 'SPO2_LOW' AND phase = 'start'");
    await until(() => alarms() >= 1);
    expect((await sql<[{ n: number }]>`SELECT count(*)::int AS n FROM alarm_events WHERE condition = 'SPO2_LOW'`)[0].n).toBe(0);
    await device.close();

    // 3. The cloud comes back. The first catch-up batch is committed in the cloud but its answer
    //    never reaches the station, which is killed right then; it restarts without the demo.
    cloud = await startCloudProcess(cloudEnv);
    expect(cloud.ready.admin).toBeNull();
    await proxy.holdNext();
    const heldPath = proxy.paths[proxy.paths.length - 1]!;
    gateway.child.kill('SIGKILL');
    await gateway.exited;
    const backlog = count('SELECT count(*) AS n FROM observations') - count("SELECT last_id AS n FROM sync_cursors WHERE stream = 'observations'");
    expect(backlog).toBeGreaterThan(20); // more than the held batch: the restarted station has catching up to do
    gateway = await startGatewayProcess([...args, '--no-demo']);

    // 4. Caught up: every station row is in the cloud exactly once, and reads back the same.
    const cursor = (stream: string) => (station.prepare('SELECT last_id AS n FROM sync_cursors WHERE stream = ?').get(stream) as { n: number } | undefined)?.n ?? 0;
    // The station moves its cursor after the last answer was forwarded, and then sends nothing
    // more: the condition is re-checked on a short tick too, not only on forwards.
    const forwardOrTick = (listener: () => void) => {
      const off = onForward(listener);
      const tick = setInterval(listener, 100);
      return () => {
        off();
        clearInterval(tick);
      };
    };
    await until(() => cursor('observations') === count('SELECT max(id) AS n FROM observations') && cursor('alarm_events') > 0, { on: forwardOrTick });
    const stationValues = count('SELECT count(*) AS n FROM observation_values');
    const [{ n: cloudValues }] = await sql<[{ n: number }]>`SELECT count(*)::int AS n FROM vitals`;
    expect(cloudValues).toBe(stationValues);
    const [{ n: duplicated }] = await sql<[{ n: number }]>`
      SELECT count(*)::int AS n FROM (SELECT device_ref, ts, vital FROM vitals GROUP BY 1, 2, 3 HAVING count(*) > 1) d`;
    expect(duplicated).toBe(0);
    // The rows of the held batch were sent again by the restarted station (as the same batch, or
    // inside a re-cut one) and recognised as already stored.
    const [{ n: recognised }] = await sql<[{ n: number }]>`SELECT (count(*) FILTER (WHERE result->>'replayed' = 'true')
      + COALESCE(sum((result->'observations'->>'duplicates')::int + (result->'alarmEvents'->>'duplicates')::int), 0))::int AS n FROM station_batches`;
    expect(proxy.paths.filter((p) => p === heldPath).length === 2 || recognised > 0).toBe(true);
    const alarmCursor = cursor('alarm_events');
    const [{ n: cloudAlarms }] = await sql<[{ n: number }]>`SELECT count(*)::int AS n FROM alarm_events WHERE event_id <= ${alarmCursor}`;
    expect(cloudAlarms).toBe(count(`SELECT count(*) AS n FROM alarm_events WHERE id <= ${alarmCursor}`));

    // The physician sees the SpO2 alarm raised while the cloud was down, and the very samples the station stored.
    const eve = await api<{ items: Array<{ id: number }> }>(cloud.ready.url, '/v1/patients?q=E2E-0001', { token: physician });
    const eveAlarms = await api<{ items: Array<{ condition: string; value: number }> }>(cloud.ready.url, `/v1/patients/${eve.body.items[0]!.id}/alarms`, { token: physician });
    expect(eveAlarms.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ condition: 'SPO2_LOW', value: 80 })]));
    const mrn = patients.body.items[0]!.mrn;
    const stationHr = station.prepare(`SELECT o.ts, v.value FROM observations o JOIN observation_values v ON v.observation_id = o.id
      JOIN patients p ON p.id = o.patient_id WHERE p.mrn = ? AND v.vital = 1 ORDER BY o.ts`).all(mrn) as Array<{ ts: number; value: number }>;
    const from = stationHr[0]!.ts;
    const history = await api<{ series: { HR: { points: number[][] } } }>(cloud.ready.url, `/v1/patients/${patients.body.items[0]!.id}/vitals?from=${from}&to=${from + 25 * 60_000}&resolution=raw&vitals=HR`, { token: physician });
    expect(history.body.series.HR.points).toEqual(stationHr.map((r) => [r.ts, r.value]));
  }, 240_000); // five process starts and a catch-up: minutes on a busy 2-core machine, in either storage mode
});
