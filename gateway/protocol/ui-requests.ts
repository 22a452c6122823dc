/**
 * The parameters of every UI channel request, as TypeBox schemas, and the channel's own error
 * codes. The gateway checks each request against its schema before a handler runs, so handlers
 * receive typed values and a malformed request gets one bounded `invalid_params` answer. Pure: no
 * Node or DOM APIs (the renderer imports only the types derived from here).
 */
import { Type, type Static } from '@sinclair/typebox';
import { VITAL_CODES } from './vitals.js';
import { WAVE_CODES } from './wave-frames.js';

const Id = Type.String({ minLength: 1, maxLength: 128 });
/** Epoch milliseconds. */
const Time = Type.Number();
const Code = Type.Union(VITAL_CODES.map((code) => Type.Literal(code)));
const NoParams = Type.Object({});

export const UI_PARAMS = {
  'ward.snapshot': NoParams,
  'station.status': NoParams,
  'station.setup': NoParams,
  'ward.sparklines': NoParams,
  'session.nurses': NoParams,
  'session.signIn': Type.Object({ nurseId: Type.String({ maxLength: 128 }), pin: Type.String({ maxLength: 64 }) }),
  'session.resume': Type.Object({ sessionKey: Type.String({ maxLength: 1024 }) }),
  'session.signOut': Type.Object({ sessionKey: Type.Optional(Type.String({ maxLength: 1024 })) }),
  'alarms.view': NoParams,
  'alarms.history': Type.Object({ bedId: Id, from: Time, to: Time }),
  'alarms.review': Type.Object({ bedId: Type.Optional(Type.Union([Id, Type.Null()])), from: Time, to: Time, limit: Type.Optional(Type.Number()) }),
  'alarms.acknowledge': Type.Object({ alarmId: Id, reason: Type.Optional(Type.Union([Type.String({ maxLength: 1000 }), Type.Null()])) }),
  'alarms.pauseAudio': NoParams,
  'alarms.limits': Type.Object({ bedId: Id }),
  'alarms.setLimits': Type.Object({ bedId: Id, code: Code, low: Type.Optional(Type.Number()), high: Type.Optional(Type.Number()) }),
  'ward.admit': Type.Object({
    bedId: Id,
    mrn: Type.String({ maxLength: 64 }),
    name: Type.String({ maxLength: 200 }),
    birthDate: Type.Optional(Type.Union([Type.String({ maxLength: 10 }), Type.Null()])),
  }),
  'ward.discharge': Type.Object({ bedId: Id }),
  'ward.transfer': Type.Object({ fromBedId: Id, toBedId: Id }),
  'devices.assign': Type.Object({ deviceId: Id, bedId: Type.Union([Id, Type.Null()]) }),
  'waves.subscribe': Type.Object({ bedIds: Type.Array(Id, { maxItems: 256 }), waves: Type.Array(Type.Union(WAVE_CODES.map((code) => Type.Literal(code))), { maxItems: WAVE_CODES.length }) }),
  'trend.get': Type.Object({ bedId: Id, code: Code, from: Time, to: Time, maxPoints: Type.Optional(Type.Number()) }),
  'waves.review': Type.Object({ bedId: Id, from: Time, to: Time }),
} as const;

export type UiParams = { [M in keyof typeof UI_PARAMS]: Static<(typeof UI_PARAMS)[M]> };

/**
 * Codes of the channel itself. Refusals from the ward's records pass through with their own
 * upper-case codes (BED_OCCUPIED, SIGN_IN_FAILED, …; see the gateway's error catalogue).
 */
export const UI_ERROR_CODES = [
  /** No such method. */
  'unknown_method',
  /** The parameters do not match the method's schema, or contradict each other (from after to). */
  'invalid_params',
  /** The change is recorded with a nurse's name: sign in first. */
  'sign_in_required',
  /** The session key is unknown, expired, or its nurse was disabled. */
  'session_expired',
  /** Anything unexpected; the gateway logs it. */
  'internal',
] as const;

export type UiErrorCode = (typeof UI_ERROR_CODES)[number];
