import type { ClusterBus } from '../cluster/cluster-bus.js';
import { ApiError } from '../errors.js';
import { LATEST_CHANNEL } from '../ingest/batch-ingest.js';
import { SseWriter, type SseSink } from './sse-writer.js';
import type { VitalStreamConfig } from './vital-stream-config.js';
import type { VitalStreamLog } from './vital-stream-log.js';

interface Logger {
  warn(obj: object, msg: string): void;
}

interface Stream {
  readonly patientId: number;
  readonly userId: number;
  readonly writer: SseWriter;
  /** The last event id sent; null until the first (a snapshot, or the replay after Last-Event-ID). */
  lastSeq: number | null;
  /** The client asked to resume after this id; used once. */
  resumeAfter: number | null;
  pulling: boolean;
  again: boolean;
  closed: boolean;
  heartbeat: NodeJS.Timeout;
}

/**
 * The live vitals streams of one replica. Ingest on any replica NOTIFYs the patients it wrote at
 * commit (the cluster bus); each open stream of such a patient then reads the events after the
 * last one it sent, from the database, so what one replica stored reaches streams on every
 * replica, in order, without gaps. When the bus connection was lost (notices may be missing) every
 * stream looks again.
 */
export class VitalStreamHub {
  private readonly byPatient = new Map<number, Set<Stream>>();
  private readonly perUser = new Map<number, number>();
  private pruneTimer: NodeJS.Timeout | null = null;
  /** Streams closed because their client read too slowly. */
  slowClientsDropped = 0;

  constructor(
    private readonly log: VitalStreamLog,
    private readonly bus: ClusterBus,
    private readonly config: VitalStreamConfig,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    await this.bus.subscribe(LATEST_CHANNEL, (payload) => {
      for (const id of payload.split(',')) for (const stream of this.byPatient.get(Number(id)) ?? []) void this.pull(stream);
    });
    this.bus.onResync(() => {
      for (const streams of this.byPatient.values()) for (const stream of streams) void this.pull(stream);
    });
    this.pruneTimer = setInterval(() => {
      this.log.prune(Date.now() - this.config.retentionMs).catch((error: Error) => this.logger.warn({ err: error.message }, 'vitals stream: pruning old events failed'));
    }, Math.min(60_000, this.config.retentionMs / 2));
    this.pruneTimer.unref();
  }

  /** Refuses a user past the cap before anything is written to the response. */
  admit(userId: number): void {
    if ((this.perUser.get(userId) ?? 0) >= this.config.maxStreamsPerUser) {
      throw new ApiError('too_many_streams', `at most ${this.config.maxStreamsPerUser} open vitals streams per user; close one first`);
    }
  }

  /** Starts a stream on a response whose headers are sent: a snapshot, or the events after `lastEventId`. */
  open(patientId: number, userId: number, lastEventId: number | null, sink: SseSink): () => void {
    this.admit(userId);
    this.perUser.set(userId, (this.perUser.get(userId) ?? 0) + 1);
    const stream: Stream = {
      patientId,
      userId,
      writer: new SseWriter(sink, this.config.maxBufferedBytes, () => {
        this.slowClientsDropped++;
        this.close(stream);
      }),
      lastSeq: null,
      resumeAfter: lastEventId,
      pulling: false,
      again: false,
      closed: false,
      heartbeat: setInterval(() => stream.writer.comment('heartbeat'), this.config.heartbeatMs),
    };
    let streams = this.byPatient.get(patientId);
    if (!streams) this.byPatient.set(patientId, (streams = new Set()));
    // Registered before the first read: a notice that arrives meanwhile makes it read again.
    streams.add(stream);
    stream.writer.retry(2000);
    void this.pull(stream);
    return () => this.close(stream);
  }

  /** Ends every stream (the replica is stopping); clients reconnect to another replica. */
  stop(): void {
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    for (const streams of [...this.byPatient.values()]) {
      for (const stream of [...streams]) {
        this.close(stream);
        stream.writer.destroy();
      }
    }
  }

  openStreams(): number {
    let n = 0;
    for (const streams of this.byPatient.values()) n += streams.size;
    return n;
  }

  private close(stream: Stream): void {
    if (stream.closed) return;
    stream.closed = true;
    clearInterval(stream.heartbeat);
    const streams = this.byPatient.get(stream.patientId);
    streams?.delete(stream);
    if (streams?.size === 0) this.byPatient.delete(stream.patientId);
    const count = (this.perUser.get(stream.userId) ?? 1) - 1;
    if (count === 0) this.perUser.delete(stream.userId);
    else this.perUser.set(stream.userId, count);
  }

  /** One read at a time per stream; a notice during a read makes it read once more after. */
  private async pull(stream: Stream): Promise<void> {
    if (stream.pulling) {
      stream.again = true;
      return;
    }
    stream.pulling = true;
    try {
      do {
        stream.again = false;
        await this.catchUp(stream);
      } while (stream.again && !stream.closed);
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'vitals stream: reading events failed; closing the stream (the client resumes)');
      this.close(stream);
      stream.writer.close();
    } finally {
      stream.pulling = false;
    }
  }

  private async catchUp(stream: Stream): Promise<void> {
    if (stream.closed) return;
    const after = stream.lastSeq ?? stream.resumeAfter;
    stream.resumeAfter = null;
    const events = after === null ? null : await this.replayable(stream.patientId, after, stream.lastSeq === null);
    if (events === null) {
      const snapshot = await this.log.snapshot(stream.patientId);
      if (stream.writer.send({ id: String(snapshot.seq), event: 'snapshot', data: JSON.stringify({ patientId: stream.patientId, vitals: snapshot.vitals }) })) stream.lastSeq = snapshot.seq;
      return;
    }
    stream.lastSeq ??= after;
    for (const event of events) {
      if (!stream.writer.send({ id: String(event.seq), event: 'vitals', data: JSON.stringify({ patientId: stream.patientId, vitals: event.vitals }) })) return;
      stream.lastSeq = event.seq;
    }
  }

  /**
   * The events after `after`, or null when the client must start again from a snapshot: some were
   * pruned, more were missed than the replay bound, or (on resume) the id is one this database
   * never gave.
   */
  private async replayable(patientId: number, after: number, resuming: boolean): Promise<Array<{ seq: number; vitals: object }> | null> {
    const events = await this.log.since(patientId, after, this.config.replayLimit + 1);
    if (events.length > this.config.replayLimit) return null;
    if (events.length > 0) return events[0]!.seq === after + 1 ? events : null;
    if (resuming && (await this.log.cursor(patientId)) < after) return null;
    return events;
  }
}
