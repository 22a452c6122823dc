import { describe, expect, it } from 'vitest';
import { csvLine } from './csv.js';

describe('csvLine', () => {
  it('quotes separators and quotes, leaves numbers and nulls plain', () => {
    expect(csvLine(['a', 'b,c', 'say "hi"', 1.5, null])).toBe('a,"b,c","say ""hi""",1.5,\r\n');
  });
  it('defuses formulas in text, not in numbers', () => {
    expect(csvLine(['=HYPERLINK("x")', '-1', -1])).toBe(`"'=HYPERLINK(""x"")",'-1,-1\r\n`);
  });
});
