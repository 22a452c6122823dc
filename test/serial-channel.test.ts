import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../gateway/log.js';
import { startStation, type Station } from '../gateway/station.js';
import { socatPair } from './helpers/socat-pty.js';
import { until } from './helpers/until.js';
import { tempDir, testConfig } from './helpers/station-fixture.js';
import { datedYesterday } from './helpers/hl7-dates.js';

/** A Masimo line stamped with the device clock at `when` (local time, as the station reads it). */
const line = (spo2: string, bpm: string, exc = '000800', when = Date.now() - 120_000) => {
  const d = new Date(when);
  const two = (n: number) => String(n).padStart(2, '0');
  const stamp = `${two(d.getMonth() + 1)}/${two(d.getDate())}/${two(d.getFullYear() % 100)} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
  return `${stamp} SN=0000056661 SPO2=${spo2}% BPM=${bpm} PI=03.60% SPCO=--.-% SPMET=--.-% DESAT=-- PIDELTA=+-- ALARM=0000 EXC=${exc}\r\n`;
};

/** Resolves when `check` holds, re-checking on every event the station pushes to its UI. */
const pushed = (station: Station) => (listener: () => void) => station.state.subscribe(listener);

describe('serial devices over a real pty pair', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setup(profile: 'masimo-ascii' | 'nonin-ascii' | 'hl7-mllp') {
    const dir = tempDir();
    cleanups.push(() => dir.remove());
    let pair = await socatPair(dir.path);
    cleanups.push(() => pair.close());
    const config = { ...testConfig(dir.path), serialPorts: [{ path: pair.device, baudRate: 9600, profile, deviceId: 'ox-1' }] };
    const station = await startStation(config, silentLogger());
    cleanups.push(() => station.stop());
    station.ward.addBed('B1', 'Bed 1', 't');
    station.registry.register({ id: 'ox-1', model: 'Pulse oximeter', transport: 'serial', bedId: 'B1' }, 't');
    station.registry.register({ id: '0123456789ABCDEF', model: 'HL7 monitor on RS-232', transport: 'serial', bedId: 'B1' }, 't');
    const count = () => (station.db.prepare("SELECT COUNT(*) AS n FROM observations WHERE device_id = 'ox-1'").get() as { n: number }).n;
    const device = () => station.state.uiDevice('ox-1')?.state;
    const condition = (kind: string, detail = '') => [...station.technical.values()].find((c) => c.kind === kind && (detail === '' || c.detail === detail));
    return {
      station,
      count,
      device,
      condition,
      get pair() {
        return pair;
      },
      async replug() {
        pair = await socatPair(dir.path);
        cleanups.push(() => pair.close());
      },
    };
  }

  it('stores Masimo lines, survives garbage, reports sensor-off once and its end, and comes back after unplugging', async () => {
    const s = await setup('masimo-ascii');
    await until(() => s.device() === 'connected', { on: pushed(s.station) });
    s.pair.write(line('097', '072', '000800'));
    s.pair.write(Buffer.from([0x00, 0xff, 0x13, 0x8a, 0x0a]));
    s.pair.write('SPO2=0\r\n');
    s.pair.write(line('096', '071', '000800'));
    await until(() => s.count() === 2, { on: pushed(s.station) });
    for (let i = 0; i < 5; i++) s.pair.write(line('---', '---', '000820'));
    await until(() => s.condition('sensor_off')?.active === true, { on: pushed(s.station) });
    expect(s.station.state.uiDevice('ox-1')?.conditions).toEqual(['sensor_off']);
    s.pair.write(line('095', '070', '000800'));
    await until(() => s.count() === 3 && s.condition('sensor_off')?.active === false, { on: pushed(s.station) });
    expect(s.station.state.uiDevice('ox-1')?.conditions).toEqual([]);
    expect(s.station.state.uiDevice('ox-1')?.rejectedFrames).toBe(2);
    const values = s.station.db.prepare("SELECT v.vital, v.value FROM observations o JOIN observation_values v ON v.observation_id = o.id WHERE o.device_id = 'ox-1' ORDER BY o.id, v.vital").all();
    expect(values).toEqual([
      { vital: 2, value: 72 },
      { vital: 3, value: 97 },
      { vital: 2, value: 71 },
      { vital: 3, value: 96 },
      { vital: 2, value: 70 },
      { vital: 3, value: 95 },
    ]);

    // Pull the cable: the pty pair disappears.
    await s.pair.close();
    await until(() => s.device() === 'disconnected' && s.condition('port_lost')?.active === true, { on: pushed(s.station) });
    expect(s.station.state.uiDevice('ox-1')?.conditions).toEqual(['port_lost']);
    // Plug it back in (same device path): the channel reopens by itself and ingest resumes.
    await s.replug();
    await until(() => s.device() === 'connected' && s.condition('port_lost')?.active === false, { on: pushed(s.station) });
    s.pair.write(line('094', '069', '000800'));
    await until(() => s.count() === 4, { on: pushed(s.station) });
  });

  it('refuses Masimo lines from a clock years off, raises a clock fault, and clears it with the next good line', async () => {
    const s = await setup('masimo-ascii');
    await until(() => s.device() === 'connected', { on: pushed(s.station) });
    s.pair.write(line('097', '072', '000800', new Date(2012, 5, 1, 10, 0, 0).getTime()));
    await until(() => s.condition('clock_fault')?.active === true, { on: pushed(s.station) });
    expect(s.count()).toBe(0);
    s.pair.write(line('096', '071'));
    await until(() => s.count() === 1 && s.condition('clock_fault')?.active === false, { on: pushed(s.station) });
    expect(s.station.state.uiDevice('ox-1')?.rejectedFrames).toBe(1);
  });

  it('speaks HL7 with MLLP framing over the port and answers each message with its ACK', async () => {
    const s = await setup('hl7-mllp');
    const { readFileSync, createReadStream } = await import('node:fs');
    const { join } = await import('node:path');
    const { frameMllp, MllpDecoder } = await import('../gateway/ingest/hl7/mllp-framing.js');
    await until(() => s.device() === 'connected', { on: pushed(s.station) });
    const acks: string[] = [];
    const decoder = new MllpDecoder({ maxMessageBytes: 1 << 16 });
    const reader = createReadStream(s.pair.peer);
    reader.on('error', () => undefined); // EIO when the pty pair goes away at the end
    const gotAck = new Promise<void>((resolve) =>
      reader.on('data', (chunk) => {
        for (const e of decoder.push(chunk as Buffer)) if (e.type === 'message') acks.push(e.message);
        if (acks.length > 0) resolve();
      }),
    );
    const message = datedYesterday(readFileSync(join(import.meta.dirname, 'fixtures', 'hl7', 'ihe-pcd01-gateway.hl7'), 'utf8').replace(/MRN0042/g, 'NOBODY'));
    s.pair.write(frameMllp(message));
    await gotAck;
    reader.destroy();
    // The bed has no admitted patient, so PID-3 cannot mismatch: the data is stored and acknowledged.
    expect(acks[0]!.split('\r')[1]).toBe('MSA|AA|PCD-0001');
    expect((s.station.db.prepare("SELECT COUNT(*) AS n FROM observations WHERE message_id = 'PCD-0001'").get() as { n: number }).n).toBe(1);
  });

  it('stores Nonin lines, including fast-mode and event-marked ones, and flags a finger out of the sensor until the next line with values', async () => {
    const s = await setup('nonin-ascii');
    await until(() => s.device() === 'connected', { on: pushed(s.station) });
    s.pair.write('SPO2=097 HR=072\r\nSPO2=--- HR=---\r\n');
    await until(() => s.count() === 1 && s.condition('sensor_off')?.active === true, { on: pushed(s.station) });
    // The next line carries a status character (fast mode): it is read, and the sensor-off ends.
    s.pair.write('SPO2=098 HR=070 F\r\n');
    await until(() => s.count() === 2 && s.condition('sensor_off')?.active === false, { on: pushed(s.station) });
    s.pair.write('SPO2=--- HR=---\r\nSPO2=097 HR=071*\r\n');
    await until(() => s.count() === 3 && s.condition('sensor_off')?.active === false, { on: pushed(s.station) });
    expect(s.station.state.uiDevice('ox-1')?.rejectedFrames).toBe(0);
    // Each line with values is stored as read, status characters and all; the dashed lines are not.
    const values = s.station.db.prepare("SELECT v.vital, v.value FROM observations o JOIN observation_values v ON v.observation_id = o.id WHERE o.device_id = 'ox-1' ORDER BY o.id, v.vital").all();
    expect(values).toEqual([
      { vital: 2, value: 72 },
      { vital: 3, value: 97 },
      { vital: 2, value: 70 },
      { vital: 3, value: 98 },
      { vital: 2, value: 71 },
      { vital: 3, value: 97 },
    ]);
    expect(s.station.state.uiDevice('ox-1')?.conditions).toEqual([]);
  });
});
