import { connect, createServer, type Socket } from 'node:net';

export interface StatementCounter {
  /** The database URL, through the counter. */
  readonly url: string;
  /** Statements the clients sent so far: extended-protocol Execute plus simple Query messages. */
  statements(): number;
  close(): Promise<void>;
}

const SSL_REQUEST = 80877103;
const GSS_REQUEST = 80877104;
/** postgres.js reads the array types once per new connection, before its first statement. */
const DRIVER_SET_UP = /^\s*select b\.oid, b\.typarray from pg_catalog\.pg_type/;

/**
 * A loopback TCP proxy in front of PostgreSQL that counts the statements clients send, by
 * reading the frontend protocol (no pg_stat_statements needed, nothing changed in the service):
 * what "one query per search" means, measured at the wire.
 */
export async function startStatementCounter(databaseUrl: string): Promise<StatementCounter> {
  const target = new URL(databaseUrl);
  let statements = 0;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    sockets.add(client);
    sockets.add(upstream);
    let pending = Buffer.alloc(0);
    let started = false;
    let setUp = false;
    client.on('data', (chunk) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      for (;;) {
        if (!started) {
          // Untyped start-up packets: length, then a code (SSL/GSS request or the protocol version).
          if (pending.length < 8) break;
          const length = pending.readInt32BE(0);
          if (pending.length < length) break;
          const code = pending.readInt32BE(4);
          pending = pending.subarray(length);
          if (code !== SSL_REQUEST && code !== GSS_REQUEST) started = true;
          continue;
        }
        if (pending.length < 5) break;
        const length = pending.readInt32BE(1);
        if (pending.length < 1 + length) break;
        const type = String.fromCharCode(pending[0]!);
        // Parse: statement name, then its text. The driver's own set-up query, sent once on
        // each new connection, is not a statement of the request that happens to open it.
        if (type === 'P') {
          const text = pending.subarray(5, 1 + length).toString('utf8');
          setUp = DRIVER_SET_UP.test(text.slice(text.indexOf('\0') + 1));
        }
        if (type === 'E') {
          if (!setUp) statements++;
          setUp = false;
        }
        if (type === 'Q') statements++;
        pending = pending.subarray(1 + length);
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => client.write(chunk));
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(databaseUrl);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as { port: number }).port);
  return {
    url: url.toString(),
    statements: () => statements,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
