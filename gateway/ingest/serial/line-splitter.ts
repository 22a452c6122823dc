/**
 * Splits a serial byte stream into text lines (CR, LF or CRLF). Bounded: a line longer than
 * `maxLineBytes` (a stuck device, the wrong baud rate) is dropped up to the next newline and
 * reported once, so memory never grows with garbage.
 */
export type LineEvent = { readonly type: 'line'; readonly line: string } | { readonly type: 'overflow'; readonly bytes: number };

export class LineSplitter {
  private buffer: Buffer = Buffer.alloc(0);
  private discarding = 0;

  constructor(private readonly maxLineBytes = 4096) {}

  push(chunk: Buffer): LineEvent[] {
    const events: LineEvent[] = [];
    let data = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    let start = 0;
    for (let i = 0; i < data.length; i++) {
      const byte = data[i];
      if (byte !== 0x0a && byte !== 0x0d) continue;
      if (this.discarding > 0) {
        events.push({ type: 'overflow', bytes: this.discarding + (i - start) });
        this.discarding = 0;
      } else if (i > start) {
        events.push({ type: 'line', line: data.subarray(start, i).toString('latin1') });
      }
      start = i + 1;
    }
    data = data.subarray(start);
    if (data.length > this.maxLineBytes || this.discarding > 0) {
      this.discarding += data.length;
      this.buffer = Buffer.alloc(0);
    } else {
      this.buffer = Buffer.from(data);
    }
    return events;
  }
}
