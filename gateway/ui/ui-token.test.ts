import { afterEach, describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadOrCreateUiToken } from './ui-token.js';

describe('UI token', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ui-token-'));
  afterEach(() => rmSync(join(dir, 'ui-token'), { force: true }));

  it('is created owner-only and the same at the next start', () => {
    const token = loadOrCreateUiToken(dir);
    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(statSync(join(dir, 'ui-token')).mode & 0o777).toBe(0o600);
    expect(loadOrCreateUiToken(dir)).toBe(token);
  });

  it('replaces a token that others could read', () => {
    const token = loadOrCreateUiToken(dir);
    chmodSync(join(dir, 'ui-token'), 0o644);
    const fresh = loadOrCreateUiToken(dir);
    expect(fresh).not.toBe(token);
    expect(statSync(join(dir, 'ui-token')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'ui-token'), 'utf8').trim()).toBe(fresh);
  });

  it('replaces an empty or malformed file', () => {
    writeFileSync(join(dir, 'ui-token'), 'short', { mode: 0o600 });
    expect(loadOrCreateUiToken(dir)).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });
});
