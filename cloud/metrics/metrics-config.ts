import { envInteger } from '../config.js';

export interface MetricsConfig {
  readonly host: string;
  /** null: no metrics listener (the default); 0: any free port. */
  readonly port: number | null;
}

/**
 * The metrics listener, apart from the API so that Prometheus can reach it on an internal address
 * while the API sits behind the load balancer: CLOUD_METRICS_PORT (unset: off) and
 * CLOUD_METRICS_HOST (default 127.0.0.1).
 */
export function loadMetricsConfig(env: NodeJS.ProcessEnv = process.env): MetricsConfig {
  const unset = env.CLOUD_METRICS_PORT === undefined || env.CLOUD_METRICS_PORT === '';
  return { host: env.CLOUD_METRICS_HOST || '127.0.0.1', port: unset ? null : envInteger(env, 'CLOUD_METRICS_PORT', 0, 0, 65535) };
}
