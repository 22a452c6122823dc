export interface MetricsConfig {
  readonly host: string;
  /** null: no metrics listener (the default); 0: any free port. */
  readonly port: number | null;
}
