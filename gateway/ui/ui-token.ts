import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const FILE = 'ui-token';
const OWNER_ONLY = 0o600;

/**
 * The UI channel's token, kept in the data folder readable by the station's user only, so a
 * restarted gateway accepts the pages that were open (a new token per start stranded them). A
 * file that others could read is not trusted: a fresh token replaces it. Deleting the file
 * rotates the token at the next start.
 */
export function loadOrCreateUiToken(dataDir: string, platform = process.platform): string {
  const path = join(dataDir, FILE);
  try {
    const exposed = platform !== 'win32' && (statSync(path).mode & 0o077) !== 0;
    const token = readFileSync(path, 'utf8').trim();
    if (!exposed && /^[A-Za-z0-9_-]{32,}$/.test(token)) return token;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  mkdirSync(dataDir, { recursive: true });
  const token = randomBytes(24).toString('base64url');
  writeFileSync(path, `${token}\n`, { mode: OWNER_ONLY });
  // `mode` applies only when the file is created: tighten an existing one too.
  chmodSync(path, OWNER_ONLY);
  return token;
}
