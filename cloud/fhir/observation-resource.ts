import type { Extension, Observation, ObservationComponent, Quantity } from 'fhir/r4.js';
import { vitalById } from '../../gateway/protocol/vitals.js';
import { BLOOD_PRESSURE, BP_DIASTOLIC, BP_SYSTOLIC, UCUM, VITAL_SIGNS_CATEGORY, VITAL_SIGNS_PROFILE, vitalCoding, type ObservationKind } from './vital-signs.js';

/**
 * Observations from stored vitals (pure): a raw sample group, or a rollup bucket. A rollup bucket
 * is one Observation whose value is the bucket's mean, its period the bucket, and its minimum,
 * maximum and sample count in the BUCKET_STATISTICS extension (on the component for the panel),
 * so a client that ignores the extension still reads a correct mean.
 */
export const BUCKET_STATISTICS = 'urn:ward-cloud:fhir:StructureDefinition:bucket-statistics';

/** One stored sample of each vital of the group, measured at the same instant by the same device. */
export interface SampleGroup {
  readonly patientId: number;
  readonly kind: ObservationKind;
  /** ISO-8601 UTC with microseconds, and the same instant in epoch microseconds (for the id). */
  readonly at: string;
  readonly micros: string;
  readonly deviceRef: number;
  readonly values: ReadonlyMap<number, number>;
}

export interface BucketStatistics {
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly count: number;
}

export interface BucketGroup {
  readonly patientId: number;
  readonly kind: ObservationKind;
  /** Rollup width: 1m, 5m, 1h or 1d. */
  readonly width: string;
  readonly start: string;
  readonly end: string;
  readonly startMs: number;
  readonly stats: ReadonlyMap<number, BucketStatistics>;
}

function quantity(vitalId: number, value: number): Quantity {
  const vital = vitalById(vitalId)!;
  return { value, unit: vital.unit, system: UCUM, code: vital.unit };
}

const DATA_ABSENT = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/data-absent-reason', code: 'not-performed', display: 'Not Performed' }] };

function statistics(vitalId: number, s: BucketStatistics): Extension {
  return {
    url: BUCKET_STATISTICS,
    extension: [
      { url: 'minimum', valueQuantity: quantity(vitalId, s.min) },
      { url: 'maximum', valueQuantity: quantity(vitalId, s.max) },
      { url: 'count', valueInteger: s.count },
    ],
  };
}

function base(kind: ObservationKind, id: string, patientId: number): Observation {
  return {
    resourceType: 'Observation',
    id,
    meta: { profile: [VITAL_SIGNS_PROFILE, ...(kind.profile ? [kind.profile] : [])] },
    status: 'final',
    category: [{ coding: [VITAL_SIGNS_CATEGORY], text: 'Vital Signs' }],
    code: { coding: [...kind.coding], text: kind.display },
    subject: { reference: `Patient/${patientId}` },
  };
}

function component(vitalId: number, value: number | undefined, extension?: Extension): ObservationComponent {
  const vital = vitalById(vitalId)!;
  return {
    ...(extension ? { extension: [extension] } : {}),
    code: { coding: vitalCoding(vital) },
    ...(value !== undefined ? { valueQuantity: quantity(vitalId, value) } : { dataAbsentReason: DATA_ABSENT }),
  };
}

/** Observation id of a sample group: patient, kind, device and instant (readable back, see parseSampleId). */
export const sampleId = (g: Pick<SampleGroup, 'patientId' | 'kind' | 'deviceRef' | 'micros'>): string => `${g.patientId}-${g.kind.key}-${g.deviceRef}-${g.micros}`;

export function parseSampleId(id: string): { patientId: number; key: string; deviceRef: number; micros: string } | null {
  const m = /^([1-9][0-9]{0,15})-([a-z0-9]+)-([0-9]{1,10})-(-?[0-9]{1,20})$/.exec(id);
  if (!m) return null;
  return { patientId: Number(m[1]), key: m[2]!, deviceRef: Number(m[3]), micros: m[4]! };
}

export function sampleObservation(g: SampleGroup): Observation {
  const observation: Observation = { ...base(g.kind, sampleId(g), g.patientId), effectiveDateTime: g.at };
  if (g.kind === BLOOD_PRESSURE) {
    observation.component = [component(BP_SYSTOLIC.id, g.values.get(BP_SYSTOLIC.id)), component(BP_DIASTOLIC.id, g.values.get(BP_DIASTOLIC.id))];
  } else {
    const vitalId = g.kind.vitals[0]!;
    observation.valueQuantity = quantity(vitalId, g.values.get(vitalId)!);
  }
  return observation;
}

export function bucketObservation(g: BucketGroup): Observation {
  const id = `${g.patientId}-${g.kind.key}-${g.width}-${g.startMs}`;
  const observation: Observation = { ...base(g.kind, id, g.patientId), effectivePeriod: { start: g.start, end: g.end } };
  if (g.kind === BLOOD_PRESSURE) {
    observation.component = [BP_SYSTOLIC.id, BP_DIASTOLIC.id].map((vitalId) => {
      const s = g.stats.get(vitalId);
      return component(vitalId, s?.mean, s ? statistics(vitalId, s) : undefined);
    });
  } else {
    const vitalId = g.kind.vitals[0]!;
    const s = g.stats.get(vitalId)!;
    observation.valueQuantity = quantity(vitalId, s.mean);
    observation.extension = [statistics(vitalId, s)];
  }
  return observation;
}
