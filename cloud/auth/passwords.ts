import { randomBytes, timingSafeEqual } from 'node:crypto';
import { PasswordHasher, type HashingLimits } from './password-hasher.js';

/** scrypt parameters (OWASP's floor: N=2^17, r=8, p=1), stored with each hash so they can grow. */
const N = 2 ** 17;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;

/** One pool per process: the threads are a machine resource, shared by every caller. */
let hasher: PasswordHasher | null = null;
export function passwordHasher(): PasswordHasher {
  hasher ??= new PasswordHasher({ threads: 2, maxQueued: 32 });
  return hasher;
}

/** Replaces the process's pool (at service start, from its configuration). */
export async function configurePasswordHashing(limits: HashingLimits): Promise<void> {
  const previous = hasher;
  hasher = new PasswordHasher(limits);
  await previous?.close();
}

function derive(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return passwordHasher().derive({ password: password.normalize('NFKC'), salt, n, r, p, keyLength: KEY_LENGTH });
}

/** `scrypt$N$r$p$salt$hash` (base64url). Runs on the password threads, not the event loop. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, N, R, P);
  return ['scrypt', N, R, P, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await derive(password, Buffer.from(salt, 'base64url'), Number(n), Number(r), Number(p));
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A hash to compare against when the account does not exist, so timing does not reveal it. */
let decoy: Promise<string> | null = null;
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword(randomBytes(16).toString('hex'));
  // A refused first attempt (queue full) must not leave a failed decoy for everyone after.
  decoy.catch(() => (decoy = null));
  return decoy;
}
