/**
 * The typed UI channel between the gateway and the renderer: a WebSocket on loopback
 * (`ws://127.0.0.1:UI_PORT/ui?token=...`). The same messages reach the Electron window and a
 * browser on a second screen. Pure types and constants: no Node, no DOM.
 */
import type { VitalCode } from './vitals.js';
import type { AlarmEvent, AlarmView } from './alarm-types.js';
import type { UiErrorCode, UiParams } from './ui-requests.js';
import type { WaveCode } from './wave-frames.js';

export type DeviceConnectionState = 'connected' | 'disconnected' | 'never_seen';

export interface UiDevice {
  readonly id: string;
  readonly model: string;
  readonly transport: 'websocket' | 'hl7' | 'serial';
  readonly bedId: string | null;
  readonly state: DeviceConnectionState;
  /** Epoch ms of the last stored observation, or null. */
  readonly lastSeen: number | null;
  readonly rejectedFrames: number;
  /** Technical problems the device reports now, e.g. `sensor_off`, `port_lost`, `invalid_value:SPO2`. */
  readonly conditions: readonly string[];
}

export interface UiPatient {
  readonly id: number;
  readonly mrn: string;
  readonly name: string;
  readonly birthDate: string | null;
}

/** Latest value of one vital at a bed and when it was measured. */
export interface LatestValue {
  readonly value: number;
  readonly ts: number;
}

export interface UiBed {
  readonly id: string;
  readonly label: string;
  readonly patient: UiPatient | null;
  readonly latest: Partial<Record<VitalCode, LatestValue>>;
}

export interface WardSnapshot {
  readonly stationName: string;
  readonly beds: readonly UiBed[];
  readonly devices: readonly UiDevice[];
}

/** Vitals that changed at one bed since the previous push. */
export interface BedVitalsUpdate {
  readonly bedId: string;
  readonly ts: number;
  readonly values: Partial<Record<VitalCode, number>>;
}

/** Messages the gateway pushes. */
/** Live samples of one wave of a bed, as received (before storage), for the tiles' strips. */
export interface BedWaveUpdate {
  readonly bedId: string;
  readonly wave: WaveCode;
  readonly startTs: number;
  readonly sampleRate: number;
  readonly scale: number;
  readonly offset: number;
  /** Raw values; -32768 is no sample (a gap). */
  readonly samples: readonly number[];
}

export type UiEvent =
  | { readonly type: 'snapshot'; readonly ward: WardSnapshot }
  | { readonly type: 'status'; readonly status: StationStatus }
  | { readonly type: 'alarms'; readonly events: readonly AlarmEvent[]; readonly view: AlarmView }
  | { readonly type: 'vitals'; readonly updates: readonly BedVitalsUpdate[] }
  | { readonly type: 'device'; readonly device: UiDevice }
  /** Only to screens that subscribed to the bed and wave (`waves.subscribe`). */
  | { readonly type: 'wave'; readonly update: BedWaveUpdate };

/** One stretch of a stored wave with no gap inside (a gap in time starts a new one). */
export interface StoredWaveStretch {
  readonly startTs: number;
  readonly sampleRate: number;
  readonly scale: number;
  readonly offset: number;
  /** Raw values; -32768 is no sample (a gap the device marked). */
  readonly samples: readonly number[];
}

/** Full disclosure of the patient now in a bed over [from, to): every stored sample of each wave. */
export interface WaveReview {
  readonly bedId: string;
  readonly from: number;
  readonly to: number;
  readonly waves: Readonly<Partial<Record<WaveCode, readonly StoredWaveStretch[]>>>;
}

/** A downsampled trend: min/max/mean per bucket, so short events survive downsampling. */
export interface TrendSeries {
  readonly bedId: string;
  readonly code: VitalCode;
  readonly bucketMs: number;
  readonly points: ReadonlyArray<{ readonly ts: number; readonly min: number; readonly max: number; readonly avg: number }>;
}

/** What the status bar shows: sync progress and local storage use. */
export interface StationStatus {
  readonly sync: {
    readonly enabled: boolean;
    readonly queuedRows: number;
    readonly lastSuccessAt: number | null;
    readonly consecutiveFailures: number;
    readonly lastError: string | null;
  };
  readonly storage: { readonly bytes: number; readonly budgetBytes: number; readonly nearBudget: boolean };
}

/** One alarm from start to end in the review: what, when, how long, who acknowledged or paused it. */
export interface AlarmReviewEntry {
  readonly alarmId: string;
  readonly condition: string;
  readonly type: 'physiological' | 'technical';
  readonly priority: 'PH' | 'PM' | 'PL';
  readonly bedId: string | null;
  readonly deviceId: string | null;
  readonly value: number | null;
  readonly limit: number | null;
  readonly startedAt: number;
  /** Null while the alarm is still present. */
  readonly endedAt: number | null;
  /** `nurse:ID`, or `screen:unsigned` for an audio pause without a sign-in. */
  readonly acknowledgedBy: string | null;
  readonly acknowledgedAt: number | null;
  readonly pausedBy: string | null;
  readonly pausedAt: number | null;
}

export interface SignedInNurse {
  readonly id: string;
  readonly name: string;
  readonly sessionKey: string;
  readonly expiresAt: number;
}

/** What the set-up screen of a station with no beds shows IT: where and how to configure the ward. */
export interface StationSetup {
  /** The configuration file read, or where the station looks for one. */
  readonly configFile: string;
  readonly configFileExists: boolean;
  readonly dataDir: string;
  /** How IT runs the station's commands on this machine, e.g. `ward-station` (ends before the sub-command). */
  readonly command: string;
  /** Options every command needs here to reach this station's database (e.g. `--data-dir …`), or ''. */
  readonly commandOptions: string;
  readonly demo: boolean;
  readonly cloud: { readonly url: string; readonly stationId: string } | null;
}

/** Request/response methods the renderer may call: name → params and result. */
export interface UiMethods {
  'ward.snapshot': { params: UiParams['ward.snapshot']; result: WardSnapshot };
  'station.status': { params: UiParams['station.status']; result: StationStatus };
  'station.setup': { params: UiParams['station.setup']; result: StationSetup };
  /** The last ten minutes of HR and SpO₂ per bed as [ts, value] (one point per 5 s at most), for the tiles' sparklines. */
  'ward.sparklines': { params: UiParams['ward.sparklines']; result: Readonly<Record<string, Partial<Record<'HR' | 'SPO2', ReadonlyArray<readonly [number, number]>>>>> };
  'session.nurses': { params: UiParams['session.nurses']; result: ReadonlyArray<{ id: string; name: string }> };
  /** Signs a nurse in at this screen; `sessionKey` resumes the sign-in after a reconnect until `expiresAt`. */
  'session.signIn': { params: UiParams['session.signIn']; result: SignedInNurse };
  'session.resume': { params: UiParams['session.resume']; result: SignedInNurse };
  'session.signOut': { params: UiParams['session.signOut']; result: { ok: true } };
  'alarms.view': { params: UiParams['alarms.view']; result: AlarmView };
  /** Alarm starts of the patient now in `bedId`, for marking trends (newest 500). */
  'alarms.history': { params: UiParams['alarms.history']; result: ReadonlyArray<{ at: number; condition: string; priority: 'PH' | 'PM' | 'PL' }> };
  /** Alarm review from the stored events, newest first: the ward's, or one bed's (with its current patient's). */
  'alarms.review': { params: UiParams['alarms.review']; result: readonly AlarmReviewEntry[] };
  'alarms.acknowledge': { params: UiParams['alarms.acknowledge']; result: { ok: true } };
  /** Needs no signed-in nurse: silencing is never held up (recorded with the nurse, or as the screen). */
  'alarms.pauseAudio': { params: UiParams['alarms.pauseAudio']; result: { ok: true } };
  /** Effective alarm limits of a bed (ward defaults unless changed for this bed). */
  'alarms.limits': { params: UiParams['alarms.limits']; result: Partial<Record<VitalCode, { low?: number; high?: number }>> };
  'alarms.setLimits': { params: UiParams['alarms.setLimits']; result: { low?: number; high?: number } };
  'ward.admit': { params: UiParams['ward.admit']; result: { ok: true } };
  'ward.discharge': { params: UiParams['ward.discharge']; result: { ok: true } };
  'ward.transfer': { params: UiParams['ward.transfer']; result: { ok: true } };
  'devices.assign': { params: UiParams['devices.assign']; result: { ok: true } };
  /** Trend of the patient now in `bedId`, read from SQLite; at most `maxPoints` buckets. */
  /** Live wave frames of these beds (the tiles on screen), replacing the previous subscription; at most 256 beds. */
  'waves.subscribe': { params: UiParams['waves.subscribe']; result: { ok: true } };
  'trend.get': { params: UiParams['trend.get']; result: TrendSeries };
  /** Stored waves (full disclosure) of the patient now in `bedId`, at most a minute at a time. */
  'waves.review': { params: UiParams['waves.review']; result: WaveReview };
}

export type UiMethodName = keyof UiMethods;

export interface UiRequest<M extends UiMethodName = UiMethodName> {
  readonly type: 'request';
  readonly id: number;
  readonly method: M;
  readonly params: UiMethods[M]['params'];
}

export type UiResponse =
  | { readonly type: 'response'; readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly type: 'response'; readonly id: number; readonly ok: false; readonly error: { readonly code: UiErrorCode | (string & {}); readonly message: string } };

export type UiServerMessage = UiEvent | UiResponse;

/** How often pushed vitals are coalesced: fast enough to look live, slow enough for 500 beds. */
export const UI_PUSH_INTERVAL_MS = 250;

/**
 * `GET` with `Authorization: Bearer TOKEN`: 204 when the token is the station's, 401 when not. A
 * browser hides why a WebSocket upgrade failed; this lets the page tell "wrong link" from
 * "station down".
 */
export const TOKEN_CHECK_PATH = '/ui/token-check';

/** What the renderer needs to reach the gateway; given by the preload or the page URL. */
export interface GatewayConnection {
  /** e.g. `ws://127.0.0.1:7401/ui` */
  readonly url: string;
  readonly token: string;
}
