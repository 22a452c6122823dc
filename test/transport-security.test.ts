import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { WebSocket } from 'ws';
import { frameMllp, MllpDecoder } from '../gateway/ingest/hl7/mllp-framing.js';
import { ConfigError } from '../gateway/config.js';
import { DeviceClient } from '../gateway/demo/device-client.js';
import type { Station } from '../gateway/station.js';
import { createThrowawayPki, type IssuedCertificate, type ThrowawayPki } from './helpers/throwaway-pki.js';
import { startTestStation, tempDir } from './helpers/station-fixture.js';

type Outcome = { opened: true; ack: number } | { opened: false; status: number | null; error: string | null };

/**
 * Connects a device, sends one observation and waits for its ack; or reports how it was refused:
 * an HTTP status (refused after the handshake) or a TLS error (refused in the handshake).
 */
function deviceSends(url: string, key: string | null, tls: { ca?: Buffer; cert?: Buffer; key?: Buffer } = {}): Promise<Outcome> {
  const ws = new WebSocket(url, { ...(key ? { headers: { authorization: `Bearer ${key}` } } : {}), ...tls });
  return new Promise((resolve) => {
    ws.once('open', () => ws.send(JSON.stringify({ type: 'obs', seq: 1, ts: Date.now(), vitals: { HR: 72 } })));
    ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as { type: string; seq: number };
      if (frame.type === 'ack') {
        resolve({ opened: true, ack: frame.seq });
        ws.close();
      }
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve({ opened: false, status: res.statusCode ?? null, error: null });
      ws.terminate();
    });
    ws.once('error', (error: Error & { code?: string }) => resolve({ opened: false, status: null, error: error.code ?? error.message }));
  });
}

/** An HL7 sender over TLS: resolves with MSA-1 of the ACK, or the TLS error that refused it. */
function hl7OverTls(port: number, message: string, tls: { ca: Buffer; cert?: Buffer; key?: Buffer }): Promise<string> {
  return new Promise((resolve) => {
    const socket: TLSSocket = tlsConnect({ host: '127.0.0.1', port, ...tls }, () => socket.write(frameMllp(message)));
    const decoder = new MllpDecoder({ maxMessageBytes: 1 << 20 });
    socket.on('data', (chunk: Buffer) => {
      for (const event of decoder.push(chunk)) {
        if (event.type === 'message') {
          resolve(event.message.split('\r').find((s) => s.startsWith('MSA'))!.split('|')[1]!);
          socket.end();
        }
      }
    });
    socket.on('error', (error: Error & { code?: string }) => resolve(`tls:${error.code ?? error.message}`));
  });
}

const hl7Fixture = readFileSync(join(import.meta.dirname, 'fixtures', 'hl7', 'ihe-pcd01-gateway.hl7'), 'utf8');
const HL7_DEVICE = '0123456789ABCDEF';

describe('transport security on the ward network', () => {
  const pkiDir = tempDir('ward-pki-');
  let pki: ThrowawayPki;
  let serverCert: IssuedCertificate;
  const stations: Array<() => Promise<void>> = [];

  beforeAll(() => {
    pki = createThrowawayPki(pkiDir.path);
    serverCert = pki.server('station');
  });
  afterAll(() => pkiDir.remove());
  afterEach(async () => {
    for (const stop of stations.splice(0)) await stop();
  });

  async function stationWith(tls: Record<string, unknown>): Promise<Station> {
    const configFile = join(tempDir('ward-tls-config-').path, 'station.json');
    writeFileSync(configFile, JSON.stringify({ tls: { certFile: serverCert.certFile, keyFile: serverCert.keyFile, ...tls } }));
    const { station, stop } = await startTestStation({ config: configFile, deviceTlsPort: 0, mllpTlsPort: 0, mllp: true });
    stations.push(stop);
    station.ward.addBed('B1', 'Bed 1', 'test');
    station.ward.addBed('B2', 'Bed 2', 'test');
    station.ward.admit({ bedId: 'B1', mrn: 'MRN0042', name: 'Test Patient' }, 'test');
    return station;
  }

  const wss = (station: Station) => `wss://127.0.0.1:${station.deviceTlsPort}/devices`;
  const ws = (station: Station) => `ws://127.0.0.1:${station.devicePort}/devices`;
  const stored = (station: Station, device: string) => (station.db.prepare('SELECT COUNT(*) AS n FROM observations WHERE device_id = ?').get(device) as { n: number }).n;

  it('takes a device over wss:// without a client certificate, and keeps a TLS-only device off ws://', async () => {
    const station = await stationWith({});
    const key = station.registry.register({ id: 'mon-1', model: 'Monitor', transport: 'websocket', bedId: 'B1', tlsOnly: true }, 'test').key!;
    const legacyKey = station.registry.register({ id: 'old-1', model: 'Old monitor', transport: 'websocket', bedId: 'B2' }, 'test').key!;

    expect(await deviceSends(wss(station), key, { ca: pki.ca })).toEqual({ opened: true, ack: 1 });
    expect(await deviceSends(ws(station), key)).toEqual({ opened: false, status: 403, error: null });
    // A legacy device may still use clear text; it may also use TLS.
    expect(await deviceSends(ws(station), legacyKey)).toEqual({ opened: true, ack: 1 });
    // The station's certificate must be one the device trusts: without the CA the device refuses it.
    expect(await deviceSends(wss(station), key)).toMatchObject({ opened: false, error: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
    expect(stored(station, 'mon-1')).toBe(1);
  });

  describe('with mutual TLS (device certificates signed by the ward CA)', () => {
    let station: Station;
    let key: string;
    let own: IssuedCertificate;

    async function start(): Promise<void> {
      station = await stationWith({ clientCaFile: pki.caFile });
      key = station.registry.register({ id: 'mon-1', model: 'Monitor', transport: 'websocket', bedId: 'B1', tlsOnly: true }, 'test').key!;
      station.registry.register({ id: 'mon-2', model: 'Monitor', transport: 'websocket', bedId: 'B2' }, 'test');
      own = pki.client(`mon-1-${Date.now()}`, 'mon-1');
    }

    it('takes a device with its own certificate and key', async () => {
      await start();
      expect(await deviceSends(wss(station), key, { ca: pki.ca, cert: own.cert, key: own.key })).toEqual({ opened: true, ack: 1 });
      // The reference client, configured as the README tells device makers.
      const client = new DeviceClient({ url: wss(station), key, firstSeq: 2, tls: { ca: pki.ca, cert: own.cert, key: own.key } });
      await client.connect();
      for (let i = 0; i < 20; i++) client.send({ HR: 70 + i }, Date.now());
      await client.acked(21);
      await client.close();
      expect(stored(station, 'mon-1')).toBe(21);
    });

    it('refuses a device without a certificate, and a certificate without the key', async () => {
      await start();
      const noCertificate = await deviceSends(wss(station), key, { ca: pki.ca });
      expect(noCertificate.opened).toBe(false);
      expect(await deviceSends(wss(station), null, { ca: pki.ca, cert: own.cert, key: own.key })).toEqual({ opened: false, status: 401, error: null });
      expect(stored(station, 'mon-1')).toBe(0);
    });

    it("refuses another device's certificate with this device's key", async () => {
      await start();
      const other = pki.client(`mon-2-${Date.now()}`, 'mon-2');
      expect(await deviceSends(wss(station), key, { ca: pki.ca, cert: other.cert, key: other.key })).toEqual({ opened: false, status: 403, error: null });
      expect(stored(station, 'mon-1')).toBe(0);
    });

    it('refuses an expired certificate in the handshake', async () => {
      await start();
      const expired = pki.client(`mon-1-expired-${Date.now()}`, 'mon-1', { expired: true });
      const outcome = await deviceSends(wss(station), key, { ca: pki.ca, cert: expired.cert, key: expired.key });
      expect(outcome.opened).toBe(false);
      expect(stored(station, 'mon-1')).toBe(0);
    });

    it('refuses a certificate signed by another CA', async () => {
      await start();
      const strangerPki = createThrowawayPki(join(pkiDir.path, `stranger-${Date.now()}`), 'Stranger CA');
      const stranger = strangerPki.client('mon-1', 'mon-1');
      expect((await deviceSends(wss(station), key, { ca: pki.ca, cert: stranger.cert, key: stranger.key })).opened).toBe(false);
    });
  });

  it('with an optional client certificate, admits a device by key alone but still checks a presented certificate', async () => {
    const station = await stationWith({ clientCaFile: pki.caFile, requireClientCertificate: false });
    const key = station.registry.register({ id: 'mon-1', model: 'Monitor', transport: 'websocket', bedId: 'B1' }, 'test').key!;
    const expired = pki.client(`mon-1-optional-expired-${Date.now()}`, 'mon-1', { expired: true });
    const other = pki.client(`mon-2-optional-${Date.now()}`, 'mon-2');
    expect(await deviceSends(wss(station), key, { ca: pki.ca })).toEqual({ opened: true, ack: 1 });
    expect(await deviceSends(wss(station), key, { ca: pki.ca, cert: expired.cert, key: expired.key })).toEqual({ opened: false, status: 403, error: null });
    expect(await deviceSends(wss(station), key, { ca: pki.ca, cert: other.cert, key: other.key })).toEqual({ opened: false, status: 403, error: null });
  });

  it('keeps the working certificate when renewed files do not fit together, and uses them once they do', async () => {
    const station = await stationWith({});
    const renewed = pki.server(`station-half-${Date.now()}`);
    const before = station.tls!.options.cert;
    writeFileSync(serverCert.certFile, renewed.cert);
    expect(station.tls!.reload()).toBe('kept');
    expect(station.tls!.options.cert).toBe(before);
    writeFileSync(serverCert.keyFile, renewed.key);
    expect(station.tls!.reload()).toBe('reloaded');
    expect(station.tls!.options.cert).toEqual(renewed.cert);
  });

  it('refuses to start with a certificate and a key that do not belong together', async () => {
    const stray = pki.server(`stray-${Date.now()}`);
    const configFile = join(tempDir('ward-tls-config-').path, 'station.json');
    writeFileSync(configFile, JSON.stringify({ tls: { certFile: serverCert.certFile, keyFile: stray.keyFile } }));
    await expect(startTestStation({ config: configFile, deviceTlsPort: 0, mllpTlsPort: 0 })).rejects.toThrow(ConfigError);
  });

  it('takes HL7 over MLLP/TLS from the device its certificate names, and nothing from others', async () => {
    const station = await stationWith({ clientCaFile: pki.caFile });
    station.registry.register({ id: HL7_DEVICE, model: 'IHE gateway', transport: 'hl7', bedId: 'B1', tlsOnly: true }, 'test');
    const own = pki.client(`hl7-${Date.now()}`, HL7_DEVICE);
    const other = pki.client(`hl7-other-${Date.now()}`, 'some-other-device');

    expect(await hl7OverTls(station.mllpTlsPort!, hl7Fixture, { ca: pki.ca, cert: other.cert, key: other.key })).toBe('AR');
    expect(stored(station, HL7_DEVICE)).toBe(0);
    expect(await hl7OverTls(station.mllpTlsPort!, hl7Fixture, { ca: pki.ca })).toMatch(/^tls:/);
    expect(await hl7OverTls(station.mllpTlsPort!, hl7Fixture, { ca: pki.ca, cert: own.cert, key: own.key })).toBe('AA');
    expect(stored(station, HL7_DEVICE)).toBe(1);
  });

  it('refuses a TLS-only HL7 device on the clear-text MLLP port', async () => {
    const station = await stationWith({});
    station.registry.register({ id: HL7_DEVICE, model: 'IHE gateway', transport: 'hl7', bedId: 'B1', tlsOnly: true }, 'test');
    const { connect } = await import('node:net');
    const socket = connect(station.mllpPort!, '127.0.0.1');
    const decoder = new MllpDecoder({ maxMessageBytes: 1 << 20 });
    const ack = await new Promise<string>((resolve) => {
      socket.on('data', (chunk: Buffer) => {
        for (const event of decoder.push(chunk)) if (event.type === 'message') resolve(event.message);
      });
      socket.write(frameMllp(hl7Fixture));
    });
    socket.destroy();
    expect(ack.split('\r').find((s) => s.startsWith('MSA'))!.split('|')[1]).toBe('AR');
    expect(stored(station, HL7_DEVICE)).toBe(0);
    expect(await hl7OverTls(station.mllpTlsPort!, hl7Fixture, { ca: pki.ca })).toBe('AA');
  });

  it('picks up a renewed station certificate without a restart, keeping connected devices', async () => {
    const station = await stationWith({});
    const key = station.registry.register({ id: 'mon-1', model: 'Monitor', transport: 'websocket', bedId: 'B1' }, 'test').key!;
    const fingerprintSeen = () =>
      new Promise<string>((resolve, reject) => {
        const socket = tlsConnect({ host: '127.0.0.1', port: station.deviceTlsPort!, ca: pki.ca }, () => {
          resolve(socket.getPeerCertificate().fingerprint256);
          socket.end();
        });
        socket.on('error', reject);
      });
    const connected = new WebSocket(wss(station), { headers: { authorization: `Bearer ${key}` }, ca: pki.ca });
    await new Promise((resolve) => connected.once('open', resolve));
    const before = await fingerprintSeen();

    const renewed = pki.server(`station-renewed-${Date.now()}`);
    const reloaded = new Promise((resolve) => station.tls!.onChange((outcome) => outcome === 'reloaded' && resolve(outcome)));
    // What renewal tools do: write the new files next to the old ones, then rename them over.
    writeFileSync(`${serverCert.keyFile}.new`, renewed.key);
    writeFileSync(`${serverCert.certFile}.new`, renewed.cert);
    renameSync(`${serverCert.keyFile}.new`, serverCert.keyFile);
    renameSync(`${serverCert.certFile}.new`, serverCert.certFile);
    await reloaded;

    const after = await fingerprintSeen();
    expect(after).not.toBe(before);
    expect(after).toBe(new (await import('node:crypto')).X509Certificate(renewed.cert).fingerprint256);
    // The device connected before the renewal is still there and still acknowledged.
    const ack = new Promise<{ type: string; seq: number }>((resolve) => connected.on('message', (d) => resolve(JSON.parse(d.toString()) as { type: string; seq: number })));
    connected.send(JSON.stringify({ type: 'obs', seq: 7, ts: Date.now(), vitals: { HR: 70 } }));
    expect(await ack).toEqual({ type: 'ack', seq: 7 });
    connected.close();
  });
});
