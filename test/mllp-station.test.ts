import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { frameMllp, MllpDecoder } from '../gateway/ingest/hl7/mllp-framing.js';
import { databasePath, type Station } from '../gateway/station.js';
import { startTestStation } from './helpers/station-fixture.js';
import { datedYesterday } from './helpers/hl7-dates.js';

const fixture = (name: string) => datedYesterday(readFileSync(join(import.meta.dirname, 'fixtures', 'hl7', name), 'utf8'));

/** A sending device: writes framed messages, resolves with each ACK in order. */
async function hl7Sender(port: number): Promise<{ socket: Socket; send(message: string): Promise<string> }> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  const decoder = new MllpDecoder({ maxMessageBytes: 1 << 20 });
  const waiters: Array<(ack: string) => void> = [];
  socket.on('data', (chunk) => {
    for (const event of decoder.push(chunk)) if (event.type === 'message') waiters.shift()?.(event.message);
  });
  return {
    socket,
    send: (message) =>
      new Promise((resolve) => {
        waiters.push(resolve);
        socket.write(frameMllp(message));
      }),
  };
}

const msa = (ack: string) => ack.split('\r').find((s) => s.startsWith('MSA'))!.split('|');

describe('HL7/MLLP into the real station', () => {
  let station: Station;
  let stop: () => Promise<void>;
  beforeEach(async () => {
    ({ station, stop } = await startTestStation({ mllp: true }));
    station.ward.addBed('B1', 'Bed 1', 't');
    station.ward.admit({ bedId: 'B1', mrn: 'MRN0042', name: 'John Doe' }, 't');
    station.registry.register({ id: '0123456789ABCDEF', model: 'IHE gateway', transport: 'hl7', bedId: 'B1' }, 't');
  });
  afterEach(async () => stop());

  it('answers AA only once the message is readable from SQLite, and stores a resend once', async () => {
    const reader = new BetterSqlite3(databasePath(station.config.dataDir), { readonly: true });
    const sender = await hl7Sender(station.mllpPort!);
    const message = fixture('ihe-pcd01-gateway.hl7');
    const ack = await sender.send(message);
    const rowsAtAck = reader.prepare("SELECT COUNT(*) AS n FROM observations WHERE message_id = 'PCD-0001'").get() as { n: number };
    expect(msa(ack).slice(0, 3)).toEqual(['MSA', 'AA', 'PCD-0001']);
    expect(rowsAtAck.n).toBe(1);
    const again = await sender.send(message);
    expect(msa(again)[1]).toBe('AA');
    const stored = station.db
      .prepare("SELECT o.device_id AS device, o.patient_id AS patient, COUNT(v.vital) AS values_count FROM observations o JOIN observation_values v ON v.observation_id = o.id WHERE o.message_id = 'PCD-0001' GROUP BY o.id")
      .all();
    expect(stored).toEqual([{ device: '0123456789ABCDEF', patient: station.ward.patientIdByMrn('MRN0042'), values_count: 5 }]);
    sender.socket.destroy();
    reader.close();
  });

  it('gives an HL7 device an offline timeout that fits HL7 senders, not the 10 s of a streaming monitor', async () => {
    const sender = await hl7Sender(station.mllpPort!);
    expect(msa(await sender.send(fixture('ihe-pcd01-gateway.hl7')))[1]).toBe('AA');
    expect(station.alarms.offlineAfterMs('0123456789ABCDEF')).toBe(180_000);
    sender.socket.destroy();
  });

  it('refuses an unknown device and a patient mismatch, storing nothing', async () => {
    const sender = await hl7Sender(station.mllpPort!);
    const unknown = await sender.send(fixture('ge-vsp-spo2.hl7'));
    expect(msa(unknown)[1]).toBe('AR');
    station.ward.dischargeFromBed('B1', 't');
    station.ward.admit({ bedId: 'B1', mrn: 'SOMEONE-ELSE', name: 'Other' }, 't');
    station.registry.reload();
    const mismatch = await sender.send(fixture('ihe-pcd01-gateway.hl7'));
    expect(msa(mismatch)[1]).toBe('AE');
    expect(mismatch).toMatch(/patient mismatch/);
    expect((station.db.prepare('SELECT COUNT(*) AS n FROM observations').get() as { n: number }).n).toBe(0);
    sender.socket.destroy();
  });
});
