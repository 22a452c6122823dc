import type { Coding } from 'fhir/r4.js';
import { VITAL_DEFINITIONS, type VitalDefinition } from '../../gateway/protocol/vitals.js';

/**
 * How the cloud's vitals appear as FHIR vital-signs Observations (pure). One Observation per
 * vital, except that systolic and diastolic pressure measured together are one blood pressure
 * panel (85354-9) with the two as components, as the vital-signs profile requires.
 */
export const LOINC = 'http://loinc.org';
export const UCUM = 'http://unitsofmeasure.org';
export const MDC = 'urn:iso:std:iso:11073:10101';
export const VITAL_SIGNS_PROFILE = 'http://hl7.org/fhir/StructureDefinition/vitalsigns';
export const VITAL_SIGNS_CATEGORY: Coding = { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs', display: 'Vital Signs' };

/** A group of stored vitals that is one Observation: a single vital, or the blood pressure panel. */
export interface ObservationKind {
  /** Short name in ids (hr, spo2, bp, ...). */
  readonly key: string;
  /** The stored vital ids it is made of (the first one is the group's number in SQL). */
  readonly vitals: readonly number[];
  readonly coding: readonly Coding[];
  /** The specific vital-signs profile, where FHIR R4 has one. */
  readonly profile: string | null;
  readonly display: string;
}

const BP_SYSTOLIC = VITAL_DEFINITIONS.find((v) => v.code === 'NIBP_SYS')!;
const BP_DIASTOLIC = VITAL_DEFINITIONS.find((v) => v.code === 'NIBP_DIA')!;

const DISPLAY: Record<string, string> = {
  HR: 'Heart rate', PR: 'Heart rate by Pulse oximetry', SPO2: 'Oxygen saturation in Arterial blood by Pulse oximetry', RR: 'Respiratory rate',
  TEMP: 'Body temperature', NIBP_SYS: 'Systolic blood pressure', NIBP_DIA: 'Diastolic blood pressure', NIBP_MEAN: 'Mean blood pressure',
  ETCO2: 'Carbon dioxide [Partial pressure] in Exhaled gas --at end expiration',
};
const PROFILE: Record<string, string> = { HR: 'heartrate', SPO2: 'oxygensat', RR: 'resprate', TEMP: 'bodytemp' };

const mdcCoding = (vital: VitalDefinition): Coding => {
  return { system: MDC, code: String(vital.mdc.code), display: vital.mdc.refId };
};

export const vitalCoding = (vital: VitalDefinition): Coding[] => [
  { system: LOINC, code: vital.loinc, display: DISPLAY[vital.code]! },
  // The oxygensat profile fixes 2708-6; 59408-5 (by pulse oximetry) is the more exact code.
  ...(vital.code === 'SPO2' ? [{ system: LOINC, code: '2708-6', display: 'Oxygen saturation in Arterial blood' }] : []),
  mdcCoding(vital),
];

export const BLOOD_PRESSURE: ObservationKind = {
  key: 'bp',
  vitals: [BP_SYSTOLIC.id, BP_DIASTOLIC.id],
  coding: [{ system: LOINC, code: '85354-9', display: 'Blood pressure panel with all children optional' }],
  profile: 'http://hl7.org/fhir/StructureDefinition/bp',
  display: 'Blood pressure',
};

export const OBSERVATION_KINDS: readonly ObservationKind[] = [
  ...VITAL_DEFINITIONS.filter((v) => v !== BP_SYSTOLIC && v !== BP_DIASTOLIC).map((v) => ({
    key: v.code.toLowerCase(),
    vitals: [v.id],
    coding: vitalCoding(v),
    profile: PROFILE[v.code] ? `http://hl7.org/fhir/StructureDefinition/${PROFILE[v.code]}` : null,
    display: DISPLAY[v.code]!,
  })),
  BLOOD_PRESSURE,
].sort((a, b) => a.vitals[0]! - b.vitals[0]!);

/** The kind a stored vital belongs to (systolic and diastolic → the panel). */
export const kindOfVital = (vitalId: number): ObservationKind => OBSERVATION_KINDS.find((k) => k.vitals.includes(vitalId))!;
export const kindByKey = (key: string): ObservationKind | undefined => OBSERVATION_KINDS.find((k) => k.key === key);

/**
 * The kinds a `code` token names: any LOINC or MDC coding of the kind, and the component codes
 * of the panel (8480-6, 8462-4) name the panel, whose components they are.
 */
export function kindsForCode(system: string | null, code: string): ObservationKind[] {
  return OBSERVATION_KINDS.filter((kind) => {
    const codings = kind === BLOOD_PRESSURE ? [...kind.coding, ...vitalCoding(BP_SYSTOLIC), ...vitalCoding(BP_DIASTOLIC)] : kind.coding;
    return codings.some((c) => c.code === code && (system === null || c.system === system));
  });
}

export { BP_DIASTOLIC, BP_SYSTOLIC };
