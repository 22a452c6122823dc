import type { CloudEnv } from '../config.js';

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

/** From the validated environment (README "Live vitals stream"). */
export function vitalStreamConfigFrom(env: CloudEnv): VitalStreamConfig {
  return {
    heartbeatMs: env.CLOUD_VITALS_STREAM_HEARTBEAT_MS,
    maxBufferedBytes: env.CLOUD_VITALS_STREAM_MAX_BUFFER_BYTES,
    maxStreamsPerUser: env.CLOUD_VITALS_STREAM_PER_USER,
    replayLimit: env.CLOUD_VITALS_STREAM_REPLAY,
    retentionMs: env.CLOUD_VITALS_STREAM_RETENTION_MINUTES * 60_000,
  };
}
