import { describe, expect, it } from 'vitest';
import { encodeWaveFrame, MAX_WAVE_FRAME_BYTES, parseWaveFrame, WAVE_HEADER_BYTES, type WaveFrame } from './wave-frames.js';

const NOW = Date.UTC(2026, 10, 24, 12, 0, 0);

const frame = (over: Partial<WaveFrame> = {}): WaveFrame => ({
  seq: 7,
  startTs: NOW,
  wave: 'ECG_II',
  sampleRate: 250,
  scale: 0.005,
  offset: 0,
  samples: Int16Array.from([0, 10, 200, -40, -32768]),
  ...over,
});

const hex = (bytes: Uint8Array) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');

describe('wave frames', () => {
  it('round-trips a frame, copying the samples out of the received buffer', () => {
    const bytes = encodeWaveFrame(frame());
    const parsed = parseWaveFrame(bytes, NOW);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.frame).toMatchObject({ seq: 7, startTs: NOW, wave: 'ECG_II', sampleRate: 250, offset: 0 });
    expect(parsed.frame.scale).toBeCloseTo(0.005, 7);
    expect(Array.from(parsed.frame.samples)).toEqual([0, 10, 200, -40, -32768]);
    bytes.fill(0);
    expect(parsed.frame.samples[2]).toBe(200);
  });

  it('reads a frame that sits at an odd offset inside a larger buffer', () => {
    const bytes = encodeWaveFrame(frame());
    const big = new Uint8Array(bytes.length + 3);
    big.set(bytes, 3);
    const parsed = parseWaveFrame(big.subarray(3), NOW);
    expect(parsed.ok && Array.from(parsed.frame.samples)).toEqual([0, 10, 200, -40, -32768]);
  });

  it('is the worked example of the README, byte for byte', () => {
    const bytes = encodeWaveFrame({ seq: 1, startTs: 1_764_000_000_000, wave: 'ECG_II', sampleRate: 250, scale: 0.005, offset: 0, samples: Int16Array.from([0, 20, 200, -30]) });
    expect(hex(bytes)).toBe(
      '57 56 01 00 01 00 00 00 00 e8 97 b6 9a 01 00 00 02 01 02 00 fa 00 04 00 0a d7 a3 3b 00 00 00 00 00 00 14 00 c8 00 e2 ff',
    );
  });

  it.each([
    ['empty', new Uint8Array(0), 'wave_truncated'],
    ['a header cut short', encodeWaveFrame(frame()).subarray(0, 20), 'wave_truncated'],
    ['samples missing', encodeWaveFrame(frame()).subarray(0, WAVE_HEADER_BYTES + 4), 'wave_truncated'],
    ['too large', new Uint8Array(MAX_WAVE_FRAME_BYTES + 1), 'frame_too_large'],
    ['JSON sent as binary', new TextEncoder().encode('{"type":"obs","seq":1}'), 'wave_bad_magic'],
  ])('refuses %s with a clear code', (_name, bytes, code) => {
    const parsed = parseWaveFrame(bytes, NOW);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.code).toBe(code);
  });

  const patched = (write: (v: DataView) => void) => {
    const bytes = encodeWaveFrame(frame());
    write(new DataView(bytes.buffer, 0));
    return parseWaveFrame(bytes, NOW);
  };

  it.each([
    ['bad magic', 0, (v: DataView) => v.setUint8(0, 0x7b), 'wave_bad_magic', null],
    ['a newer version', 2, (v: DataView) => v.setUint8(2, 2), 'wave_unsupported_version', null],
    ['an unknown wave code', 16, (v: DataView) => v.setUint32(16, 150456, true), 'wave_unknown_code', 7],
    ['a rate below 125 Hz', 20, (v: DataView) => v.setUint16(20, 100, true), 'wave_bad_rate', 7],
    ['a rate above 500 Hz', 20, (v: DataView) => v.setUint16(20, 1000, true), 'wave_bad_rate', 7],
    ['zero samples', 22, (v: DataView) => v.setUint16(22, 0, true), 'wave_bad_count', 7],
    ['a NaN scale', 24, (v: DataView) => v.setFloat32(24, Number.NaN, true), 'wave_bad_scale', 7],
    ['a zero scale', 24, (v: DataView) => v.setFloat32(24, 0, true), 'wave_bad_scale', 7],
    ['an infinite offset', 28, (v: DataView) => v.setFloat32(28, Number.POSITIVE_INFINITY, true), 'wave_bad_scale', 7],
    ['a negative time', 8, (v: DataView) => v.setBigInt64(8, -1n, true), 'invalid_ts', 7],
    ['a time an hour ahead', 8, (v: DataView) => v.setBigInt64(8, BigInt(NOW + 3600_000), true), 'ts_out_of_bounds', 7],
  ])('refuses %s, naming the seq once it is readable', (_name, _at, write, code, seq) => {
    const parsed = patched(write);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.code).toBe(code);
    expect(parsed.seq).toBe(seq);
    expect(parsed.message.length).toBeLessThanOrEqual(300);
  });

  it('refuses more than 2 s of samples at the frame rate', () => {
    const parsed = parseWaveFrame(encodeWaveFrame(frame({ sampleRate: 125, samples: new Int16Array(251) })), NOW);
    expect(!parsed.ok && parsed.code).toBe('wave_bad_count');
    expect(parseWaveFrame(encodeWaveFrame(frame({ sampleRate: 125, samples: new Int16Array(250) })), NOW).ok).toBe(true);
  });
});
