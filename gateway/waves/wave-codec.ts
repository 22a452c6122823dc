import { deflateRawSync, inflateRawSync } from 'node:zlib';

/**
 * How a block's samples are stored. 1: second-order differences (each sample minus the straight
 * line through the two before it), zig-zag LEB128 varints, then raw deflate. Physiological waves
 * are smooth at 125–500 Hz, so most second differences fit in one byte and repeat; deflate then
 * finds the repeats. On the demo waves this is about 0.5 byte/sample of payload, against 0.6
 * for first differences and 1.35 for deflate of the raw samples (the waves bench prints these
 * side by side, with gzip and brotli).
 */
export const WAVE_ENCODING_DELTA2_DEFLATE = 1;

/** Largest varint of a zig-zagged second difference of int16 samples (|dd| < 2^18): 3 bytes. */
const MAX_VARINT_BYTES = 3;

export function deltaVarints(samples: Int16Array, order: 1 | 2 = 2): Uint8Array {
  const out = new Uint8Array(samples.length * MAX_VARINT_BYTES);
  let n = 0;
  let previous = 0;
  let previousDelta = 0;
  for (let i = 0; i < samples.length; i++) {
    const delta = samples[i]! - previous;
    previous = samples[i]!;
    const value = order === 2 ? delta - previousDelta : delta;
    previousDelta = delta;
    let zigzag = ((value << 1) ^ (value >> 31)) >>> 0;
    while (zigzag >= 0x80) {
      out[n++] = (zigzag & 0x7f) | 0x80;
      zigzag >>>= 7;
    }
    out[n++] = zigzag;
  }
  return out.subarray(0, n);
}

export function encodeWaveSamples(samples: Int16Array): Buffer {
  return deflateRawSync(deltaVarints(samples));
}

/** Inverse of `encodeWaveSamples`; throws on a corrupt block or one of another length. */
export function decodeWaveSamples(data: Uint8Array, count: number): Int16Array {
  const bytes = inflateRawSync(data);
  const samples = new Int16Array(count);
  let previous = 0;
  let previousDelta = 0;
  let p = 0;
  for (let i = 0; i < count; i++) {
    let zigzag = 0;
    let shift = 0;
    for (;;) {
      if (p >= bytes.length) throw new Error(`wave block holds fewer than ${count} samples`);
      const b = bytes[p++]!;
      zigzag |= (b & 0x7f) << shift;
      if (b < 0x80) break;
      shift += 7;
    }
    const dd = (zigzag >>> 1) ^ -(zigzag & 1);
    const delta = previousDelta + dd;
    previousDelta = delta;
    previous += delta;
    samples[i] = previous;
  }
  if (p !== bytes.length) throw new Error(`wave block holds more than ${count} samples`);
  return samples;
}
