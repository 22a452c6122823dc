/**
 * The canonical vital vocabulary of the station and the cloud: one table (code, storage id, unit,
 * MDC and LOINC codes, possible range). Pure data: imported by the gateway, the renderer and the
 * cloud, so it must not touch Node or DOM APIs.
 *
 * Every value stored or shown by the station is in the fixed unit of its code. Inputs in another
 * unit are converted by `toCanonicalUnit` or rejected; values outside `range` are rejected as
 * physiologically impossible (a sensor or transcription fault, never truth).
 */

export const VITAL_CODES = [
  'HR',
  'PR',
  'SPO2',
  'RR',
  'TEMP',
  'NIBP_SYS',
  'NIBP_DIA',
  'NIBP_MEAN',
  'ETCO2',
] as const;

export type VitalCode = (typeof VITAL_CODES)[number];

/** UCUM units, the only units the station stores. */
export type CanonicalUnit = '/min' | '%' | 'Cel' | 'mm[Hg]';

export interface VitalDefinition {
  readonly code: VitalCode;
  /** Small stable integer used as the storage key; never renumber. */
  readonly id: number;
  readonly label: string;
  readonly unit: CanonicalUnit;
  /** IEEE 11073-10101 reference id and numeric code of the preferred MDC term. */
  readonly mdc: { readonly refId: string; readonly code: number };
  readonly loinc: string;
  /** Inclusive physiologically possible range in `unit`; outside it a value is rejected. */
  readonly range: { readonly min: number; readonly max: number };
  /** Decimals worth showing. */
  readonly precision: number;
}

export const VITALS: Readonly<Record<VitalCode, VitalDefinition>> = {
  HR: {
    code: 'HR',
    id: 1,
    label: 'Heart rate',
    unit: '/min',
    mdc: { refId: 'MDC_ECG_HEART_RATE', code: 147842 },
    loinc: '8867-4',
    range: { min: 0, max: 350 },
    precision: 0,
  },
  PR: {
    code: 'PR',
    id: 2,
    label: 'Pulse rate',
    unit: '/min',
    mdc: { refId: 'MDC_PULS_OXIM_PULS_RATE', code: 149530 },
    loinc: '8889-8',
    range: { min: 0, max: 350 },
    precision: 0,
  },
  SPO2: {
    code: 'SPO2',
    id: 3,
    label: 'SpO₂',
    unit: '%',
    mdc: { refId: 'MDC_PULS_OXIM_SAT_O2', code: 150456 },
    loinc: '59408-5',
    range: { min: 0, max: 100 },
    precision: 0,
  },
  RR: {
    code: 'RR',
    id: 4,
    label: 'Respiratory rate',
    unit: '/min',
    mdc: { refId: 'MDC_RESP_RATE', code: 151562 },
    loinc: '9279-1',
    range: { min: 0, max: 150 },
    precision: 0,
  },
  TEMP: {
    code: 'TEMP',
    id: 5,
    label: 'Temperature',
    unit: 'Cel',
    mdc: { refId: 'MDC_TEMP_BODY', code: 150364 },
    loinc: '8310-5',
    range: { min: 25, max: 45 },
    precision: 1,
  },
  NIBP_SYS: {
    code: 'NIBP_SYS',
    id: 6,
    label: 'NIBP systolic',
    unit: 'mm[Hg]',
    mdc: { refId: 'MDC_PRESS_BLD_NONINV_SYS', code: 150021 },
    loinc: '8480-6',
    range: { min: 10, max: 300 },
    precision: 0,
  },
  NIBP_DIA: {
    code: 'NIBP_DIA',
    id: 7,
    label: 'NIBP diastolic',
    unit: 'mm[Hg]',
    mdc: { refId: 'MDC_PRESS_BLD_NONINV_DIA', code: 150022 },
    loinc: '8462-4',
    range: { min: 5, max: 250 },
    precision: 0,
  },
  NIBP_MEAN: {
    code: 'NIBP_MEAN',
    id: 8,
    label: 'NIBP mean',
    unit: 'mm[Hg]',
    mdc: { refId: 'MDC_PRESS_BLD_NONINV_MEAN', code: 150023 },
    loinc: '8478-0',
    range: { min: 5, max: 280 },
    precision: 0,
  },
  ETCO2: {
    code: 'ETCO2',
    id: 9,
    label: 'EtCO₂',
    unit: 'mm[Hg]',
    mdc: { refId: 'MDC_AWAY_CO2_ET', code: 151708 },
    loinc: '19889-5',
    range: { min: 0, max: 150 },
    precision: 0,
  },
};

/** The table in code order, for listing every vital (reports, history queries). */
export const VITAL_DEFINITIONS: readonly VitalDefinition[] = VITAL_CODES.map((code) => VITALS[code]);

const VITALS_BY_ID: ReadonlyMap<number, VitalDefinition> = new Map(VITAL_DEFINITIONS.map((v) => [v.id, v]));

export function isVitalCode(value: string): value is VitalCode {
  return Object.prototype.hasOwnProperty.call(VITALS, value);
}

/** The definition of a code received as text (a batch, a query string); undefined when unknown. */
export function vitalByCode(code: string): VitalDefinition | undefined {
  return isVitalCode(code) ? VITALS[code] : undefined;
}

export function vitalById(id: number): VitalDefinition | undefined {
  return VITALS_BY_ID.get(id);
}

export type ValueCheck =
  | { readonly ok: true; readonly value: number }
  | { readonly ok: false; readonly code: 'not_a_number' | 'out_of_range' | 'unit_mismatch'; readonly message: string };

/**
 * Checks a value already in the canonical unit of `code`. Used by every transport so that the
 * same value gets the same verdict whether it came over WebSocket, HL7 or serial.
 */
export function checkVitalValue(code: VitalCode, value: unknown): ValueCheck {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    return { ok: false, code: 'not_a_number', message: `${code} must be a finite number` };
  }
  const { min, max } = VITALS[code].range;
  if (value < min || value > max) {
    return {
      ok: false,
      code: 'out_of_range',
      message: `${code} ${value} ${VITALS[code].unit} is outside the possible range ${min}-${max}`,
    };
  }
  return { ok: true, value };
}

/**
 * Unit spellings seen from devices (UCUM, MDC reference ids, and common vendor variants) mapped
 * to a canonical unit and a conversion. Anything not listed is rejected as `unit_mismatch`.
 */
const UNIT_ALIASES: Readonly<Record<string, { unit: CanonicalUnit; convert?: (v: number) => number }>> = {
  '/min': { unit: '/min' },
  '1/min': { unit: '/min' },
  '{beats}/min': { unit: '/min' },
  '{beat}/min': { unit: '/min' },
  '{breaths}/min': { unit: '/min' },
  '{breath}/min': { unit: '/min' },
  '{resp}/min': { unit: '/min' },
  bpm: { unit: '/min' },
  MDC_DIM_BEAT_PER_MIN: { unit: '/min' },
  MDC_DIM_RESP_PER_MIN: { unit: '/min' },
  MDC_DIM_PER_MIN: { unit: '/min' },
  '%': { unit: '%' },
  MDC_DIM_PERCENT: { unit: '%' },
  Cel: { unit: 'Cel' },
  degC: { unit: 'Cel' },
  MDC_DIM_DEGC: { unit: 'Cel' },
  '[degF]': { unit: 'Cel', convert: (f) => ((f - 32) * 5) / 9 },
  degF: { unit: 'Cel', convert: (f) => ((f - 32) * 5) / 9 },
  MDC_DIM_FAHR: { unit: 'Cel', convert: (f) => ((f - 32) * 5) / 9 },
  'mm[Hg]': { unit: 'mm[Hg]' },
  mmHg: { unit: 'mm[Hg]' },
  MDC_DIM_MMHG: { unit: 'mm[Hg]' },
  kPa: { unit: 'mm[Hg]', convert: (kpa) => kpa * 7.500617 },
  MDC_DIM_KILO_PASCAL: { unit: 'mm[Hg]', convert: (kpa) => kpa * 7.500617 },
};

/**
 * Converts `value` given in `unit` to the canonical unit of `code`, then range-checks it.
 * A unit that is unknown or of the wrong dimension for the code is refused, never guessed.
 */
export function toCanonicalUnit(code: VitalCode, value: number, unit: string): ValueCheck {
  const alias = UNIT_ALIASES[unit.trim()];
  const expected = VITALS[code].unit;
  if (!alias || alias.unit !== expected) {
    return {
      ok: false,
      code: 'unit_mismatch',
      message: `${code} must be in ${expected}; got "${unit}"`,
    };
  }
  const converted = alias.convert ? alias.convert(value) : value;
  const rounded = alias.convert ? Math.round(converted * 100) / 100 : converted;
  return checkVitalValue(code, rounded);
}

/** A set of canonical vitals measured together at one instant (a device frame, an HL7 message). */
export type VitalValues = Partial<Record<VitalCode, number>>;
