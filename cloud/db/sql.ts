/**
 * The cloud's database access, and the three ways it writes SQL, each for its own case:
 *
 * - A tagged template, sql`SELECT … WHERE id = ${id}`: the default, for a statement used in one
 *   place. Values are always bound parameters. A constant fragment may be spliced in with
 *   sql.unsafe(CONSTANT) (a shared column list), never anything built from input.
 * - run(sql, NAMED_CONSTANT, [params]): for a statement whose text is needed elsewhere as well
 *   (the query-plan tests EXPLAIN it, the TimescaleDB proof or a bench runs the very same text),
 *   or one of several texts chosen at run time (by resolution, by search place). Prepared, with
 *   $1, $2, … bound. Not `sql.unsafe(CONSTANT, params)` by hand: that is run() spelled out.
 * - sql.unsafe(text) without parameters: statements that cannot take parameters (DDL such as
 *   CREATE DATABASE, partitions, constraint and trigger switches, migrations), built only from
 *   constants and names the code made itself.
 */
import net from 'node:net';
import postgres from 'postgres';

export type Sql = postgres.Sql;
export type TransactionSql = postgres.TransactionSql;

/**
 * One postgres.js pool per process. int8 is read as a JS number (ids and counts stay far below
 * 2^53); notices are dropped (migrations' "already exists" chatter is not news).
 */
export function connect(url: string, options: { max?: number; applicationName?: string } = {}): Sql {
  return postgres(url, {
    max: options.max ?? 20,
    // `socket` is documented by the driver but missing from its type declarations.
    ...(namesSeveralServers(url) ? {} : ({ socket: noDelaySocket } as object)),
    onnotice: () => {},
    connection: { application_name: options.applicationName ?? 'ward-cloud' },
    types: {
      int8: { to: 20, from: [20], serialize: (value: number) => String(value), parse: (value: string) => Number(value) },
    },
  });
}

/**
 * The pool's sockets, opened with Nagle's algorithm off (postgres.js leaves it on). With it on, a
 * message written while the previous one is unacknowledged waits for the server's delayed ACK,
 * 40 ms on Linux: a COPY's CopyDone after its data, the tail of any statement over 1 KB. That was
 * ~85 of the ~108 ms a one-row station batch took. libpq and node-postgres set TCP_NODELAY too.
 * postgres.js writes its first message as soon as this returns; Node holds it until the connect.
 *
 * Only for a URL naming one server: given a socket, the driver no longer walks a multi-host URL's
 * servers (each of its connections starting at the first), and that walk stays the driver's.
 */
function noDelaySocket(options: { host: string[]; port: number[]; path?: string | false }): net.Socket {
  if (options.path) return net.connect({ path: options.path });
  const [host, port] = [options.host[0]!, options.port[0]!];
  // host and port: where the driver's own error messages look for the address.
  return Object.assign(net.connect({ host, port, noDelay: true }), { host, port });
}

/** Whether a postgres:// URL names more than one server (`h1:5432,h2:5432`, or a `host=` parameter). */
export function namesSeveralServers(url: string): boolean {
  const afterScheme = url.slice(url.indexOf('://') + 3);
  const authority = afterScheme.split(/[/?]/)[0]!;
  const hosts = authority.slice(authority.lastIndexOf('@') + 1);
  return hosts.includes(',') || /[?&]host=/.test(afterScheme);
}

/**
 * Runs a SQL constant with positional parameters ($1, $2, ...). The text is a named constant so
 * that query-plan tests and the TimescaleDB proof run the very same statement; parameters are
 * always bound, never spliced into the text.
 */
export function run<T extends object = Record<string, unknown>>(sql: Sql | TransactionSql, text: string, params: readonly unknown[] = []): Promise<T[]> {
  return sql.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare: true }) as unknown as Promise<T[]>;
}

/** run() for a statement whose answer is how many rows it touched (a DELETE without RETURNING). */
export async function runCount(sql: Sql | TransactionSql, text: string, params: readonly unknown[] = []): Promise<number> {
  return (await sql.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare: true })).count;
}
