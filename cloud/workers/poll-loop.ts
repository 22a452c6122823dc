/**
 * Runs `work` again and again: at once while it reports more to do, otherwise after `pollMs`
 * (or sooner when woken). Errors are reported and the loop carries on: a background job must
 * outlive a database restart.
 */
export function startPollLoop(work: () => Promise<boolean>, pollMs: number, onError: (error: Error) => void): { wake(): void; stop(): Promise<void> } {
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let wakeUp: () => void = () => {};
  const loop = (async () => {
    while (!stopped) {
      let more = false;
      try {
        more = await work();
      } catch (error) {
        onError(error as Error);
      }
      if (more || stopped) continue;
      await new Promise<void>((resolve) => {
        wakeUp = resolve;
        timer = setTimeout(resolve, pollMs);
      });
    }
  })();
  return {
    wake: () => wakeUp(),
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      wakeUp();
      await loop;
    },
  };
}
