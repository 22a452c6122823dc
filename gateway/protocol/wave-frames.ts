/**
 * Waveform frames of the WebSocket device protocol: one binary WebSocket message carries a run of
 * samples of one wave. Pure (DataView / Uint8Array only), shared by the gateway, the demo
 * monitors, the renderer and any integrator's client. The README documents the layout byte by byte.
 *
 *   offset size type      field
 *   0      2    bytes     magic "WV" (0x57 0x56)
 *   2      1    u8        version (1)
 *   3      1    u8        reserved, 0
 *   4      4    u32       seq: the device's wave sequence (its own, separate from numeric frames)
 *   8      8    i64       start time of the first sample, epoch milliseconds
 *   16     4    u32       wave code (an MDC code, table WAVES)
 *   20     2    u16       sample rate, Hz (125–500)
 *   22     2    u16       sample count (1 to 2 s of samples)
 *   24     4    f32       scale: physical value = raw × scale + offset, in the wave's unit
 *   28     4    f32       offset
 *   32     2×n  i16[]     samples; -32768 means "no sample" (lead off, probe off): drawn as a gap
 *
 * All numbers little-endian.
 */
import { deviceClockFault, type ClockFault } from './device-time.js';

export const WAVE_MAGIC_0 = 0x57;
export const WAVE_MAGIC_1 = 0x56;
export const WAVE_FRAME_VERSION = 1;
export const WAVE_HEADER_BYTES = 32;
export const MIN_SAMPLE_RATE = 125;
export const MAX_SAMPLE_RATE = 500;
/** A frame carries at most 2 s of samples: a strip on screen never waits longer than that. */
export const MAX_FRAME_SECONDS = 2;
export const MAX_SAMPLES_PER_FRAME = MAX_SAMPLE_RATE * MAX_FRAME_SECONDS;
export const MAX_WAVE_FRAME_BYTES = WAVE_HEADER_BYTES + 2 * MAX_SAMPLES_PER_FRAME;
/** Raw value of a missing sample. */
export const NO_SAMPLE = -32768;

export type WaveCode = 'ECG_II' | 'PLETH' | 'RESP';

export interface WaveDefinition {
  readonly code: WaveCode;
  readonly mdc: number;
  readonly mdcName: string;
  readonly label: string;
  /** UCUM unit of the physical value. */
  readonly unit: string;
}

/** The waves the station accepts, by MDC code (IEEE 11073-10101). */
export const WAVES: Readonly<Record<WaveCode, WaveDefinition>> = {
  ECG_II: { code: 'ECG_II', mdc: 131330, mdcName: 'MDC_ECG_ELEC_POTL_II', label: 'ECG II', unit: 'mV' },
  PLETH: { code: 'PLETH', mdc: 150452, mdcName: 'MDC_PULS_OXIM_PLETH', label: 'Pleth', unit: '1' },
  RESP: { code: 'RESP', mdc: 151780, mdcName: 'MDC_IMPED_TTHOR', label: 'Resp', unit: 'Ohm' },
};

export const WAVE_CODES = Object.keys(WAVES) as WaveCode[];

const BY_MDC = new Map<number, WaveDefinition>(Object.values(WAVES).map((w) => [w.mdc, w]));

export function waveByMdc(mdc: number): WaveDefinition | undefined {
  return BY_MDC.get(mdc);
}

export interface WaveFrame {
  readonly seq: number;
  readonly startTs: number;
  readonly wave: WaveCode;
  readonly sampleRate: number;
  readonly scale: number;
  readonly offset: number;
  /** A copy owned by the frame (never a view into the socket's buffer). */
  readonly samples: Int16Array;
}

export type WaveErrorCode =
  | 'wave_truncated'
  | 'wave_bad_magic'
  | 'wave_unsupported_version'
  | 'wave_unknown_code'
  | 'wave_bad_rate'
  | 'wave_bad_count'
  | 'wave_bad_scale'
  | 'invalid_ts'
  | 'ts_out_of_bounds'
  | 'frame_too_large'
  | 'storage_unavailable';

export type ParsedWaveFrame =
  | { readonly ok: true; readonly frame: WaveFrame }
  | { readonly ok: false; readonly seq: number | null; readonly code: WaveErrorCode; readonly message: string; readonly clockFault?: ClockFault };

/** The station's reply once every wave frame of this connection up to `seq` is committed. */
export interface WaveAckFrame {
  readonly type: 'wave_ack';
  readonly seq: number;
}

/** A refused wave frame; the connection stays usable. */
export interface WaveErrorFrame {
  readonly type: 'wave_error';
  readonly seq: number | null;
  readonly code: WaveErrorCode;
  readonly message: string;
}

/** Validates one binary frame. Any fault rejects the whole frame (a wave has no "good values"). */
export function parseWaveFrame(bytes: Uint8Array, now: number): ParsedWaveFrame {
  if (bytes.byteLength > MAX_WAVE_FRAME_BYTES) {
    return { ok: false, seq: null, code: 'frame_too_large', message: `wave frame of ${bytes.byteLength} bytes exceeds ${MAX_WAVE_FRAME_BYTES}` };
  }
  // Checked first: JSON sent as a binary message is a common client mistake; say so plainly.
  if (bytes.byteLength >= 2 && (bytes[0] !== WAVE_MAGIC_0 || bytes[1] !== WAVE_MAGIC_1)) {
    return { ok: false, seq: null, code: 'wave_bad_magic', message: 'binary frames are wave frames and start with "WV" (0x57 0x56); send JSON as text' };
  }
  if (bytes.byteLength < WAVE_HEADER_BYTES) {
    return { ok: false, seq: null, code: 'wave_truncated', message: `wave frame of ${bytes.byteLength} bytes is shorter than its ${WAVE_HEADER_BYTES}-byte header` };
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes[2] !== WAVE_FRAME_VERSION) {
    return { ok: false, seq: null, code: 'wave_unsupported_version', message: `wave frame version ${bytes[2]} is not supported; send version ${WAVE_FRAME_VERSION}` };
  }
  const seq = view.getUint32(4, true);
  const startTs = Number(view.getBigInt64(8, true));
  if (!Number.isSafeInteger(startTs) || startTs <= 0) {
    return { ok: false, seq, code: 'invalid_ts', message: 'start time must be positive epoch milliseconds' };
  }
  const clockFault = deviceClockFault(startTs, now);
  if (clockFault) {
    return { ok: false, seq, code: 'ts_out_of_bounds', clockFault, message: `start time is ${clockFault === 'ahead' ? 'more than 5 min ahead of' : 'more than 30 days behind'} the station clock; check the device clock` };
  }
  const mdc = view.getUint32(16, true);
  const wave = BY_MDC.get(mdc);
  if (!wave) return { ok: false, seq, code: 'wave_unknown_code', message: `unknown wave code ${mdc}; accepted: ${Object.values(WAVES).map((w) => w.mdc).join(', ')}` };
  const sampleRate = view.getUint16(20, true);
  if (sampleRate < MIN_SAMPLE_RATE || sampleRate > MAX_SAMPLE_RATE) {
    return { ok: false, seq, code: 'wave_bad_rate', message: `sample rate ${sampleRate} Hz is outside ${MIN_SAMPLE_RATE}–${MAX_SAMPLE_RATE} Hz` };
  }
  const count = view.getUint16(22, true);
  if (count === 0 || count > sampleRate * MAX_FRAME_SECONDS) {
    return { ok: false, seq, code: 'wave_bad_count', message: `sample count ${count} must be 1 to ${sampleRate * MAX_FRAME_SECONDS} (${MAX_FRAME_SECONDS} s at ${sampleRate} Hz)` };
  }
  if (bytes.byteLength !== WAVE_HEADER_BYTES + 2 * count) {
    return { ok: false, seq, code: 'wave_truncated', message: `header announces ${count} samples (${WAVE_HEADER_BYTES + 2 * count} bytes) but the frame has ${bytes.byteLength} bytes` };
  }
  const scale = view.getFloat32(24, true);
  const offset = view.getFloat32(28, true);
  if (!Number.isFinite(scale) || scale === 0 || !Number.isFinite(offset)) {
    return { ok: false, seq, code: 'wave_bad_scale', message: 'scale must be finite and non-zero, offset finite' };
  }
  const samples = new Int16Array(count);
  for (let i = 0; i < count; i++) samples[i] = view.getInt16(WAVE_HEADER_BYTES + 2 * i, true);
  return { ok: true, frame: { seq, startTs, wave: wave.code, sampleRate, scale, offset, samples } };
}

/** Builds one frame (devices, the demo ward, tests). */
export function encodeWaveFrame(frame: WaveFrame): Uint8Array {
  const count = frame.samples.length;
  const bytes = new Uint8Array(WAVE_HEADER_BYTES + 2 * count);
  const view = new DataView(bytes.buffer);
  bytes[0] = WAVE_MAGIC_0;
  bytes[1] = WAVE_MAGIC_1;
  bytes[2] = WAVE_FRAME_VERSION;
  view.setUint32(4, frame.seq, true);
  view.setBigInt64(8, BigInt(frame.startTs), true);
  view.setUint32(16, WAVES[frame.wave].mdc, true);
  view.setUint16(20, frame.sampleRate, true);
  view.setUint16(22, count, true);
  view.setFloat32(24, frame.scale, true);
  view.setFloat32(28, frame.offset, true);
  for (let i = 0; i < count; i++) view.setInt16(WAVE_HEADER_BYTES + 2 * i, frame.samples[i]!, true);
  return bytes;
}

/** Time of sample i of a run starting at `startTs` (epoch ms, fractional). */
export function sampleTime(startTs: number, sampleRate: number, i: number): number {
  return startTs + (i * 1000) / sampleRate;
}
