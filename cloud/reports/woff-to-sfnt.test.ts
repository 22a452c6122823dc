import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { woffToSfnt } from './woff-to-sfnt.js';

const require = createRequire(import.meta.url);
interface Font {
  numGlyphs: number;
  hasGlyphForCodePoint(codePoint: number): boolean;
  layout(text: string): { glyphs: Array<{ id: number }> };
}
/** pdfkit's own font reader (it ships no types). */
const fontkit = require('fontkit') as { create(buffer: Buffer): Font };

describe('woffToSfnt', () => {
  it('unpacks the report font into a TrueType file with the same glyphs', () => {
    const woff = readFileSync(require.resolve('@fontsource/dejavu-sans/files/dejavu-sans-latin-400-normal.woff'));
    const sfnt = woffToSfnt(woff);
    expect(sfnt.readUInt32BE(0)).toBe(0x00010000);
    const original = fontkit.create(woff);
    const unpacked = fontkit.create(sfnt);
    expect(unpacked.numGlyphs).toBe(original.numGlyphs);
    for (const c of '₂°–·≥▼▲●') expect(unpacked.hasGlyphForCodePoint(c.codePointAt(0)!)).toBe(true);
    expect(unpacked.layout('SpO₂').glyphs.map((g) => g.id)).toEqual(original.layout('SpO₂').glyphs.map((g) => g.id));
  });

  it('refuses what is not a WOFF font', () => {
    expect(() => woffToSfnt(Buffer.from('not a font at all, not at all, no'.repeat(3)))).toThrow(/not a WOFF/);
  });
});
