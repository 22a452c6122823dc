import type net from 'node:net';
import postgres from 'postgres';

const READY_FOR_QUERY = 0x5a; // 'Z'
const ERROR_RESPONSE = 0x45; // 'E'
const HEADER_BYTES = 5; // type byte and Int32 length

/** The ErrorResponse fields a driver error carries, by their protocol codes (as postgres.js names them). */
const FIELD_NAMES: Record<string, string> = {
  S: 'severity_local',
  V: 'severity',
  C: 'code',
  M: 'message',
  D: 'detail',
  H: 'hint',
  W: 'where',
  R: 'routine',
};

/**
 * Makes the end of a database session reach the driver (postgres.js 3) as one event: the socket's
 * error and its close together, whether the end is a connection reset or the server ending an
 * established session (a FATAL ErrorResponse: a restart, a failover, pg_terminate_backend, an
 * idle-session timeout). Two driver faults made one ended session fail or hang statements that
 * came after it:
 *
 * - Node emits a socket's error at once and its close a turn later. The driver fails the running
 *   statement on the error; a statement its handler sends at once (a retry) went into the
 *   connection's queue, and the close, reported as an error close, never failed it: it waited
 *   forever.
 * - The driver keeps the FATAL ErrorResponse of the running statement in a variable it clears only
 *   at the next ReadyForQuery, which an ended session never sends: the next session on that pool
 *   connection failed its first statement with the old session's error.
 *
 * As one error and close, the running and pipelined statements get the error (for a FATAL, the
 * server's message and code), and anything sent after it opens a new session.
 *
 * Errors during startup (a wrong password, too many clients) are left to the driver, which
 * reports them itself. Only plain-text sessions: with TLS the driver reads a socket of its own.
 */
export function endSessionCleanly(socket: net.Socket): net.Socket {
  let established = false; // a ReadyForQuery has been seen: startup is over
  let held = Buffer.alloc(0); // the start of a message not yet complete enough to judge
  let passing = 0; // bytes still to pass of a message already judged
  let ended = false;
  const emit = socket.emit as (this: net.Socket, event: string | symbol, ...args: unknown[]) => boolean;

  /** The error, then the close, in the same turn; what the socket says after that nobody hears. */
  const end = (target: net.Socket, error: Error): void => {
    ended = true;
    emit.call(target, 'error', error);
    emit.call(target, 'close', true);
  };

  socket.emit = function (this: net.Socket, event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'error' || event === 'close') {
      if (ended) return false;
      if (event === 'close') ended = true;
      if (event === 'error') end(this, args[0] as Error);
      else emit.call(this, event, ...args);
      return true;
    }
    if (event !== 'data') return emit.call(this, event, ...args);
    if (ended) return false;
    const chunk = held.length ? Buffer.concat([held, args[0] as Buffer]) : (args[0] as Buffer);
    held = Buffer.alloc(0);
    let at = 0; // everything before `at` may go to the driver
    while (at < chunk.length) {
      if (passing > 0) {
        const step = Math.min(passing, chunk.length - at);
        at += step;
        passing -= step;
        continue;
      }
      if (chunk.length - at < HEADER_BYTES) break;
      const type = chunk[at]!;
      const size = 1 + chunk.readUInt32BE(at + 1);
      if (type === READY_FOR_QUERY) established = true;
      if (type === ERROR_RESPONSE && established) {
        if (chunk.length - at < size) break;
        const fields = errorFields(chunk.subarray(at, at + size));
        if ((fields.severity ?? fields.severity_local) === 'FATAL') {
          if (at > 0) emit.call(this, 'data', chunk.subarray(0, at));
          end(this, new postgres.PostgresError(fields as never));
          socket.destroy(); // the driver has let go of the socket
          return true;
        }
      }
      passing = size;
    }
    held = Buffer.from(chunk.subarray(at));
    return at > 0 ? emit.call(this, 'data', chunk.subarray(0, at)) : true;
  } as typeof socket.emit;
  return socket;
}

function errorFields(message: Buffer): Record<string, string> {
  const fields: Record<string, string> = {};
  let start = HEADER_BYTES;
  for (let i = HEADER_BYTES; i < message.length - 1; i++) {
    if (message[i] !== 0) continue;
    const name = FIELD_NAMES[String.fromCharCode(message[start]!)];
    if (name) fields[name] = message.toString('utf8', start + 1, i);
    start = i + 1;
  }
  return fields;
}
