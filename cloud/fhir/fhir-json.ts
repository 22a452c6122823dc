/** The media type of every answer of the facade (FHIR R4's JSON format). */
export const FHIR_JSON = 'application/fhir+json; charset=utf-8';

/** `_format` values that mean JSON (FHIR R4 §3.1.0.1.10); anything else is refused with 406. */
export const JSON_FORMATS = new Set(['json', 'application/json', 'application/fhir+json']);

export const FHIR_VERSION = '4.0.1';
