import { describe, expect, it } from 'vitest';
import { BASE_TILE, TILE_GAP, wardLayout } from './ward-layout.js';

describe('ward layout', () => {
  it('grows 16 beds to fill a 1920x1080 screen instead of leaving it empty', () => {
    const layout = wardLayout(16, 1896, 900);
    expect(layout.fits).toBe(true);
    expect(layout.columns * Math.ceil(16 / layout.columns)).toBeGreaterThanOrEqual(16);
    expect(layout.scale).toBeGreaterThan(1);
    expect(layout.numberPx).toBeGreaterThanOrEqual(40);
    // The rows fill the height exactly (the last gap falls outside).
    expect(Math.ceil(16 / layout.columns) * layout.rowHeight - TILE_GAP).toBeCloseTo(900);
  });

  it('scrolls a large ward at the base size with as many columns as fit', () => {
    const layout = wardLayout(500, 1896, 900);
    expect(layout).toMatchObject({ columns: 6, rowHeight: BASE_TILE.height + TILE_GAP, scale: 1, fits: false });
    expect(layout.numberPx).toBeGreaterThanOrEqual(28);
  });

  it('never returns zero columns on a narrow window', () => {
    expect(wardLayout(3, 120, 100).columns).toBe(1);
    expect(wardLayout(0, 1000, 800).columns).toBeGreaterThan(0);
  });
});
