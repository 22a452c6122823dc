import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Hands a generated password to the person who needs it without putting it in service logs:
 * on an interactive terminal it is shown; otherwise (a service manager, a container, CI) it is
 * written to `file`, readable by its owner only, and only the path is printed.
 */
export function deliverSecret(label: string, secret: string, file: string, out: NodeJS.WriteStream = process.stdout): { shown: boolean; file: string | null } {
  if (out.isTTY) {
    out.write(`${label}: ${secret}\n`);
    return { shown: true, file: null };
  }
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return { shown: false, file };
}
