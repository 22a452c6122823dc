import { request, type Dispatcher } from 'undici';
import type { Logger } from '../log.js';
import { fullJitterDelay, retryAfterMs } from '../common/backoff.js';
import type { NextOptions, PreparedBatch, SyncSource } from '../storage/batch-reader.js';

export interface SyncConfig {
  /** Base URL of the cloud, e.g. https://cloud.example.org */
  readonly url: string;
  /**
   * Other regions' base URLs. When the current cloud stops answering (no connection, a timeout,
   * a 5xx), the same batch goes to the next one at once; the batch id makes a resend of a batch
   * the failed region had already stored a no-op, so nothing is stored twice.
   */
  readonly failoverUrls?: readonly string[];
  readonly stationId: string;
  readonly secret: string;
  readonly batchSize?: number;
  /** Also send the stored waves around each alarm's onset, after everything else (off when absent). */
  readonly alarmWaves?: { readonly beforeSeconds: number; readonly afterSeconds: number };
  /** Pause between polls when there is nothing to send. */
  readonly idleMs?: number;
  readonly backoffBaseMs?: number;
  readonly backoffCapMs?: number;
  /** HTTP client to use (e.g. one that trusts a hospital CA); default undici's global one. */
  readonly dispatcher?: Dispatcher | null;
}

export interface SyncStatus {
  readonly enabled: boolean;
  readonly queuedRows: number;
  readonly lastSuccessAt: number | null;
  readonly lastAttemptAt: number | null;
  readonly consecutiveFailures: number;
  /** Short reason of the last failure (HTTP status or network error code), never patient data. */
  readonly lastError: string | null;
  readonly nextAttemptAt: number | null;
  /** The cloud URL batches go to now (the first one, or a failover region's). */
  readonly cloudUrl?: string;
}


/**
 * Sends stored vitals to the cloud in order, in gzip batches, with an idempotent PUT per batch
 * id. The cursor moves only after the cloud confirmed a batch, so a crash at any point resends at
 * worst one batch, which the cloud recognises. A failed batch is retried as the same bytes under
 * the same id, with full-jitter backoff or the server's Retry-After. Alarms and storage never
 * wait for any of this.
 */
export class SyncClient {
  private pending: PreparedBatch | null = null;
  private stopped = true;
  private wake: (() => void) | null = null;
  /** What the current wait is for: only an idle wait may be cut short by new rows. */
  private waitingFor: 'idle' | 'retry' | null = null;
  private timer: NodeJS.Timeout | null = null;
  private loop: Promise<void> | null = null;
  private readonly urls: readonly string[];
  /** Index in `urls` of the cloud in use: it stays in use while it answers. */
  private active = 0;
  private state: Omit<SyncStatus, 'enabled' | 'queuedRows'> = {
    lastSuccessAt: null,
    lastAttemptAt: null,
    consecutiveFailures: 0,
    lastError: null,
    nextAttemptAt: null,
  };

  constructor(
    private readonly reader: SyncSource,
    private readonly config: SyncConfig,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
    private readonly random: () => number = Math.random,
  ) {
    this.urls = [config.url, ...(config.failoverUrls ?? [])];
  }

  status(): SyncStatus {
    return { enabled: true, queuedRows: this.reader.queued(), ...this.state, ...(this.urls.length > 1 ? { cloudUrl: this.urls[this.active] } : {}) };
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.interrupt();
    await this.loop;
  }

  /**
   * New rows were committed: send now instead of at the next poll, if the client is idle. A
   * client backing off or honouring Retry-After keeps waiting: commits arrive every second, and
   * waking on each would turn every outage into a stream of requests from every ward at once.
   */
  nudge(): void {
    if (this.waitingFor === 'idle') this.interrupt();
  }

  private interrupt(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  private wait(ms: number, reason: 'idle' | 'retry'): Promise<void> {
    this.waitingFor = reason;
    return new Promise<void>((resolve) => {
      this.wake = resolve;
      this.timer = setTimeout(() => {
        this.wake = null;
        resolve();
      }, ms);
      this.timer.unref();
    }).finally(() => (this.waitingFor = null));
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      let batch: PreparedBatch | null;
      try {
        batch = this.pending ?? (await this.reader.next(this.config.batchSize ?? 5000, undefined, this.nextOptions()));
      } catch (error) {
        // The local read failed (storage trouble): say so, and try again later.
        this.state = { ...this.state, lastError: `local read: ${(error as Error).message}` };
        await this.wait(this.config.idleMs ?? 2000, 'retry');
        continue;
      }
      if (!batch) {
        await this.wait(this.config.idleMs ?? 2000, 'idle');
        continue;
      }
      this.pending = batch;
      const following = this.readFollowing(batch);
      const delay = await this.send(batch);
      const next = await following;
      if (this.pending === null) {
        this.pending = next; // confirmed: the batch after it goes next
        continue;
      }
      if (delay === 0) continue;
      this.state = { ...this.state, nextAttemptAt: this.now() + delay };
      await this.wait(delay, 'retry');
    }
  }

  /**
   * The batch after `batch` (its rows follow the ones in flight), read and compressed while
   * `batch` is on its way: during a catch-up the station's reading and the cloud's storing then
   * overlap instead of taking turns. It is sent only once `batch` is confirmed, so the cloud still
   * receives every stream in order; if `batch` fails, it is dropped and read again later.
   */
  private async readFollowing(batch: PreparedBatch): Promise<PreparedBatch | null> {
    await new Promise((resolve) => setImmediate(resolve)); // let the request go out first
    try {
      return await this.reader.next(this.config.batchSize ?? 5000, { [batch.stream]: batch.lastId }, this.nextOptions());
    } catch {
      return null; // read again, the ordinary way, in the loop
    }
  }

  private nextOptions(): NextOptions {
    const waves = this.config.alarmWaves;
    return { now: this.now(), alarmWaves: waves ? { beforeMs: waves.beforeSeconds * 1000, afterMs: waves.afterSeconds * 1000 } : null };
  }

  /** Sends one batch; returns how long to wait before the next attempt (0 = go on at once). */
  private async send(batch: PreparedBatch): Promise<number> {
    const url = new URL(`/v1/stations/${encodeURIComponent(this.config.stationId)}/batches/${encodeURIComponent(batch.batchId)}`, this.urls[this.active]);
    this.state = { ...this.state, lastAttemptAt: this.now() };
    let status = 0;
    let retryAfter: number | null = null;
    let failure: string;
    try {
      const response = await request(url, {
        method: 'PUT',
        headers: {
          authorization: `Bearer ${this.config.stationId}.${this.config.secret}`,
          'content-type': 'application/json',
          'content-encoding': 'gzip',
        },
        body: batch.body,
        headersTimeout: 30_000,
        bodyTimeout: 30_000,
        ...(this.config.dispatcher ? { dispatcher: this.config.dispatcher } : {}),
      });
      status = response.statusCode;
      retryAfter = retryAfterMs(response.headers['retry-after'] as string | undefined, this.now());
      await response.body.text();
      if (status >= 200 && status < 300) {
        await this.reader.confirm(batch.lastId, this.now(), batch.stream);
        this.pending = null;
        this.state = { ...this.state, lastSuccessAt: this.now(), consecutiveFailures: 0, lastError: null, nextAttemptAt: null };
        return 0;
      }
      failure = `HTTP ${status}`;
    } catch (error) {
      failure = (error as { code?: string }).code ?? 'network error';
    }
    const failures = this.state.consecutiveFailures + 1;
    this.state = { ...this.state, consecutiveFailures: failures, lastError: failure };
    if (failures === 1 || failures % 20 === 0) this.logger.warn({ batchId: batch.batchId, failure, failures }, 'sync attempt failed');
    // A cloud that does not answer (no connection, a timeout, a server error): the next region
    // gets the same batch at once; only when every region has failed in turn does the client back off.
    // A 5xx with Retry-After is a cloud that answers and asks to wait (overload): it keeps the batch.
    const notAnswering = status === 0 || (status >= 500 && retryAfter === null);
    if (this.urls.length > 1 && notAnswering) {
      this.active = (this.active + 1) % this.urls.length;
      this.logger.warn({ failure, cloudUrl: this.urls[this.active] }, 'cloud not answering: failing over to the next region');
      if (failures % this.urls.length !== 0) return 0;
    }
    const rounds = Math.ceil(failures / (notAnswering ? this.urls.length : 1));
    return retryAfter ?? Math.max(100, fullJitterDelay(rounds, this.config.backoffBaseMs ?? 1000, this.config.backoffCapMs ?? 5 * 60_000, this.random));
  }
}
