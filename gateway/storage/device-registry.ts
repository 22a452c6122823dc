import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { StationError } from '../domain/errors.js';
import { AuditTrail } from './audit-trail.js';
import type { Database, Statement } from 'better-sqlite3';
import type { DeviceDirectory, RegisteredDevice, Transport } from '../domain/device.js';

/** A registered device with where its data goes right now. */
export interface DeviceRecord extends RegisteredDevice {
  readonly patientId: number | null;
  readonly revoked: boolean;
}

export class RegistryError extends StationError<'DEVICE_EXISTS' | 'DEVICE_NOT_FOUND' | 'BED_NOT_FOUND' | 'INVALID_ARGUMENT'> {}

const SELECT_DEVICES = `
SELECT d.id, d.model, d.transport, d.bed_id AS bedId, d.key_hash AS keyHash,
       d.revoked_at IS NOT NULL AS revoked, d.tls_only AS tlsOnly, p.id AS patientId, p.mrn AS patientMrn
FROM devices d
LEFT JOIN admissions a ON a.bed_id = d.bed_id AND a.discharged_at IS NULL
LEFT JOIN patients p ON p.id = a.patient_id`;
const SELECT_REGISTRY_VERSION = 'SELECT version FROM registry_version WHERE id = 1';
const INSERT_DEVICE = `INSERT INTO devices (id, model, transport, key_hash, bed_id, created_at, tls_only)
VALUES (@id, @model, @transport, @keyHash, @bedId, @now, @tlsOnly)`;
const UPDATE_KEY = 'UPDATE devices SET key_hash = ?, revoked_at = NULL WHERE id = ?';
const REVOKE_DEVICE = 'UPDATE devices SET revoked_at = ?, key_hash = NULL WHERE id = ? AND revoked_at IS NULL';
const ASSIGN_DEVICE = 'UPDATE devices SET bed_id = ? WHERE id = ?';
const SELECT_BED = 'SELECT id FROM beds WHERE id = ?';

export function hashDeviceKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/** A new device key: 256 random bits, URL-safe, prefixed so it is recognisable in a config. */
export function newDeviceKey(): string {
  return `wsk_${randomBytes(32).toString('base64url')}`;
}

interface DeviceRow {
  id: string;
  model: string;
  transport: Transport;
  bedId: string | null;
  keyHash: Buffer | null;
  revoked: number;
  tlsOnly: number;
  patientId: number | null;
  patientMrn: string | null;
}

/**
 * The device registry. Reads are served from an in-memory snapshot of the (small) devices table,
 * refreshed whenever SQLite reports that another connection (the CLI, the UI) changed the
 * database, so revocations and bed changes take effect without a restart.
 */
export class DeviceRegistry implements DeviceDirectory {
  private readonly selectAll: Statement;
  private readonly selectRegistryVersion: Statement;
  private readonly insert: Statement;
  private readonly updateKey: Statement;
  private readonly revokeStmt: Statement;
  private readonly assignStmt: Statement;
  private readonly selectBed: Statement;
  private readonly audit: AuditTrail;
  private byId = new Map<string, DeviceRecord>();
  private byKeyHash = new Map<string, { record: DeviceRecord; hash: Buffer }>();
  private dataVersion = -1;
  private lastRegistryVersion = -1;
  private fingerprint = '';
  private readonly listeners = new Set<() => void>();

  constructor(private readonly db: Database) {
    this.selectAll = db.prepare(SELECT_DEVICES);
    this.selectRegistryVersion = db.prepare(SELECT_REGISTRY_VERSION).pluck();
    this.insert = db.prepare(INSERT_DEVICE);
    this.updateKey = db.prepare(UPDATE_KEY);
    this.revokeStmt = db.prepare(REVOKE_DEVICE);
    this.assignStmt = db.prepare(ASSIGN_DEVICE);
    this.selectBed = db.prepare(SELECT_BED);
    this.audit = new AuditTrail(db);
    this.reload();
  }

  /** Called when the snapshot changed (e.g. a device was revoked from the CLI). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Reloads when another connection changed the registry since the last look. `data_version`
   * moves on every commit of any other connection, the writer thread's vitals included (many
   * times a second under load), so it only says when to look: listeners hear of a change only if
   * the devices, their beds or their patients really changed. Cheap next to a reload, which
   * sends every screen a new ward snapshot.
   */
  refreshIfChanged(): boolean {
    const version = this.db.pragma('data_version', { simple: true }) as number;
    if (version === this.dataVersion) return false;
    this.dataVersion = version;
    // Another connection committed: vitals, most of the time. Re-read only if it touched devices,
    // admissions or patients (their triggers count every change).
    const registryVersion = this.registryVersion();
    if (registryVersion === this.lastRegistryVersion) return false;
    this.lastRegistryVersion = registryVersion;
    const rows = this.selectAll.all() as DeviceRow[];
    if (fingerprint(rows) === this.fingerprint) return false;
    this.apply(rows);
    return true;
  }

  private registryVersion(): number {
    return this.selectRegistryVersion.get() as number;
  }

  reload(): void {
    this.dataVersion = this.db.pragma('data_version', { simple: true }) as number;
    this.lastRegistryVersion = this.registryVersion();
    this.apply(this.selectAll.all() as DeviceRow[]);
  }

  private apply(rows: readonly DeviceRow[]): void {
    const byId = new Map<string, DeviceRecord>();
    const byKeyHash = new Map<string, { record: DeviceRecord; hash: Buffer }>();
    for (const row of rows) {
      const record: DeviceRecord = {
        id: row.id,
        model: row.model,
        transport: row.transport,
        bedId: row.bedId,
        patientId: row.patientId,
        patientMrn: row.patientMrn,
        revoked: row.revoked === 1,
        tlsOnly: row.tlsOnly === 1,
      };
      byId.set(row.id, record);
      if (row.keyHash && !record.revoked) byKeyHash.set(row.keyHash.toString('hex'), { record, hash: row.keyHash });
    }
    this.byId = byId;
    this.byKeyHash = byKeyHash;
    this.fingerprint = fingerprint(rows);
    for (const listener of this.listeners) listener();
  }

  /**
   * A miss looks once more after refreshIfChanged(): a device IT registered from the command line
   * a moment ago is let in at its first try, not refused until the next poll. A miss costs one
   * `PRAGMA data_version` when nothing changed, so refused strangers stay cheap.
   */
  findByKey(key: string): RegisteredDevice | undefined {
    const hash = hashDeviceKey(key);
    return this.activeByKeyHash(hash) ?? (this.refreshIfChanged() ? this.activeByKeyHash(hash) : undefined);
  }

  findById(id: string): RegisteredDevice | undefined {
    return this.activeById(id) ?? (this.refreshIfChanged() ? this.activeById(id) : undefined);
  }

  private activeByKeyHash(hash: Buffer): RegisteredDevice | undefined {
    const entry = this.byKeyHash.get(hash.toString('hex'));
    // The map lookup already matched the hash; the comparison keeps the check explicit.
    return entry && timingSafeEqual(entry.hash, hash) ? entry.record : undefined;
  }

  private activeById(id: string): RegisteredDevice | undefined {
    const record = this.byId.get(id);
    return record && !record.revoked ? record : undefined;
  }

  /** Active or revoked record, for routing stored data and for the device list. */
  record(id: string): DeviceRecord | undefined {
    return this.byId.get(id);
  }

  list(): DeviceRecord[] {
    return [...this.byId.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  /**
   * Registers a device. WebSocket devices get a key, returned once and stored only hashed;
   * HL7 devices are identified by MSH-3 (their id) and serial devices by their port.
   */
  register(
    input: { id: string; model: string; transport: Transport; bedId?: string | null; tlsOnly?: boolean },
    actor: string,
    now = Date.now(),
  ): { key: string | null } {
    if (!/^[A-Za-z0-9._:-]{1,64}$/.test(input.id)) {
      throw new RegistryError('INVALID_ARGUMENT', 'device id must be 1-64 letters, digits or . _ : -');
    }
    if (this.byId.has(input.id)) throw new RegistryError('DEVICE_EXISTS', `device ${input.id} is already registered`);
    if (input.bedId) this.requireBed(input.bedId);
    const key = input.transport === 'websocket' ? newDeviceKey() : null;
    this.db.transaction(() => {
      this.insert.run({
        id: input.id,
        model: input.model,
        transport: input.transport,
        keyHash: key ? hashDeviceKey(key) : null,
        bedId: input.bedId ?? null,
        now,
        tlsOnly: input.tlsOnly ? 1 : 0,
      });
      this.audit.record(now, actor, 'device.register', input.id, { model: input.model, transport: input.transport, bedId: input.bedId ?? null, tlsOnly: input.tlsOnly ?? false });
    })();
    this.reload();
    return { key };
  }

  /** Issues a new key (the old one stops working at once); also re-activates a revoked device. */
  rotateKey(id: string, actor: string, now = Date.now()): string {
    const device = this.requireDevice(id);
    if (device.transport !== 'websocket') throw new RegistryError('INVALID_ARGUMENT', `${id} is not a WebSocket device`);
    const key = newDeviceKey();
    this.db.transaction(() => {
      this.updateKey.run(hashDeviceKey(key), id);
      this.audit.record(now, actor, 'device.rotate_key', id, null);
    })();
    this.reload();
    return key;
  }

  revoke(id: string, actor: string, now = Date.now()): void {
    this.requireDevice(id);
    this.db.transaction(() => {
      this.revokeStmt.run(now, id);
      this.audit.record(now, actor, 'device.revoke', id, null);
    })();
    this.reload();
  }

  assign(id: string, bedId: string | null, actor: string, now = Date.now()): void {
    this.requireDevice(id);
    if (bedId) this.requireBed(bedId);
    this.db.transaction(() => {
      this.assignStmt.run(bedId, id);
      this.audit.record(now, actor, 'device.assign', id, { bedId });
    })();
    this.reload();
  }

  private requireDevice(id: string): DeviceRecord {
    const device = this.byId.get(id);
    if (!device) throw new RegistryError('DEVICE_NOT_FOUND', `no device ${id}`);
    return device;
  }

  private requireBed(bedId: string): void {
    if (!this.selectBed.get(bedId)) throw new RegistryError('BED_NOT_FOUND', `no bed ${bedId}`);
  }
}

/** Everything a registry snapshot holds, as one comparable string. */
function fingerprint(rows: readonly DeviceRow[]): string {
  let text = '';
  for (const r of rows) text += `${r.id}\t${r.model}\t${r.transport}\t${r.bedId}\t${r.keyHash?.toString('hex')}\t${r.revoked}\t${r.patientId}\t${r.patientMrn}\n`;
  return text;
}
