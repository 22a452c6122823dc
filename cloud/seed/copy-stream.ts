import { once } from 'node:events';
import type { Writable } from 'node:stream';

/**
 * Lines into a COPY ... FROM STDIN stream in ~1 MB writes, honouring backpressure so that
 * generating 25 M rows never holds more than a few MB in memory.
 */
export class CopyWriter {
  private chunk: string[] = [];
  private size = 0;
  rows = 0;

  constructor(private readonly stream: Writable) {}

  async line(text: string): Promise<void> {
    this.chunk.push(text);
    this.size += text.length + 1;
    this.rows++;
    if (this.size >= 1 << 20) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.chunk.length === 0) return;
    const data = this.chunk.join('\n') + '\n';
    this.chunk = [];
    this.size = 0;
    if (!this.stream.write(data)) await once(this.stream, 'drain');
  }

  async end(): Promise<void> {
    await this.flush();
    const finished = once(this.stream, 'finish');
    this.stream.end();
    await finished;
  }
}
