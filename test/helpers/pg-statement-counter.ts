import { connect, createServer, type Socket } from 'node:net';

export interface StatementCounter {
  /** The database URL, through the counter. */
  readonly url: string;
  /** Statements the clients sent so far: extended-protocol Execute plus simple Query messages. */
  statements(): number;
  /** The text of every statement counted so far, in the order they were sent. */
  texts(): readonly string[];
  close(): Promise<void>;
}

const SSL_REQUEST = 80877103;
const GSS_REQUEST = 80877104;
/**
 * postgres.js reads the array types once per new connection, before its first statement (its
 * text spans lines: "select b.oid, b.typarray" then "from pg_catalog.pg_type a ...").
 */
const DRIVER_SET_UP = /^\s*select b\.oid,\s*b\.typarray\s+from pg_catalog\.pg_type\b/;

/**
 * A loopback TCP proxy in front of PostgreSQL that counts the statements clients send, by
 * reading the frontend protocol (no pg_stat_statements needed, nothing changed in the service):
 * what "one query per search" means, measured at the wire.
 */
export async function startStatementCounter(databaseUrl: string): Promise<StatementCounter> {
  const target = new URL(databaseUrl);
  const texts: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(target.port || 5432), target.hostname);
    sockets.add(client);
    sockets.add(upstream);
    let pending = Buffer.alloc(0);
    let started = false;
    /** Prepared statements of this connection by name ('' is the unnamed one), and the one bound last. */
    const prepared = new Map<string, string>();
    let bound = '';
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
        const body = pending.subarray(5, 1 + length).toString('utf8');
        // Parse: statement name, then its text. Bind: portal name, then the statement's name.
        if (type === 'P') {
          const [name = '', text = ''] = body.split('\0');
          prepared.set(name, text);
        }
        if (type === 'B') bound = prepared.get(body.split('\0')[1] ?? '') ?? '';
        // The driver's own set-up query, sent once on each new connection, is not a statement
        // of the request that happens to open it.
        if (type === 'E' && !DRIVER_SET_UP.test(bound)) texts.push(bound);
        if (type === 'Q') texts.push(body.slice(0, body.indexOf('\0')));
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
    statements: () => texts.length,
    texts: () => texts,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
