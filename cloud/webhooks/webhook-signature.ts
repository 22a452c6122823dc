import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * `Ward-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`. The
 * timestamp is signed with the body, so a captured request cannot be sent again later with a new
 * time: a receiver refuses signatures older than its tolerance (replay window) and, within the
 * window, recognises a repeat by the event id. Every attempt is signed afresh.
 */
export const SIGNATURE_HEADER = 'ward-signature';

/** Five minutes either side: room for clock drift and a slow network, small for replays. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

export function signatureHeader(secret: string, body: string, unixSeconds: number): string {
  return `t=${unixSeconds},v1=${hmac(secret, unixSeconds, body)}`;
}

function hmac(secret: string, unixSeconds: number, body: string): string {
  return createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
}

export type Verification = { readonly ok: true; readonly timestamp: number } | { readonly ok: false; readonly reason: 'malformed' | 'bad_signature' | 'too_old' | 'in_future' };

/**
 * What a receiver runs (the README shows the same code standalone). `body` must be the raw bytes
 * as received, before any JSON parsing.
 */
export function verifySignature(secret: string, header: string | undefined, body: string, options: { toleranceSeconds?: number; now?: number } = {}): Verification {
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const parts = new Map<string, string[]>();
  for (const item of (header ?? '').split(',')) {
    const at = item.indexOf('=');
    if (at <= 0) continue;
    const key = item.slice(0, at).trim();
    parts.set(key, [...(parts.get(key) ?? []), item.slice(at + 1).trim()]);
  }
  const t = Number(parts.get('t')?.[0]);
  const candidates = parts.get('v1') ?? [];
  if (!Number.isInteger(t) || candidates.length === 0) return { ok: false, reason: 'malformed' };
  const expected = Buffer.from(hmac(secret, t, body), 'hex');
  // Several v1 values are allowed so that a secret can be rotated without a gap.
  const matches = candidates.some((c) => {
    const given = Buffer.from(c, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!matches) return { ok: false, reason: 'bad_signature' };
  const now = Math.floor((options.now ?? Date.now()) / 1000);
  if (t < now - tolerance) return { ok: false, reason: 'too_old' };
  if (t > now + tolerance) return { ok: false, reason: 'in_future' };
  return { ok: true, timestamp: t };
}
