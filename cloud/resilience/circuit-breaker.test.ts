import { describe, expect, it } from 'vitest';
import { CircuitBreaker, CircuitOpenError, type BreakerState } from './circuit-breaker.js';

describe('CircuitBreaker', () => {
  const failing = () => Promise.reject(new Error('down'));
  const ok = () => Promise.resolve('ok');

  it('opens after N consecutive failures, refuses at once, half-opens after the cool-down and closes on success', async () => {
    let now = 0;
    const seen: BreakerState[] = [];
    const breaker = new CircuitBreaker({ failureThreshold: 3, cooldownMs: 1_000 }, () => now, (s) => seen.push(s));
    for (let i = 0; i < 2; i++) await expect(breaker.run(failing)).rejects.toThrow('down');
    await expect(breaker.run(ok)).resolves.toBe('ok'); // a success resets the count
    for (let i = 0; i < 3; i++) await expect(breaker.run(failing)).rejects.toThrow('down');
    expect(breaker.state).toBe('open');
    let called = false;
    await expect(breaker.run(async () => { called = true; })).rejects.toBeInstanceOf(CircuitOpenError);
    expect(called).toBe(false);
    now = 999;
    expect(breaker.state).toBe('open');
    now = 1_000;
    expect(breaker.state).toBe('half_open');
    await expect(breaker.run(ok)).resolves.toBe('ok');
    expect(breaker.state).toBe('closed');
    expect(seen).toEqual(['open', 'half_open', 'closed']);
  });

  it('a failed trial opens it again for a full cool-down; only one trial at a time', async () => {
    let now = 0;
    const breaker = new CircuitBreaker({ failureThreshold: 1, cooldownMs: 100 }, () => now);
    await expect(breaker.run(failing)).rejects.toThrow();
    now = 100;
    let release!: () => void;
    const trial = breaker.run(() => new Promise<void>((resolve) => (release = resolve)));
    await expect(breaker.run(ok)).rejects.toBeInstanceOf(CircuitOpenError);
    release();
    await trial;
    expect(breaker.state).toBe('closed');
    await expect(breaker.run(failing)).rejects.toThrow();
    now = 150;
    await expect(breaker.run(ok)).rejects.toBeInstanceOf(CircuitOpenError);
    now = 200;
    await expect(breaker.run(failing)).rejects.toThrow('down');
    expect(breaker.state).toBe('open');
  });
});
