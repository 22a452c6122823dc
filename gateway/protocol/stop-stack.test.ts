import { describe, expect, it } from 'vitest';
import type { Logger } from './logger.js';
import { StopStack } from './stop-stack.js';

/** Keeps what was logged, to check a failed stop is told. */
function recordingLogger(lines: string[]): Logger {
  const log = (fields: object | string, message?: string) => void lines.push(`${message ?? ''} ${JSON.stringify(fields)}`);
  return { debug: log, info: log, warn: log, error: log, child: () => recordingLogger(lines) };
}

describe('StopStack', () => {
  it('stops newest first, and runs every stop even when one fails', async () => {
    const logged: string[] = [];
    const stack = new StopStack(recordingLogger(logged));
    const stopped: string[] = [];
    stack.defer('database', () => stopped.push('database'));
    stack.defer('listener', () => {
      throw new Error('listener stuck');
    });
    stack.adopt('threads', 'thread', async (thread) => stopped.push(thread));
    await stack.start('timer', { start: () => stopped.push('timer started'), stop: () => stopped.push('timer') });
    await expect(stack.stopAll()).rejects.toThrow('listener stuck');
    expect(stopped).toEqual(['timer started', 'timer', 'thread', 'database']);
    expect(logged).toEqual([`stop failed ${JSON.stringify({ part: 'listener', err: 'listener stuck' })}`]);
    // Each part is stopped once: a second stop has nothing left to do.
    await stack.stopAll();
    expect(stopped).toEqual(['timer started', 'timer', 'thread', 'database']);
  });

  it('undoes the steps of a start that fails, and throws the start error', async () => {
    const stack = new StopStack(recordingLogger([]));
    const stopped: string[] = [];
    const start = stack.startOrUnwind(async () => {
      stack.defer('storage', () => stopped.push('storage'));
      stack.defer('ui', () => stopped.push('ui'));
      throw Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE' });
    });
    await expect(start).rejects.toMatchObject({ code: 'EADDRINUSE' });
    expect(stopped).toEqual(['ui', 'storage']);
  });
});
