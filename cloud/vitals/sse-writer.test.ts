import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { SseWriter } from './sse-writer.js';

/** A response whose client reads nothing: every write stays buffered in this process. */
function stalledResponse(): Writable {
  return new Writable({ highWaterMark: 1024, write: () => {} });
}

describe('SseWriter', () => {
  it('frames events, comments and the retry delay as Server-Sent Events', () => {
    const chunks: string[] = [];
    const sink = new Writable({ write: (chunk: Buffer, _encoding, done) => (chunks.push(chunk.toString()), done()) });
    const writer = new SseWriter(sink, 1024, () => {});
    writer.retry(2000);
    writer.send({ id: '7', event: 'vitals', data: '{"a":1}' });
    writer.send({ data: 'two\nlines' });
    writer.comment('heartbeat');
    expect(chunks.join('')).toBe('retry: 2000\n\nid: 7\nevent: vitals\ndata: {"a":1}\n\ndata: two\ndata: lines\n\n: heartbeat\n\n');
  });

  it('drops a client that does not read once its buffered bytes pass the bound, and writes nothing more', () => {
    const sink = stalledResponse();
    let dropped = 0;
    const writer = new SseWriter(sink, 4096, () => dropped++);
    const event = { id: '1', event: 'vitals', data: JSON.stringify({ patientId: 1, vitals: { HR: { value: 72, unit: '/min', ts: 0 } } }) };
    let sent = 0;
    while (writer.send(event)) sent++;
    expect(dropped).toBe(1);
    expect(sink.destroyed).toBe(true);
    expect(writer.open).toBe(false);
    // Held: at most the bound plus the one frame that crossed it, however much was offered.
    const frame = Buffer.byteLength(`id: 1\nevent: vitals\ndata: ${event.data}\n\n`);
    expect(sent * frame).toBeLessThanOrEqual(4096);
    expect((sent + 1) * frame).toBeGreaterThan(4096);
    expect(writer.send(event)).toBe(false);
    expect(writer.comment('heartbeat')).toBe(false);
    expect(dropped).toBe(1);
  });
});
