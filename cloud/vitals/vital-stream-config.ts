import { envInteger } from '../config.js';

export interface VitalStreamConfig {
  /** A comment line this often keeps proxies from closing a quiet stream (CLOUD_VITALS_STREAM_HEARTBEAT_MS). */
  readonly heartbeatMs: number;
  /** Bytes a stream may have waiting for a slow client before it is closed (the client resumes with Last-Event-ID). */
  readonly maxBufferedBytes: number;
  /** Open streams per user on one replica. */
  readonly maxStreamsPerUser: number;
  /** Events replayed on resume; a client further behind gets a snapshot instead. */
  readonly replayLimit: number;
  /** How long events are kept for resuming. */
  readonly retentionMs: number;
}

/** From the environment (README "Live vitals stream"). */
export function loadVitalStreamConfig(env: NodeJS.ProcessEnv = process.env): VitalStreamConfig {
  return {
    heartbeatMs: envInteger(env, 'CLOUD_VITALS_STREAM_HEARTBEAT_MS', 15_000, 10, 300_000),
    maxBufferedBytes: envInteger(env, 'CLOUD_VITALS_STREAM_MAX_BUFFER_BYTES', 256 * 1024, 1024, 64 * 1024 * 1024),
    maxStreamsPerUser: envInteger(env, 'CLOUD_VITALS_STREAM_PER_USER', 8, 1, 1000),
    replayLimit: envInteger(env, 'CLOUD_VITALS_STREAM_REPLAY', 600, 1, 100_000),
    retentionMs: envInteger(env, 'CLOUD_VITALS_STREAM_RETENTION_MINUTES', 15, 1, 1440) * 60_000,
  };
}
