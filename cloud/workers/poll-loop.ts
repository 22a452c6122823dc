export interface PollLoop {
  /** New work may be there (a NOTIFY on the cluster bus): look now instead of at the next poll. */
  wake(): void;
  /** Ends the loop; resolves once the round under way (if any) has finished. */
  stop(): Promise<void>;
}

/**
 * The loop every background worker of the cloud runs (reports, notifications, video rooms):
 * `work` again and again, at once while it reports more to do, otherwise after `pollMs` or as
 * soon as `wake()` is called. A wake-up that arrives while `work` runs is kept, and the next
 * round starts at once: the round may have looked before the new job was there. Errors are
 * reported and the loop carries on: a background job must outlive a database restart.
 */
export function startPollLoop(work: () => Promise<boolean>, pollMs: number, onError: (error: Error) => void): PollLoop {
  let stopped = false;
  let woken = false;
  let endIdle: (() => void) | null = null;
  const idle = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, pollMs);
      function done() {
        clearTimeout(timer);
        endIdle = null;
        resolve();
      }
      endIdle = done;
    });
  const loop = (async () => {
    while (!stopped) {
      woken = false;
      let more = false;
      try {
        more = await work();
      } catch (error) {
        onError(error as Error);
      }
      if (!more && !woken && !stopped) await idle();
    }
  })();
  return {
    wake() {
      woken = true;
      endIdle?.();
    },
    async stop() {
      stopped = true;
      endIdle?.();
      await loop;
    },
  };
}
