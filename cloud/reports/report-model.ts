import type { Sql } from '../db/sql.js';

export type Cell = string | number | null;

/** What a report renders into the PDF: bounded (a summary table and a chart), never the raw rows. */
export interface ReportModel {
  readonly title: string;
  readonly meta: readonly string[];
  readonly table: { readonly columns: readonly string[]; readonly rows: readonly Cell[][]; readonly note?: string };
  readonly chart: ChartModel | null;
  /** Stored with the job and shown by GET /v1/reports/{id}. */
  readonly summary: unknown;
  /** Data rows written to the CSV. */
  readonly rowCount: number;
}

export interface ChartModel {
  readonly title: string;
  readonly from: number;
  readonly to: number;
  readonly series: ReadonlyArray<{ readonly name: string; readonly points: ReadonlyArray<readonly [number, number]> }>;
  /** One panel per series, each with its own scale (vitals of different units side by side). */
  readonly panels?: boolean;
}

/** Writes one CSV data row; resolves when the sink can take more (backpressure). */
export type CsvOut = (cells: readonly Cell[]) => Promise<void>;

/**
 * A report kind: streams its detail rows into the CSV as it reads them (a cursor over the
 * rollups) and returns the bounded model for the PDF and the job's summary.
 */
export interface ReportGenerator<P> {
  readonly csvColumns: readonly string[];
  generate(sql: Sql, params: P, csv: CsvOut): Promise<ReportModel>;
}
