import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import { DeviceClient } from '../../gateway/demo/device-client.js';
import type { IngestSink } from '../../gateway/domain/ingest-sink.js';
import type { LoadPressure } from '../../gateway/ingest/event-loop-pressure.js';
import { WebSocketChannel, type WebSocketChannelOptions } from '../../gateway/ingest/websocket-channel.js';
import { silentLogger } from '../../gateway/log.js';
import { openDatabase } from '../../gateway/storage/database.js';
import { DeviceRegistry } from '../../gateway/storage/device-registry.js';
import { ObservationWriter, type ObservationWriterOptions } from '../../gateway/storage/observation-writer.js';
import type { BatchExecutor } from '../../gateway/storage/storage-thread.js';
import { WriterThread } from '../../gateway/storage/storage-threads.js';
import { tempDir } from './station-fixture.js';

export interface IngestRig {
  readonly db: Database;
  readonly writer: ObservationWriter;
  readonly channel: WebSocketChannel;
  /** One connected client per device, in the order the devices were named. */
  readonly clients: DeviceClient[];
  /** Every observation the sink was handed, in order. */
  readonly seen: Array<{ deviceId: string; seq: number | null }>;
  /** The most observations ever waiting in the writer for a transaction. */
  readonly peakPending: number;
}

/**
 * The station's ingest path without the rest of the station: a database in a temporary folder
 * with `devices` registered, the real writer thread (behind `executor` when given: a stalled disk),
 * an observation writer, a sink that records what it was handed, and a WebSocket channel on a free
 * loopback port with one connected client per device. Rate limits are off unless `channel` sets
 * them. Everything is stopped by `cleanups`, in reverse.
 */
export async function startIngestRig(
  options: {
    prefix: string;
    devices: readonly string[];
    executor?: (thread: WriterThread) => BatchExecutor;
    writer?: Partial<ObservationWriterOptions>;
    channel?: Partial<WebSocketChannelOptions>;
    load?: LoadPressure;
  },
  cleanups: Array<() => Promise<unknown> | unknown>,
): Promise<IngestRig> {
  const dir = tempDir(options.prefix);
  cleanups.push(() => dir.remove());
  const path = join(dir.path, 'station.db');
  const db = openDatabase(path);
  cleanups.push(() => void db.close());
  const registry = new DeviceRegistry(db);
  const keys = options.devices.map((id) => registry.register({ id, model: 'M', transport: 'websocket' }, 'test').key!);
  const thread = new WriterThread(path, 'FULL');
  await thread.open();
  const writer = new ObservationWriter(options.executor?.(thread) ?? thread, { place: () => ({ bedId: null, patientId: null }), ...options.writer });
  cleanups.push(() => writer.close());
  const seen: IngestRig['seen'] = [];
  let peakPending = 0;
  const sink: IngestSink = {
    store(observation) {
      seen.push({ deviceId: observation.deviceId, seq: observation.seq });
      const stored = writer.store(observation);
      peakPending = Math.max(peakPending, writer.pending);
      return stored;
    },
    connection: () => undefined,
    technical: () => undefined,
    rejected: () => undefined,
  };
  const channel = new WebSocketChannel(
    { host: '127.0.0.1', port: 0, maxFramesPerSecond: 1e9, burstFrames: 1e9, maxInFlight: 1e9, ...options.channel },
    { directory: registry, sink, logger: silentLogger(), storage: writer, load: options.load },
  );
  await channel.start();
  cleanups.push(() => channel.stop());
  const clients = keys.map((key) => new DeviceClient({ url: `ws://127.0.0.1:${channel.port}/devices`, key }));
  await Promise.all(clients.map((c) => c.connect()));
  cleanups.push(() => Promise.all(clients.map((c) => c.close())));
  return {
    ...{ db, writer, channel, clients, seen },
    get peakPending() {
      return peakPending;
    },
  };
}
