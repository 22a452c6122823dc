import { describe, expect, it } from 'vitest';
import { SeriesAccumulator } from './series.js';

describe('SeriesAccumulator', () => {
  it('folds points into slots: weighted means, or sums', () => {
    const mean = new SeriesAccumulator(0, 100, 4, 'mean');
    mean.add(0, 10, 1);
    mean.add(10, 30, 3); // slot 0: (10 + 30) / 4
    mean.add(60, 7, 1);
    mean.add(100, 99, 1); // outside [from, to)
    expect(mean.points()).toEqual([[0, 10], [50, 7]]);
    const sum = new SeriesAccumulator(0, 100, 2, 'sum');
    sum.add(1, 1);
    sum.add(2, 1);
    expect(sum.points()).toEqual([[0, 2], [50, 0]]);
  });
});
