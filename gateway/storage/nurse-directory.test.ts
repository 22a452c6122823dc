import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from './database.js';
import { NurseDirectory, NurseError } from './nurse-directory.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('nurse sign-in', () => {
  it('stores only a salted scrypt hash, signs in with the PIN, and throttles guessing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ward-nurse-'));
    dirs.push(dir);
    const db = openDatabase(join(dir, 'station.db'));
    let now = 1_000_000;
    const nurses = new NurseDirectory(db, () => now);
    nurses.add('ann', 'Ann Nurse', '4711', 'admin');
    const row = db.prepare('SELECT pin_hash FROM nurses').get() as { pin_hash: Buffer };
    expect(row.pin_hash.toString('latin1')).not.toContain('4711');
    expect(nurses.signIn('ann', '4711')).toEqual({ id: 'ann', name: 'Ann Nurse' });
    for (let i = 0; i < 5; i++) expect(() => nurses.signIn('ann', '0000')).toThrow(/wrong PIN/);
    // Throttled now, even with the right PIN, until the window passes.
    expect(() => nurses.signIn('ann', '4711')).toThrow(expect.objectContaining({ code: 'SIGN_IN_THROTTLED' }));
    now += 5 * 60_000 + 1;
    expect(nurses.signIn('ann', '4711').id).toBe('ann');
    expect(() => nurses.add('bob', 'Bob', '12', 'admin')).toThrow(NurseError);
    nurses.disable('ann', 'admin');
    expect(() => nurses.signIn('ann', '4711')).toThrow(/wrong PIN/);
    db.close();
  });
});
