import { describe, expect, it } from 'vitest';
import { AckFlusher } from './ack-flusher.js';

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('AckFlusher', () => {
  it('writes one ack per connection however many of its frames a commit covered', async () => {
    const written: string[] = [];
    const flusher = new AckFlusher<string>((c) => (written.push(c), true));
    for (const c of ['a', 'b', 'a', 'a', 'b']) flusher.add(c);
    await flusher.idle();
    expect(written.sort()).toEqual(['a', 'b']);
    expect(flusher.sent).toBe(2);
  });

  it('gives the event loop back between chunks of connections', async () => {
    const written: number[] = [];
    const flusher = new AckFlusher<number>((c) => (written.push(c), true), 64);
    let seenAtFirstTurn = -1;
    let seenAtSecondTurn = -1;
    setImmediate(() => {
      seenAtFirstTurn = written.length;
      setImmediate(() => (seenAtSecondTurn = written.length));
    });
    for (let c = 0; c < 300; c++) flusher.add(c);
    await flusher.idle();
    // The first chunk at once; then one chunk per turn of the loop, sockets read in between.
    expect(seenAtFirstTurn).toBe(64);
    expect(seenAtSecondTurn).toBe(128);
    expect(new Set(written).size).toBe(300);
  });

  it('is idle at once with nothing due, and forgets a closed connection', async () => {
    const written: string[] = [];
    const flusher = new AckFlusher<string>((c) => (written.push(c), true));
    await flusher.idle();
    flusher.add('closed');
    flusher.add('open');
    flusher.delete('closed');
    await flusher.idle();
    await nextTurn();
    expect(written).toEqual(['open']);
  });
});
