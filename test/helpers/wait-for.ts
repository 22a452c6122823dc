import { setTimeout as delay } from 'node:timers/promises';

/**
 * Polls `condition` until it holds; fails with `what` after `deadlineMs` (generous: the machine
 * may be busy). Waits on a condition, never for a fixed time.
 */
export async function waitFor(condition: () => Promise<boolean> | boolean, deadlineMs: number, what: string, everyMs = 50): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    if (await condition()) return;
    if (Date.now() > until) throw new Error(`timed out after ${deadlineMs} ms waiting until ${what}`);
    await delay(everyMs);
  }
}
