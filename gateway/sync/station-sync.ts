import type { StationConfig } from '../config.js';
import type { Logger } from '../log.js';
import { SyncThread } from '../storage/storage-threads.js';
import { cloudDispatcher } from './cloud-dispatcher.js';
import { SyncClient } from './sync-client.js';

/**
 * The station's link to the cloud, when one is configured. Batches are read, serialized and
 * compressed on their own storage thread: a catch-up after hours offline sends thousands of them,
 * and the event loop acknowledging frames must not wait. The thread opens at start, so a station
 * whose sync thread cannot run says so when it starts, not at its first batch.
 */
export function createStationSync(config: StationConfig, dbPath: string, queued: () => number, logger: Logger): { client: SyncClient; start(): Promise<void>; stop(): Promise<void> } | null {
  if (!config.cloud) return null;
  const thread = new SyncThread(dbPath, config.storage.synchronous);
  const http = cloudDispatcher(config.cloud);
  const client = new SyncClient(
    { next: (limit, after, options) => thread.next(limit, after, options), confirm: (lastId, now, stream) => thread.confirm(stream, lastId, now), queued },
    { ...config.cloud, dispatcher: http },
    logger.child({ component: 'sync' }),
  );
  return {
    client,
    async start() {
      await thread.open();
      client.start();
    },
    async stop() {
      await client.stop();
      await http?.close();
      await thread.close();
    },
  };
}
