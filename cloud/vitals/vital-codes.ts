/**
 * The canonical vitals as the cloud stores them: a small integer per code (one smallint per row
 * in the vitals table), with its fixed unit and its MDC and LOINC codes. Station batches name
 * vitals by code; this table is the cloud's own (it imports nothing from the station), and the
 * codes are the documented device contract shared by both.
 */
export interface VitalCode {
  readonly id: number;
  readonly code: string;
  readonly unit: string;
  readonly mdc: string;
  readonly loinc: string;
}

export const VITAL_CODES: readonly VitalCode[] = [
  { id: 1, code: 'HR', unit: '/min', mdc: '147842^MDC_ECG_HEART_RATE^MDC', loinc: '8867-4' },
  { id: 2, code: 'PR', unit: '/min', mdc: '149530^MDC_PULS_OXIM_PULS_RATE^MDC', loinc: '8889-8' },
  { id: 3, code: 'SPO2', unit: '%', mdc: '150456^MDC_PULS_OXIM_SAT_O2^MDC', loinc: '59408-5' },
  { id: 4, code: 'RR', unit: '/min', mdc: '151562^MDC_RESP_RATE^MDC', loinc: '9279-1' },
  { id: 5, code: 'TEMP', unit: 'Cel', mdc: '150364^MDC_TEMP_BODY^MDC', loinc: '8310-5' },
  { id: 6, code: 'NIBP_SYS', unit: 'mm[Hg]', mdc: '150021^MDC_PRESS_BLD_NONINV_SYS^MDC', loinc: '8480-6' },
  { id: 7, code: 'NIBP_DIA', unit: 'mm[Hg]', mdc: '150022^MDC_PRESS_BLD_NONINV_DIA^MDC', loinc: '8462-4' },
  { id: 8, code: 'NIBP_MEAN', unit: 'mm[Hg]', mdc: '150023^MDC_PRESS_BLD_NONINV_MEAN^MDC', loinc: '8478-0' },
  { id: 9, code: 'ETCO2', unit: 'mm[Hg]', mdc: '151708^MDC_AWAY_CO2_ET^MDC', loinc: '19889-5' },
];

const BY_CODE = new Map(VITAL_CODES.map((v) => [v.code, v]));
const BY_ID = new Map(VITAL_CODES.map((v) => [v.id, v]));

export const vitalByCode = (code: string): VitalCode | undefined => BY_CODE.get(code);
export const vitalById = (id: number): VitalCode | undefined => BY_ID.get(id);
