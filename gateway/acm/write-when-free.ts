/**
 * The forwarder shares the station database with the writer thread, which holds SQLite's write
 * lock while it commits vitals. Waiting for that lock would stall the event loop that judges
 * alarms, so the forwarder's connection does not wait (busy_timeout 0): a write that finds the
 * lock taken is tried again a moment later instead.
 */
export const BUSY_RETRY_MS = 20;

export function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

/** Runs `write`, again after BUSY_RETRY_MS for as long as the lock is taken; other errors throw. */
export async function writeWhenFree<T>(write: () => T): Promise<T> {
  for (;;) {
    try {
      return write();
    } catch (error) {
      if (!isBusy(error)) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, BUSY_RETRY_MS));
  }
}
