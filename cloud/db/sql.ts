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
import postgres from 'postgres';
import { databaseConnection } from './database-sockets.js';

export type Sql = postgres.Sql;
export type TransactionSql = postgres.TransactionSql;

/**
 * One postgres.js pool per process. int8 is read as a JS number (ids and counts stay far below
 * 2^53); notices are dropped (migrations' "already exists" chatter is not news).
 */
export function connect(url: string, options: { max?: number; applicationName?: string } = {}): Sql {
  // Nagle off, and the server of a multi-server URL chosen as libpq would (see database-sockets.ts).
  const connection = databaseConnection(url);
  return postgres(connection.url, {
    max: options.max ?? 20,
    // `socket` is documented by the driver but missing from its type declarations.
    ...({ socket: connection.socket } as object),
    onnotice: () => {},
    connection: { application_name: options.applicationName ?? 'ward-cloud' },
    types: {
      int8: { to: 20, from: [20], serialize: (value: number) => String(value), parse: (value: string) => Number(value) },
    },
  });
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
