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
 * Makes the server's ending of an established session (a FATAL ErrorResponse: a restart, a
 * failover, pg_terminate_backend, an idle-session timeout) reach the driver as the socket's error.
 *
 * postgres.js 3 keeps the ErrorResponse of the query that was running in a variable it clears only
 * at the next ReadyForQuery, which an ended session never sends: the next session on that pool
 * connection then failed its first query with the old session's error. So each restart or
 * failover cost a second failed request per connection. As a socket error and close, the running
 * and pipelined queries of that connection get the server's error (message and code kept) and
 * the driver opens the next session clean.
 *
 * Errors during startup (a wrong password, too many clients) are left to the driver, which
 * reports them itself. Only plain-text sessions: with TLS the driver reads a socket of its own.
 */
export function endSessionOnFatalError(socket: net.Socket): net.Socket {
  let established = false; // a ReadyForQuery has been seen: startup is over
  let held = Buffer.alloc(0); // the start of a message not yet complete enough to judge
  let passing = 0; // bytes still to pass of a message already judged
  let ended = false;
  const emit = socket.emit as (this: net.Socket, event: string | symbol, ...args: unknown[]) => boolean;

  socket.emit = function (this: net.Socket, event: string | symbol, ...args: unknown[]): boolean {
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
          ended = true;
          // The error and the close in one go, as one event: the failed query's handlers run
          // after it and a query they send starts a new session. (socket.destroy would emit the
          // close a turn later, and the driver would put such a query on the dead session.)
          emit.call(this, 'error', new postgres.PostgresError(fields as never));
          emit.call(this, 'close', true);
          socket.destroy(); // the driver has let go of the socket: nothing hears this
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
