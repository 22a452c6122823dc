import { useLayoutEffect, useMemo, useRef, useState, type CSSProperties } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { Alarm } from '../../gateway/protocol/alarm-types.js';
import type { UiDevice } from '../../gateway/protocol/ui-channel.js';
import { BedTile } from './BedTile.js';
import type { SparklineStore } from './sparkline-store.js';
import type { WardView } from './ward-store.js';
import { TILE_GAP, wardLayout } from './ward-layout.js';
import type { WaveStrips } from './wave-strips.js';

const EMPTY_DEVICES: UiDevice[] = [];
const EMPTY_ALARMS: Alarm[] = [];
/** The scroller's padding (left + right, top + bottom), kept in step with styles.css. */
const PADDING = { x: 24, y: 12 };

/**
 * The ward overview, virtualized by rows of tiles: a floor of 500 beds keeps only the visible
 * rows (plus a small overscan) in the DOM. A small ward grows its tiles to fill the screen.
 * Tiles get props whose identity changes only when their bed changes, so a pushed update or a
 * scroll re-renders only the tiles it concerns.
 */
export function WardGrid({ ward, alarmsByBed, sparks, strips, now, live, onOpen }: { ward: WardView; alarmsByBed: ReadonlyMap<string, Alarm[]>; sparks: SparklineStore; strips?: WaveStrips; now: number; live: boolean; onOpen: (bedId: string) => void }) {
  const scroller = useRef<HTMLDivElement>(null);
  const [area, setArea] = useState({ width: 1200, height: 800 });
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const measure = () => setArea((a) => (a.width === el.clientWidth - PADDING.x && a.height === el.clientHeight - PADDING.y ? a : { width: el.clientWidth - PADDING.x, height: el.clientHeight - PADDING.y }));
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    measure();
    return () => observer.disconnect();
  }, []);
  const layout = wardLayout(ward.beds.length, area.width, area.height);
  const { columns, rowHeight } = layout;
  const rows = Math.ceil(ward.beds.length / columns);
  const virtualizer = useVirtualizer({ count: rows, getScrollElement: () => scroller.current, estimateSize: () => rowHeight, overscan: 1 });
  // A new row height must reach the virtualizer's cached measurements.
  useLayoutEffect(() => virtualizer.measure(), [virtualizer, rowHeight]);
  const devicesByBed = useMemo(() => {
    const byBed = new Map<string, UiDevice[]>();
    for (const d of ward.devices.values()) {
      if (!d.bedId) continue;
      const list = byBed.get(d.bedId);
      if (list) list.push(d);
      else byBed.set(d.bedId, [d]);
    }
    return byBed;
  }, [ward.devices]);
  const style = { '--s': layout.scale, '--number': `${layout.numberPx}px`, overflowY: layout.fits ? 'hidden' : 'auto' } as CSSProperties;
  return (
    <div className="ward-scroller" ref={scroller} data-testid="ward" style={style}>
      <div style={{ height: virtualizer.getTotalSize() - (layout.fits ? TILE_GAP : 0), position: 'relative' }}>
        {virtualizer.getVirtualItems().map((row) => (
          <div key={row.key} className="ward-row" style={{ transform: `translateY(${row.start}px)`, height: rowHeight - TILE_GAP, gridTemplateColumns: `repeat(${columns}, minmax(0, 1fr))` }}>
            {ward.beds.slice(row.index * columns, row.index * columns + columns).map((bed) => (
              <BedTile key={bed.id} alarms={alarmsByBed.get(bed.id) ?? EMPTY_ALARMS} bed={bed} devices={devicesByBed.get(bed.id) ?? EMPTY_DEVICES} sparks={sparks} strips={strips} now={now} live={live} onOpen={onOpen} />
            ))}
          </div>
        ))}
      </div>
    </div>
  );
}
