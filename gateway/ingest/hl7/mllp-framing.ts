/**
 * MLLP (HL7 Minimal Lower Layer Protocol) framing: <VT> message <FS><CR>. Pure and streaming:
 * bytes arrive in arbitrary chunks from TCP or a serial port.
 */
export const START_BLOCK = 0x0b;
export const END_BLOCK = 0x1c;
export const CARRIAGE_RETURN = 0x0d;

export type MllpEvent =
  | { readonly type: 'message'; readonly message: string }
  /** Bytes outside any frame: no message, so nothing to acknowledge; only counted. */
  | { readonly type: 'skipped'; readonly bytes: number }
  /** `framing`: a frame interrupted by a new start block (never completed, so no ACK is due); `too_large`: a complete frame over the limit. */
  | { readonly type: 'error'; readonly code: 'framing' | 'too_large'; readonly message: string };

export function frameMllp(message: string): Buffer {
  const body = Buffer.from(message, 'utf8');
  const framed = Buffer.allocUnsafe(body.length + 3);
  framed[0] = START_BLOCK;
  body.copy(framed, 1);
  framed[body.length + 1] = END_BLOCK;
  framed[body.length + 2] = CARRIAGE_RETURN;
  return framed;
}

/**
 * Splits a byte stream into MLLP messages. Bytes outside a frame are skipped up to the next start
 * block and reported as one `skipped` event per run (however many TCP chunks the run spans); a message longer than `maxMessageBytes`
 * is reported and discarded up to the next start block. A missing CR after <FS> is tolerated
 * (some senders omit it).
 */
export class MllpDecoder {
  private chunks: Buffer[] = [];
  private size = 0;
  private inFrame = false;
  private discarding = false;
  private junk = 0;
  private awaitingCr = false;

  constructor(private readonly options: { maxMessageBytes: number }) {}

  push(chunk: Buffer): MllpEvent[] {
    const events: MllpEvent[] = [];
    let i = 0;
    while (i < chunk.length) {
      if (this.awaitingCr) {
        this.awaitingCr = false;
        if (chunk[i] === CARRIAGE_RETURN) {
          i++;
          continue;
        }
      }
      if (!this.inFrame) {
        const start = chunk.indexOf(START_BLOCK, i);
        this.junk += countJunk(chunk, i, start === -1 ? chunk.length : start);
        // Endless garbage still gets reported, once per maxMessageBytes, without buffering it.
        if (this.junk > this.options.maxMessageBytes) this.flushJunk(events);
        if (start === -1) break;
        this.flushJunk(events);
        this.inFrame = true;
        this.discarding = false;
        this.chunks = [];
        this.size = 0;
        i = start + 1;
        continue;
      }
      const endAt = chunk.indexOf(END_BLOCK, i);
      const nextStart = chunk.indexOf(START_BLOCK, i);
      if (nextStart !== -1 && (endAt === -1 || nextStart < endAt)) {
        // A new frame begins before this one ended: the sender gave up on it.
        events.push({ type: 'error', code: 'framing', message: 'frame interrupted by a new start block' });
        this.inFrame = false;
        i = nextStart;
        continue;
      }
      const end = endAt === -1 ? chunk.length : endAt;
      this.append(chunk.subarray(i, end), events);
      if (endAt === -1) break;
      if (!this.discarding) events.push({ type: 'message', message: Buffer.concat(this.chunks, this.size).toString('utf8') });
      this.inFrame = false;
      this.chunks = [];
      this.size = 0;
      this.awaitingCr = true;
      i = endAt + 1;
    }
    return events;
  }

  private append(part: Buffer, events: MllpEvent[]): void {
    if (this.discarding || part.length === 0) return;
    if (this.size + part.length > this.options.maxMessageBytes) {
      events.push({ type: 'error', code: 'too_large', message: `message exceeds ${this.options.maxMessageBytes} bytes` });
      this.discarding = true;
      this.chunks = [];
      this.size = 0;
      return;
    }
    this.chunks.push(Buffer.from(part));
    this.size += part.length;
  }

  private flushJunk(events: MllpEvent[]): void {
    if (this.junk === 0) return;
    events.push({ type: 'skipped', bytes: this.junk });
    this.junk = 0;
  }
}

/** Bytes between frames, not counting line ends: some senders follow <FS><CR> with an LF. */
function countJunk(chunk: Buffer, from: number, to: number): number {
  let junk = 0;
  for (let i = from; i < to; i++) if (chunk[i] !== CARRIAGE_RETURN && chunk[i] !== 0x0a) junk++;
  return junk;
}
