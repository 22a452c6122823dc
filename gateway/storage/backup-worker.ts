/**
 * One scheduled backup on its own thread: the copy reads the whole database in one step, which
 * must not hold the gateway's event loop (acknowledgements, alarms) for its duration.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { backupDatabase } from './backup.js';

const { source, target } = workerData as { source: string; target: string };
backupDatabase(source, target).then(
  (info) => parentPort!.postMessage({ ok: true, info }),
  (error: Error) => parentPort!.postMessage({ ok: false, message: error.message }),
);
