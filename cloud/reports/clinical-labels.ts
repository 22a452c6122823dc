/**
 * How a printed report names each vital: the clinical label and unit a physician reads, with
 * the precision the measurement has. The CSV keeps the canonical code and its UCUM unit (what
 * software reads); only the PDF uses these.
 */
export interface ClinicalLabel {
  /** "SpO₂, %" */
  readonly label: string;
  readonly name: string;
  readonly unit: string;
  readonly decimals: number;
}

const LABELS: Readonly<Record<string, { name: string; unit: string; decimals: number }>> = {
  HR: { name: 'Heart rate', unit: '/min', decimals: 0 },
  PR: { name: 'Pulse rate', unit: '/min', decimals: 0 },
  SPO2: { name: 'SpO₂', unit: '%', decimals: 0 },
  RR: { name: 'Respiratory rate', unit: '/min', decimals: 0 },
  TEMP: { name: 'Temperature', unit: '°C', decimals: 1 },
  NIBP_SYS: { name: 'NIBP systolic', unit: 'mmHg', decimals: 0 },
  NIBP_DIA: { name: 'NIBP diastolic', unit: 'mmHg', decimals: 0 },
  NIBP_MEAN: { name: 'NIBP mean', unit: 'mmHg', decimals: 0 },
  ETCO2: { name: 'EtCO₂', unit: 'mmHg', decimals: 0 },
};

export function clinicalLabel(code: string): ClinicalLabel {
  const known = LABELS[code] ?? { name: code, unit: '', decimals: 1 };
  return { ...known, label: known.unit ? `${known.name}, ${known.unit}` : known.name };
}

/** A value at the vital's precision ("36.8", "97"). */
export function clinicalValue(code: string, value: number): string {
  return value.toFixed(clinicalLabel(code).decimals);
}

/**
 * An alarm condition as a reader says it: "SPO2_LOW" → "SpO₂ low", "NIBP_SYS_HIGH" → "NIBP
 * systolic high", "SYNC_FAILING" → "Sync failing". The code stays in the CSV.
 */
export function conditionLabel(condition: string): string {
  const match = /^(.+)_(LOW|HIGH)$/.exec(condition);
  if (match && LABELS[match[1]!]) return `${LABELS[match[1]!]!.name} ${match[2]!.toLowerCase()}`;
  const words = condition.toLowerCase().replace(/_/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}
