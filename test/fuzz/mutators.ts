/**
 * Mutations of valid device input, for the fuzz script: byte-level damage (flips, cuts, inserted
 * noise) and structure-level damage (wrong types, impossible values, huge and deeply nested
 * fields, framing bytes inside a message). Deterministic for a seed.
 */
import { frameMllp } from '../../gateway/ingest/hl7/mllp-framing.js';

export type Random = () => number;

/** mulberry32: small, fast, good enough to pick mutations reproducibly. */
export function prng(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const int = (random: Random, n: number) => Math.floor(random() * n);

function noise(random: Random, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += String.fromCharCode(pick(random, [int(random, 32), 32 + int(random, 95), 0x80 + int(random, 0x780), 0xd800 + int(random, 0x800), 0xfeff]));
  return out;
}

function flipBytes(random: Random, text: string, count: number): string {
  const bytes = Buffer.from(text, 'utf8');
  for (let i = 0; i < count; i++) bytes[int(random, bytes.length)] ^= 1 << int(random, 8);
  return bytes.toString('latin1');
}

/** A WebSocket frame: text (most often) or a binary buffer. */
export function mutateFrame(random: Random, base: { type: string; seq: number; ts: number; vitals: Record<string, number> }): string | Buffer {
  const text = JSON.stringify(base);
  // The costly shapes (thousands of keys, deep nesting, frames over the size limit) one time in
  // twenty: enough of them to matter, not so many that generating them is the whole run.
  const costly = [7, 9, 12, 15];
  const choice = random() < 0.05 ? pick(random, costly) : pick(random, [0, 1, 2, 3, 4, 5, 6, 8, 10, 11, 13]);
  switch (choice) {
    case 0:
      return flipBytes(random, text, 1 + int(random, 4));
    case 1:
      return text.slice(0, int(random, text.length));
    case 2: {
      const at = int(random, text.length);
      return text.slice(0, at) + noise(random, 1 + int(random, 40)) + text.slice(at);
    }
    case 3:
      return JSON.stringify({ ...base, seq: pick(random, ['5', -1, 1.5, null, 1e300, {}, [base.seq], true]) });
    case 4:
      return JSON.stringify({ ...base, ts: pick(random, ['yesterday', 0, -1, 1e20, Date.UTC(2010, 0, 1), Date.now() + 3600_000, '2026-01-01T00:00', null, {}, '9999-12-31T23:59:59Z']) });
    case 15: {
      // Thousands of unknown codes, with or without one good value (built as text: fast).
      const keys = Array.from({ length: 1 + int(random, 3000) }, (_, i) => `${JSON.stringify(noise(random, 3) + i)}:${random() * 1e6}`);
      if (random() < 0.5) keys.push('"HR":70');
      return `{"type":"obs","seq":${base.seq},"ts":${base.ts},"vitals":{${keys.join(',')}}}`;
    }
    case 5: {
      const vitals = pick(random, [[], null, 'x', { HR: 'x' }, { HR: -5 }, { SPO2: 101 }, { TEMP: 1e308 }, JSON.parse('{"__proto__":{"polluted":1},"constructor":2,"HR":71}'), { HR: 70, SPO2: -0 }]);
      return JSON.stringify({ ...base, vitals });
    }
    case 6:
      return JSON.stringify({ ...base, type: pick(random, ['ack', 'OBS', 1, null, 'x'.repeat(1 + int(random, 2000)), 'error']) });
    case 7: {
      const depth = 1 + int(random, 20_000);
      return '['.repeat(depth) + ']'.repeat(depth);
    }
    case 8:
      return Buffer.from(Array.from({ length: 1 + int(random, 512) }, () => int(random, 256)));
    case 9:
      return JSON.stringify({ ...base, pad: 'p'.repeat(65 * 1024 + int(random, 200 * 1024)) });
    case 10:
      return pick(random, ['', ' ', 'null', '0', '""', '{}', '[]', '\u0000']);
    case 11:
      return `{"type":"obs","seq":${base.seq},"seq":"${base.seq}","ts":${base.ts},"vitals":{"HR":70,"HR":"x"}}`;
    case 12:
      return `${JSON.stringify(base).slice(0, -1)},${Array.from({ length: 1 + int(random, 5000) }, (_, i) => `"k${i}":${i}`).join(',')}}`;
    default:
      // Valid, at the edges of the accepted ranges.
      return JSON.stringify({ ...base, vitals: { NIBP_SYS: pick(random, [10, 300, 120]), NIBP_DIA: pick(random, [5, 250, 80]), TEMP: pick(random, [25, 45, 36.6]), SPO2: pick(random, [0, 100]) } });
  }
}

/** An HL7 message as bytes on the wire: usually framed, sometimes with framing damage. */
export function mutateHl7(random: Random, message: string): Buffer {
  const segments = message.split('\r');
  let text = message;
  switch (int(random, 16)) {
    case 0:
      text = flipBytes(random, message, 1 + int(random, 6));
      break;
    case 1:
      text = message.slice(0, int(random, message.length));
      break;
    case 2:
      segments.splice(int(random, segments.length), 1);
      text = segments.join('\r');
      break;
    case 3: {
      const i = int(random, segments.length);
      segments.splice(i, 0, segments[i]!);
      text = segments.join('\r');
      break;
    }
    case 4:
      text = message.replace('MSH|^~\\&', pick(random, ['MSH#^~\\&', 'MSH|||||', 'MSH|^', 'MSH', 'MSX|^~\\&', 'MSH|a~\\&']));
      break;
    case 5:
      text = message.replace(/\|97\|/, `|${pick(random, ['abc', '1e999', '-5', '9'.repeat(400), '', '97.5.1', 'NaN', '+', '0x61'])}|`);
      break;
    case 6:
      text = message.replace('262688^MDC_DIM_PERCENT^MDC', pick(random, ['kPa^kPa^UCUM', '', 'degF', '999999^X^MDC', '%%%']));
      break;
    case 7:
      text = message.replace(/\d{14}\+0000/g, pick(random, ['20100101000000+0000', '29991231000000+0000', '2026', 'yesterday', '20261340256161+9999', '']));
      break;
    case 8:
      text = message.replace('ORU^R01^ORU_R01', pick(random, ['ADT^A01', 'ORU^R30', '', 'ORU']));
      break;
    case 9:
      text = message.replace('FUZZ-HL7^', `${pick(random, ['NOBODY', '', 'FUZZ-HL8', '\\F\\'])}^`);
      break;
    case 10:
      text = message.replace('FUZZ-MRN', 'x'.repeat(100_000 + int(random, 200_000)));
      break;
    case 11: {
      // Framing bytes inside the message: start or end blocks where none belong.
      const at = int(random, message.length);
      return Buffer.concat([frameMllp(message.slice(0, at)).subarray(0, 1 + at), Buffer.from([pick(random, [0x0b, 0x1c, 0x0d])]), Buffer.from(message.slice(at)), Buffer.from([0x1c, 0x0d])]);
    }
    case 12:
      // Bytes outside a frame before a good one.
      return Buffer.concat([Buffer.from(noise(random, 1 + int(random, 200)), 'latin1'), frameMllp(message)]);
    case 13:
      text = message.replace(/\r/g, pick(random, ['\n', '\r\n', '\n\r', '']));
      break;
    case 14:
      text = message.replace('|72|', `|${pick(random, ['\\X41\\', '\\', '\\E\\E\\', '\\H\\72\\N\\', '\\Zfoo\\'])}|`);
      break;
    default:
      break;
  }
  return frameMllp(text);
}
