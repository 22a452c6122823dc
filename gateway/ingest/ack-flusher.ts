/**
 * Sends the acknowledgements a commit releases, a few connections at a time. One commit can
 * acknowledge frames of every connected device — a thousand socket writes. Written in one go they
 * hold the event loop for tens of milliseconds or more, and a frame arriving meanwhile (a monitor's
 * alarm among them) is not even read until the last ack is out. In chunks, the loop goes back to
 * reading sockets between them (`setImmediate` runs after the poll phase), so a new frame waits at
 * most one chunk; each connection still gets one ack per commit, covering everything committed.
 * The first chunk goes out at once, as every ack did before: an ordinary commit (a few dozen
 * devices) is acknowledged without waiting for the loop's next turn.
 */
export class AckFlusher<T> {
  private readonly due = new Set<T>();
  private scheduled = false;
  private idleWaiters: Array<() => void> = [];
  /** Acks written since start. */
  sent = 0;

  constructor(
    /** Writes the ack of one connection (nothing if it has nothing new to acknowledge). */
    private readonly send: (connection: T) => boolean,
    private readonly chunk = 64,
  ) {}

  /** The connection has frames committed that its last ack does not cover. */
  add(connection: T): void {
    this.due.add(connection);
    if (this.scheduled) return;
    this.scheduled = true;
    // After the rest of the commit's callbacks (microtasks), so one ack covers all of them.
    queueMicrotask(() => this.flush());
  }

  /** Forget a closed connection. */
  delete(connection: T): void {
    this.due.delete(connection);
  }

  /** Resolves once every ack due so far has been written. */
  idle(): Promise<void> {
    if (this.due.size === 0 && !this.scheduled) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private flush(): void {
    let written = 0;
    for (const connection of this.due) {
      this.due.delete(connection);
      if (this.send(connection)) this.sent++;
      if (++written >= this.chunk) break;
    }
    if (this.due.size > 0) {
      setImmediate(() => this.flush());
      return;
    }
    this.scheduled = false;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
