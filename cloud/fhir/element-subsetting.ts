import type { FhirResource } from 'fhir/r4.js';
import { invalidSearch } from './operation-outcome.js';

const SUBSETTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED', display: 'subsetted' };
/** Kept whatever `_elements` names (FHIR R4 §3.1.1.5.9: the mandatory and modifier elements). */
const ALWAYS = new Set(['resourceType', 'id', 'meta', 'status']);

/** `valueQuantity` → `value`: a choice element is asked for by its name without the type. */
const choiceName = (name: string): string => name.replace(/^([a-z][a-zA-Z]*?)(Quantity|DateTime|Period|String|Integer|Boolean|CodeableConcept)$/, '$1');

/**
 * `_summary` and `_elements`, applied to the mapped resources (cheap: no query changes).
 * `_summary=false` and `_summary=data` give whole resources (the facade writes no narrative, so
 * the two are the same); `_summary=true|text|count` are not offered and are refused.
 */
export function subsetter(summary: string | undefined, elements: string | undefined): (resource: FhirResource) => FhirResource {
  if (summary !== undefined && summary !== 'false' && summary !== 'data') throw invalidSearch(`_summary=${summary.slice(0, 20)} is not supported; use _summary=data, or _elements`);
  if (elements === undefined) return (resource) => resource;
  const names = new Set(elements.split(',').map((name) => name.trim()).filter(Boolean));
  for (const name of names) if (!/^[a-zA-Z][a-zA-Z0-9]*$/.test(name)) throw invalidSearch(`_elements: ${JSON.stringify(name.slice(0, 40))} is not an element name`);
  return (resource) => {
    const kept: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(resource)) if (ALWAYS.has(name) || names.has(name) || names.has(choiceName(name))) kept[name] = value;
    const meta = (resource.meta ?? {}) as NonNullable<FhirResource['meta']>;
    kept.meta = { ...meta, tag: [...(meta.tag ?? []), SUBSETTED] };
    return kept as unknown as FhirResource;
  };
}
