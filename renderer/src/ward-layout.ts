/** The tile every size is drawn for at scale 1; larger screens scale it up. */
export const BASE_TILE = { width: 300, height: 202 } as const;
export const TILE_GAP = 10;
const MAX_SCALE = 3;

export interface WardLayout {
  readonly columns: number;
  /** Height of one row including the gap below it. */
  readonly rowHeight: number;
  /** Multiplier for every size inside a tile (fonts, paddings, sparklines). */
  readonly scale: number;
  /** True when every bed fits on screen at once: no scrolling at all. */
  readonly fits: boolean;
  /** Font size of a tile's numbers (px): as large as the value cells allow. */
  readonly numberPx: number;
}

/**
 * The largest number that fits a value cell of a `width` x `height` tile drawn at `scale`: the
 * tile's fixed parts (border, padding, head, patient line, wave strips, sparklines, label line) scale with it,
 * the six cells share the rest (columns 1 : 1 : 1.3, two rows), and "37.1" is about 2.3 em wide.
 */
export function numberSize(width: number, height: number, scale: number): number {
  const valuesHeight = height - 4 - 81 * scale;
  const byHeight = (valuesHeight / 2 - 3 * scale - 13 * scale) / 1.1;
  const narrowColumn = (width - 4 - 36 * scale) / 3.3 - 8 * scale;
  return Math.floor(Math.min(byHeight, narrowColumn / 2.3));
}

/**
 * Chooses columns and tile size for `beds` tiles in a `width` x `height` area. When all beds fit
 * at the base size or larger, the column count that gives the largest tiles wins and the tiles
 * grow to fill the area (numbers readable from across the room); otherwise the ward scrolls with
 * base-height rows as wide as the columns allow.
 */
export function wardLayout(beds: number, width: number, height: number): WardLayout {
  const maxColumns = Math.max(1, Math.floor((width + TILE_GAP) / (BASE_TILE.width + TILE_GAP)));
  let best: WardLayout | null = null;
  if (beds > 0) {
    for (let columns = 1; columns <= maxColumns; columns++) {
      const rows = Math.ceil(beds / columns);
      const rowHeight = (height + TILE_GAP) / rows;
      const tileWidth = (width - TILE_GAP * (columns - 1)) / columns;
      const tileHeight = rowHeight - TILE_GAP;
      if (tileHeight < BASE_TILE.height) continue;
      const scale = Math.min(tileWidth / BASE_TILE.width, tileHeight / BASE_TILE.height, MAX_SCALE);
      if (!best || scale > best.scale) best = { columns, rowHeight, scale, fits: true, numberPx: numberSize(tileWidth, tileHeight, scale) };
    }
  }
  const tileWidth = (width - TILE_GAP * (maxColumns - 1)) / maxColumns;
  return best ?? { columns: maxColumns, rowHeight: BASE_TILE.height + TILE_GAP, scale: 1, fits: false, numberPx: numberSize(tileWidth, BASE_TILE.height, 1) };
}
