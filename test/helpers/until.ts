/**
 * Waits until `check` holds. With `on`, it looks again whenever that event source fires (a UI
 * push, a cloud request); without, on the next turns of the event loop. Never a fixed sleep. The
 * deadline only turns a hang into a failure that says what never happened; it is no timing
 * threshold, so keep it far above anything a busy machine needs.
 */
export function until(
  check: () => boolean | Promise<boolean>,
  options: { on?: (listener: () => void) => () => void; what?: string; deadlineMs?: number } = {},
): Promise<void> {
  const { on, what = check.toString().replace(/\s+/g, ' ').slice(0, 200), deadlineMs = 45_000 } = options;
  return new Promise((resolve, reject) => {
    let settled = false;
    let busy = false;
    let off: () => void = () => undefined;
    let tick: NodeJS.Timeout | null = null;
    const finish = (error?: Error) => {
      settled = true;
      off();
      clearTimeout(deadline);
      if (tick) clearTimeout(tick);
      if (error) reject(error);
      else resolve();
    };
    const deadline = setTimeout(() => finish(new Error(`gave up waiting for ${what} after ${deadlineMs} ms`)), deadlineMs);
    const look = () => {
      if (settled || busy) return;
      busy = true;
      Promise.resolve()
        .then(check)
        .then(
          (ok) => {
            busy = false;
            if (ok) finish();
            else if (!on && !settled) tick = setTimeout(look, 5);
          },
          (error: unknown) => finish(error instanceof Error ? error : new Error(String(error))),
        );
    };
    if (on) off = on(look);
    look();
  });
}
