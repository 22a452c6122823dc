/** What the writer needs of an HTTP response (a `ServerResponse` is one). */
export interface SseSink {
  write(chunk: string): boolean;
  readonly writableLength: number;
  readonly destroyed: boolean;
  destroy(): void;
  end(): void;
}

export interface SseEvent {
  readonly id?: string;
  readonly event?: string;
  readonly data: string;
}

/**
 * Server-Sent Events framing over one response, with a bound on what may wait for the client:
 * a client that does not read keeps bytes in this process's memory once the socket's buffers are
 * full, so past `maxBufferedBytes` the stream is closed rather than allowed to grow. The client
 * reconnects with Last-Event-ID and misses nothing that is still kept.
 */
export class SseWriter {
  private overflowed = false;

  constructor(
    private readonly sink: SseSink,
    private readonly maxBufferedBytes: number,
    private readonly onOverflow: () => void,
  ) {}

  get open(): boolean {
    return !this.overflowed && !this.sink.destroyed;
  }

  send(event: SseEvent): boolean {
    let frame = '';
    if (event.id !== undefined) frame += `id: ${event.id}\n`;
    if (event.event !== undefined) frame += `event: ${event.event}\n`;
    // A data line per line of the payload (JSON here has none, but the format requires it).
    for (const line of event.data.split('\n')) frame += `data: ${line}\n`;
    return this.write(`${frame}\n`);
  }

  /** A comment line: ignored by clients, keeps the connection seen as alive. */
  comment(text: string): boolean {
    return this.write(`: ${text}\n\n`);
  }

  /** The reconnection delay a client should use, in ms. */
  retry(ms: number): boolean {
    return this.write(`retry: ${ms}\n\n`);
  }

  /** Ends the response (the client may reconnect and resume). */
  close(): void {
    if (!this.sink.destroyed) this.sink.end();
  }

  /** Drops the connection at once (the replica is stopping; the client reconnects elsewhere). */
  destroy(): void {
    if (!this.sink.destroyed) this.sink.destroy();
  }

  private write(frame: string): boolean {
    if (!this.open) return false;
    this.sink.write(frame);
    if (this.sink.writableLength > this.maxBufferedBytes) {
      this.overflowed = true;
      this.sink.destroy();
      this.onOverflow();
      return false;
    }
    return true;
  }
}
