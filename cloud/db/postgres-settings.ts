import { totalmem } from 'node:os';

const MB = 1024 * 1024;
const clamp = (value: number, low: number, high: number) => Math.min(high, Math.max(low, value));
const megabytes = (bytes: number) => `${Math.floor(bytes / MB)}MB`;

/**
 * The embedded PostgreSQL's settings, sized from the machine's memory as PostgreSQL's manual
 * advises for a server that shares its machine (here with the service itself): a quarter of the
 * memory for shared_buffers, half as the planner's estimate of what the OS caches, a sort or hash
 * per query node that 300 connections cannot turn into more than a quarter of the memory, and a
 * sixteenth (at most 1 GB) for index builds and vacuum.
 */
export function postgresSettings(totalMemoryBytes: number = totalmem()): Record<string, string> {
  return {
    max_connections: '300',
    shared_buffers: megabytes(clamp(totalMemoryBytes / 4, 128 * MB, 8192 * MB)),
    effective_cache_size: megabytes(clamp(totalMemoryBytes / 2, 256 * MB, 65536 * MB)),
    work_mem: megabytes(clamp(totalMemoryBytes / 4 / 300, 4 * MB, 64 * MB)),
    maintenance_work_mem: megabytes(clamp(totalMemoryBytes / 16, 64 * MB, 1024 * MB)),
  };
}

/** The same as `postgres -c name=value` flags. */
export function postgresSettingFlags(settings: Record<string, string> = postgresSettings()): string[] {
  return Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`]);
}
