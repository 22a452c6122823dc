/**
 * IEEE 11073-10101 (MDC) numeric terms the station understands, mapped to canonical vitals.
 *
 * The numeric code is the identity: vendors label the same code with different reference ids
 * (GE sends 151594 as MDC_CO2_RESP_RATE, others as a generic respiration rate), so we map by code
 * and use the reference id only when a sender leaves the code empty. Codes were checked against
 * the IEEE 11073-10101 term list as published in the HL7 Denmark core IG value set
 * (dk-core IEEEBasicObservation) and the 10101 SCADA partition constants (partition 2, base
 * 131072; e.g. MDC_PULS_OXIM_SAT_O2 = 131072 + 19384 = 150456).
 */
import type { VitalCode } from '../../protocol/vitals.js';

export interface MdcTerm {
  readonly code: number;
  readonly refId: string;
  readonly vital: VitalCode;
}

export const MDC_TERMS: readonly MdcTerm[] = [
  // Heart rate from the ECG only: a pulse rate is a different measurement (PR).
  { code: 147842, refId: 'MDC_ECG_HEART_RATE', vital: 'HR' },
  // Pulse rates, whatever the source (SpO2 pleth, NIBP cuff, arterial line, unspecified).
  { code: 149514, refId: 'MDC_PULS_RATE', vital: 'PR' },
  { code: 149522, refId: 'MDC_BLD_PULS_RATE_INV', vital: 'PR' },
  { code: 149530, refId: 'MDC_PULS_OXIM_PULS_RATE', vital: 'PR' },
  { code: 149546, refId: 'MDC_PULS_RATE_NON_INV', vital: 'PR' },
  { code: 150456, refId: 'MDC_PULS_OXIM_SAT_O2', vital: 'SPO2' },
  // Respiration rate by any method.
  { code: 151562, refId: 'MDC_RESP_RATE', vital: 'RR' },
  { code: 151570, refId: 'MDC_AWAY_RESP_RATE', vital: 'RR' },
  { code: 151578, refId: 'MDC_TTHOR_RESP_RATE', vital: 'RR' },
  { code: 151594, refId: 'MDC_CO2_RESP_RATE', vital: 'RR' },
  { code: 151650, refId: 'MDC_ACOUSTIC_RESP_RATE', vital: 'RR' },
  { code: 151658, refId: 'MDC_PULS_OXIM_PLETH_RESP_RATE', vital: 'RR' },
  // Body temperature at body sites; skin (150388) and blood temperatures are not body temperature.
  { code: 150344, refId: 'MDC_TEMP', vital: 'TEMP' },
  { code: 150364, refId: 'MDC_TEMP_BODY', vital: 'TEMP' },
  { code: 150368, refId: 'MDC_TEMP_CORE', vital: 'TEMP' },
  { code: 150392, refId: 'MDC_TEMP_TYMP', vital: 'TEMP' },
  { code: 188420, refId: 'MDC_TEMP_RECT', vital: 'TEMP' },
  { code: 188424, refId: 'MDC_TEMP_ORAL', vital: 'TEMP' },
  { code: 188428, refId: 'MDC_TEMP_EAR', vital: 'TEMP' },
  { code: 188452, refId: 'MDC_TEMP_AXILLA', vital: 'TEMP' },
  // Non-invasive blood pressure; monitors often send the cuff terms (MDC_PRESS_CUFF_*).
  { code: 150021, refId: 'MDC_PRESS_BLD_NONINV_SYS', vital: 'NIBP_SYS' },
  { code: 150022, refId: 'MDC_PRESS_BLD_NONINV_DIA', vital: 'NIBP_DIA' },
  { code: 150023, refId: 'MDC_PRESS_BLD_NONINV_MEAN', vital: 'NIBP_MEAN' },
  { code: 150301, refId: 'MDC_PRESS_CUFF_SYS', vital: 'NIBP_SYS' },
  { code: 150302, refId: 'MDC_PRESS_CUFF_DIA', vital: 'NIBP_DIA' },
  { code: 150303, refId: 'MDC_PRESS_CUFF_MEAN', vital: 'NIBP_MEAN' },
  { code: 151708, refId: 'MDC_AWAY_CO2_ET', vital: 'ETCO2' },
];

/** Reference ids that some senders use for a code above, accepted only when the code is missing. */
const EXTRA_REF_IDS: Readonly<Record<string, VitalCode>> = {
  MDC_CONC_AWAY_CO2_ET: 'ETCO2',
};

const BY_CODE: ReadonlyMap<number, MdcTerm> = new Map(MDC_TERMS.map((t) => [t.code, t]));
const BY_REF_ID: ReadonlyMap<string, VitalCode> = new Map([
  ...MDC_TERMS.map((t): [string, VitalCode] => [t.refId, t.vital]),
  ...Object.entries(EXTRA_REF_IDS),
]);

/**
 * The canonical vital for an OBX-3 identifier. A present but unknown numeric code is not
 * rescued by its reference id: the code is what the device means, the name is only a label.
 */
export function vitalForMdc(code: number | null, refId: string): VitalCode | undefined {
  if (code !== null) return BY_CODE.get(code)?.vital;
  return BY_REF_ID.get(refId.trim());
}

/** MDC unit codes (partition 4, dimensions) to their reference ids, for senders that send only the code. */
export const MDC_UNIT_CODES: Readonly<Record<number, string>> = {
  262688: 'MDC_DIM_PERCENT',
  264864: 'MDC_DIM_BEAT_PER_MIN',
  264928: 'MDC_DIM_RESP_PER_MIN',
  266016: 'MDC_DIM_MMHG',
  268192: 'MDC_DIM_DEGC',
};
