import { describe, expect, it } from 'vitest';
import { Ring } from './sparkline-store.js';

describe('sparkline ring', () => {
  it('takes older history in front of what arrived since the page opened, never twice', () => {
    const ring = new Ring();
    ring.push(100, 70);
    ring.push(101, 71);
    ring.prepend([
      [90, 60],
      [95, 65],
      [100, 99],
    ]);
    const seen: Array<[number, number]> = [];
    ring.forEach(0, (ts, v) => seen.push([ts, v]));
    expect(seen).toEqual([
      [90, 60],
      [95, 65],
      [100, 70],
      [101, 71],
    ]);
  });
});
