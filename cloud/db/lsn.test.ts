import { describe, expect, it } from 'vitest';
import { formatLsn, parseLsn } from './lsn.js';

describe('WAL positions', () => {
  it('orders positions across the 4 GB boundary of the lower half', () => {
    expect(parseLsn('0/FFFFFFFF')! < parseLsn('1/0')!).toBe(true);
    expect(parseLsn('16/B374D848')! > parseLsn('16/B374D847')!).toBe(true);
  });

  it('writes a position back as PostgreSQL does', () => {
    expect(formatLsn(parseLsn('16/b374d848')!)).toBe('16/B374D848');
    expect(formatLsn(0n)).toBe('0/0');
  });

  it('refuses text that is not a position', () => {
    for (const text of ['', '16', '16/', '/1', '1/2/3', 'G/0', '123456789/0', ' 0/1']) expect(parseLsn(text)).toBeNull();
  });
});
