/**
 * The HTTP client the station uses to reach the cloud. A hospital's private PKI signs the cloud's
 * certificate with a CA that is not in Node's bundle: the configured CA file is then trusted for
 * this connection only (undici `connect.ca`), instead of turning certificate checks off.
 */
import { readFileSync } from 'node:fs';
import { Agent, type Dispatcher } from 'undici';

/** null = undici's global dispatcher with Node's CA bundle. */
export function cloudDispatcher(cloud: { readonly caFile?: string }): Dispatcher | null {
  if (!cloud.caFile) return null;
  return new Agent({ connect: { ca: readFileSync(cloud.caFile), rejectUnauthorized: true } });
}
