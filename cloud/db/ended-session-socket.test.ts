import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { endSessionCleanly } from './ended-session-socket.js';

/** A backend message: type byte, Int32 length (itself included), body. */
function message(type: string, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.write(type, 0, 'latin1');
  header.writeUInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}
const errorResponse = (severity: string, code: string, text: string) =>
  message('E', Buffer.from(`S${severity}\0V${severity}\0C${code}\0M${text}\0\0`));
const readyForQuery = message('Z', Buffer.from('I'));
const dataRow = message('D', Buffer.from([0, 1, 0, 0, 0, 1, 0x31]));

/** What the driver's listeners hear when `stream` arrives in chunks of `size` bytes. */
function heard(stream: Buffer, size: number) {
  const socket = endSessionCleanly(new net.Socket());
  const events: { data: Buffer[]; error?: Error & { code?: string }; closed: boolean } = { data: [], closed: false };
  socket.on('data', (chunk: Buffer) => events.data.push(chunk));
  socket.on('error', (error) => (events.error = error));
  socket.on('close', () => (events.closed = true));
  for (let at = 0; at < stream.length && !events.closed; at += size) socket.emit('data', stream.subarray(at, at + size));
  return { ...events, bytes: Buffer.concat(events.data) };
}

describe('a database socket on which a FATAL error ends the session', () => {
  const startup = Buffer.concat([message('R', Buffer.alloc(4)), readyForQuery]);

  for (const size of [1, 3, 7, 1000]) {
    it(`passes every message on unchanged, ERROR responses too (chunks of ${size} bytes)`, () => {
      const stream = Buffer.concat([startup, dataRow, errorResponse('ERROR', '22012', 'division by zero'), readyForQuery, dataRow]);
      const result = heard(stream, size);
      expect(result.bytes.equals(stream)).toBe(true);
      expect(result.error).toBeUndefined();
    });

    it(`after startup, a FATAL error becomes the socket's error and close; nothing after it is passed (chunks of ${size} bytes)`, () => {
      const before = Buffer.concat([startup, dataRow]);
      const result = heard(Buffer.concat([before, errorResponse('FATAL', '57P01', 'terminating connection due to administrator command'), dataRow]), size);
      expect(result.bytes.equals(before)).toBe(true);
      expect(result.error?.message).toBe('terminating connection due to administrator command');
      expect(result.error?.code).toBe('57P01');
      expect(result.closed).toBe(true);
    });
  }

  it('leaves a FATAL error during startup (a wrong password) to the driver', () => {
    const stream = Buffer.concat([message('R', Buffer.alloc(4)), errorResponse('FATAL', '28P01', 'password authentication failed')]);
    const result = heard(stream, 5);
    expect(result.bytes.equals(stream)).toBe(true);
    expect(result.error).toBeUndefined();
  });

  it('a socket error reaches the driver with the close in the same call; what the socket says after that is not heard', () => {
    const socket = endSessionCleanly(new net.Socket());
    const heardEvents: string[] = [];
    socket.on('error', (error) => heardEvents.push(`error: ${error.message}`));
    socket.on('close', (hadError: boolean) => heardEvents.push(`close, had error: ${hadError}`));
    socket.emit('error', new Error('read ECONNRESET'));
    expect(heardEvents).toEqual(['error: read ECONNRESET', 'close, had error: true']);
    // Node's own close, a turn later, and any late error: the driver has let go by then.
    socket.removeAllListeners();
    expect(() => socket.emit('error', new Error('write EPIPE'))).not.toThrow();
    expect(socket.emit('close', true)).toBe(false);
  });
});
