import type { ReportClaim, ReportFormat, ReportJobs } from './report-jobs.js';

/**
 * Collects a report's bytes and stores them in chunks of `chunkBytes` as they fill, so a large
 * report is written while it is produced and memory stays bounded by one chunk.
 */
export class ChunkSink {
  private parts: Buffer[] = [];
  private size = 0;
  private seq = 0;
  private pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly jobs: ReportJobs,
    private readonly claim: ReportClaim,
    private readonly format: ReportFormat,
    private readonly chunkBytes = 256 * 1024,
  ) {}

  /** Resolves once earlier full chunks are stored (backpressure for the producer). */
  async write(data: Buffer | string): Promise<void> {
    const buffer = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    this.parts.push(buffer);
    this.size += buffer.length;
    if (this.size >= this.chunkBytes) {
      this.flushNow();
      await this.pending;
    }
  }

  async end(): Promise<void> {
    if (this.size > 0 || this.seq === 0) this.flushNow();
    await this.pending;
  }

  private flushNow(): void {
    const data = Buffer.concat(this.parts, this.size);
    const seq = this.seq++;
    this.parts = [];
    this.size = 0;
    this.pending = this.pending.then(() => this.jobs.writeChunk(this.claim, this.format, seq, data));
  }
}
