import type postgres from 'postgres';
import type { Sql } from '../db/sql.js';

/**
 * A SQL constant read through a server-side cursor, `batch` rows at a time (postgres.js
 * `.cursor(n)`): a large result never sits in memory whole, and the next batch is fetched only
 * when the consumer has finished the previous one (backpressure down to the database).
 */
export function streamRows<T>(sql: Sql, text: string, params: readonly unknown[], batch: number): AsyncIterable<T[]> {
  return sql.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare: true }).cursor(batch) as unknown as AsyncIterable<T[]>;
}
