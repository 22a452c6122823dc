import type { Sql } from '../db/sql.js';

export type Cell = string | number | null;

/**
 * What a report renders into the PDF: bounded (identity, tables and charts), never the raw rows,
 * which go to the CSV. The renderer (pdf-document.ts) adds the running header, page numbers and
 * the confidentiality footer to every page.
 */
export interface ReportModel {
  readonly title: string;
  /** Label/value pairs printed under the title: who and what the report is about. */
  readonly identity: ReadonlyArray<readonly [string, string]>;
  /** Repeated at the top of every page after the first (a loose page stays identifiable). */
  readonly runningHeader: string;
  readonly blocks: readonly ReportBlock[];
  /** Stored with the job and shown by GET /v1/reports/{id}. */
  readonly summary: unknown;
  /** Data rows written to the CSV. */
  readonly rowCount: number;
}

export type ReportBlock = HeadingBlock | TextBlock | TableBlock | LegendBlock | BandChartBlock | ReadingsChartBlock | StackedBarsBlock | WaveStripBlock | SignatureBlock;

/** Lines to fill in by hand on the printed report (who reviewed it, signature, date). */
export interface SignatureBlock {
  readonly kind: 'signature';
  readonly lines: readonly string[];
}

export interface HeadingBlock {
  readonly kind: 'heading';
  readonly text: string;
}

export interface TextBlock {
  readonly kind: 'text';
  readonly text: string;
  readonly tone?: 'normal' | 'muted';
}

export interface TableColumn {
  readonly label: string;
  /** Share of the page width (the widths of a table are normalised). */
  readonly width: number;
  readonly align?: 'left' | 'right' | 'center';
}

export interface TableBlock {
  readonly kind: 'table';
  readonly columns: readonly TableColumn[];
  readonly rows: readonly Cell[][];
  /** Shown when there are no rows. */
  readonly empty: string;
  /** Per row: a colour swatch drawn before the first cell (an alarm's priority). */
  readonly swatches?: ReadonlyArray<string | null>;
  /** Rows printed grey (cancelled appointments). */
  readonly muted?: readonly boolean[];
  /** A last row in bold under a rule: the totals of the rows above. */
  readonly total?: readonly Cell[];
  readonly note?: string;
}

export interface LegendBlock {
  readonly kind: 'legend';
  readonly items: ReadonlyArray<{ readonly colour: string; readonly label: string; readonly shape: 'square' | 'triangle' | 'line' | 'band' | 'dash' }>;
}

/** The time axis of a chart, in epoch ms, labelled in `timeZone`. */
export interface TimeAxis {
  readonly from: number;
  readonly to: number;
  readonly timeZone: string;
}

/** A marker on a chart's time axis: an alarm onset, in its priority colour. */
export interface OnsetMarker {
  readonly at: number;
  readonly colour: string;
}

/**
 * One vital per panel: per bucket the min–max band and the mean line on top; buckets with no
 * samples are absent (band and line break there). Limits are drawn as dashed lines.
 */
export interface BandChartBlock {
  readonly kind: 'band-chart';
  readonly axis: TimeAxis;
  readonly panels: ReadonlyArray<{
    readonly label: string;
    readonly colour: string;
    /** Width of one bucket in ms (the band is drawn bucket by bucket). */
    readonly bucketMs: number;
    readonly buckets: ReadonlyArray<{ readonly t: number; readonly min: number; readonly mean: number; readonly max: number }>;
    readonly limits: { readonly low?: number; readonly high?: number };
    readonly onsets: readonly OnsetMarker[];
    readonly decimals: number;
  }>;
}

/** Spot measurements (NIBP): per reading a systolic and a diastolic marker joined, and the mean. */
export interface ReadingsChartBlock {
  readonly kind: 'readings-chart';
  readonly axis: TimeAxis;
  readonly label: string;
  readonly colour: string;
  readonly readings: ReadonlyArray<{ readonly t: number; readonly systolic: number | null; readonly diastolic: number | null; readonly mean: number | null }>;
  readonly limits: { readonly low?: number; readonly high?: number };
  /** Which of the values the limits apply to ("sys"), printed beside them. */
  readonly limitsOf?: string;
  readonly onsets: readonly OnsetMarker[];
}

/** Counts per interval as stacked bars (integer ticks), one colour per series. */
export interface StackedBarsBlock {
  readonly kind: 'stacked-bars';
  readonly axis: TimeAxis;
  readonly intervalMs: number;
  readonly yLabel: string;
  /** Bottom to top. */
  readonly series: ReadonlyArray<{ readonly label: string; readonly colour: string; readonly counts: readonly number[] }>;
}

/**
 * A printed waveform strip (the waves around an alarm's onset) at 25 mm/s on millimetre paper,
 * ECG at 10 mm/mV; other waves scaled to their row. Time between stretches is left blank.
 */
export interface WaveStripBlock {
  readonly kind: 'wave-strip';
  readonly title: string;
  readonly from: number;
  readonly to: number;
  readonly onset: number;
  readonly onsetLabel: string;
  readonly waves: ReadonlyArray<{
    readonly label: string;
    /** 'mV': drawn at 10 mm/mV around the row's middle; otherwise fitted to the row. */
    readonly gain: 'mV' | 'fit';
    readonly stretches: ReadonlyArray<{ readonly startTs: number; readonly sampleRate: number; readonly scale: number; readonly offset: number; readonly samples: readonly number[] }>;
  }>;
}

/** Who asked for the report and when it was made: printed in its identity block. */
export interface ReportContext {
  readonly generatedAt: Date;
  readonly generatedBy: string;
}

/** Writes one CSV data row; resolves when the sink can take more (backpressure). */
export type CsvOut = (cells: readonly Cell[]) => Promise<void>;

/**
 * A report kind: streams its detail rows into the CSV as it reads them (a cursor over the
 * rollups) and returns the bounded model for the PDF and the job's summary.
 */
export interface ReportGenerator<P> {
  readonly csvColumns: readonly string[];
  generate(sql: Sql, params: P, csv: CsvOut, context: ReportContext): Promise<ReportModel>;
}
