import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { frameMllp, MllpDecoder, type MllpEvent } from './mllp-framing.js';

const summary = (events: MllpEvent[]) => events.map((e) => (e.type === 'message' ? e.message : e.type === 'skipped' ? 'skipped' : e.code));

describe('MllpDecoder', () => {
  it('frames as <VT> message <FS><CR>', () => {
    expect([...frameMllp('MSH|é')]).toEqual([0x0b, ...Buffer.from('MSH|é', 'utf8'), 0x1c, 0x0d]);
  });

  it('reassembles messages split across chunks (even inside a UTF-8 character) and splits several in one chunk', () => {
    const decoder = new MllpDecoder({ maxMessageBytes: 1000 });
    const bytes = Buffer.concat([frameMllp('MSH|one'), frameMllp('MSH|twö'), frameMllp('MSH|three')]);
    const events: MllpEvent[] = [];
    for (let i = 0; i < bytes.length; i += 3) events.push(...decoder.push(bytes.subarray(i, i + 3)));
    expect(summary(events)).toEqual(['MSH|one', 'MSH|twö', 'MSH|three']);
    expect(summary(new MllpDecoder({ maxMessageBytes: 1000 }).push(bytes))).toEqual(['MSH|one', 'MSH|twö', 'MSH|three']);
  });

  it('skips garbage before a start block, counted once, then resynchronises', () => {
    const decoder = new MllpDecoder({ maxMessageBytes: 10 });
    const events = decoder.push(Buffer.concat([Buffer.from('garbage\x00\xff'), frameMllp('MSH|ok'), frameMllp('MSH|' + 'x'.repeat(50)), frameMllp('MSH|again')]));
    expect(summary(events)).toEqual(['skipped', 'MSH|ok', 'too_large', 'MSH|again']);
  });

  it('reports one skipped run for garbage spread over many chunks', () => {
    const decoder = new MllpDecoder({ maxMessageBytes: 1000 });
    const events: MllpEvent[] = [];
    for (let i = 0; i < 50; i++) events.push(...decoder.push(Buffer.from('junk junk ')));
    expect(events).toEqual([]);
    events.push(...decoder.push(frameMllp('MSH|x')));
    expect(summary(events)).toEqual(['skipped', 'MSH|x']);
    expect(events[0]).toEqual({ type: 'skipped', bytes: 500 });
  });

  it('still reports endless garbage, once per maxMessageBytes, without buffering it', () => {
    const decoder = new MllpDecoder({ maxMessageBytes: 100 });
    const events: MllpEvent[] = [];
    // 20-byte pushes: the run passes 100 bytes on every 6th push (120 bytes), 100 pushes in all.
    for (let i = 0; i < 100; i++) events.push(...decoder.push(Buffer.alloc(20, 0x41)));
    expect(summary(events)).toEqual(Array(16).fill('skipped'));
  });

  it('discards an oversized message split over chunks until the next start block', () => {
    const decoder = new MllpDecoder({ maxMessageBytes: 20 });
    const events = [
      ...decoder.push(Buffer.from('\x0bMSH|' + 'a'.repeat(15))),
      ...decoder.push(Buffer.from('b'.repeat(15))),
      ...decoder.push(Buffer.from('c'.repeat(15) + '\x1c\r')),
      ...decoder.push(frameMllp('MSH|small')),
    ];
    expect(summary(events)).toEqual(['too_large', 'MSH|small']);
  });

  it('tolerates a missing CR after the end block, a CR LF, and notes an interrupted frame', () => {
    const decoder = new MllpDecoder({ maxMessageBytes: 100 });
    const events = decoder.push(Buffer.from('\x0bMSH|a\x1c\x0bMSH|half\x0bMSH|b\x1c\r\n\x0bMSH|c\x1c\r'));
    expect(summary(events)).toEqual(['MSH|a', 'framing', 'MSH|b', 'MSH|c']);
  });

  it('survives random binary junk and decodes the next real frame', () => {
    const decoder = new MllpDecoder({ maxMessageBytes: 4096 });
    const junk = randomBytes(256 * 1024);
    const events: MllpEvent[] = [];
    for (let i = 0; i < junk.length; i += 1000) events.push(...decoder.push(junk.subarray(i, i + 1000)));
    // Close whatever frame the junk left open, then send a real message.
    events.push(...decoder.push(Buffer.concat([Buffer.from([0x1c, 0x0d]), frameMllp('MSH|real')])));
    expect(events.at(-1)).toEqual({ type: 'message', message: 'MSH|real' });
  });
});
