import { useLayoutEffect, useRef, useState } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { UiDevice } from '../../gateway/protocol/ui-channel.js';
import { BedTile } from './BedTile.js';
import type { SparklineStore } from './sparkline-store.js';
import type { WardView } from './ward-store.js';

const TILE_WIDTH = 300;
const ROW_HEIGHT = 196;

/**
 * The ward overview, virtualized by rows of tiles: a floor of 500 beds keeps only the visible
 * rows (plus a small overscan) in the DOM.
 */
export function WardGrid({ ward, alarmByBed, sparks, sparkVersion, now, onOpen }: { ward: WardView; alarmByBed: ReadonlyMap<string, string>; sparks: SparklineStore; sparkVersion: number; now: number; onOpen: (bedId: string) => void }) {
  const scroller = useRef<HTMLDivElement>(null);
  const [columns, setColumns] = useState(4);
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setColumns(Math.max(1, Math.floor((el.clientWidth - 12) / (TILE_WIDTH + 10)))));
    observer.observe(el);
    return () => observer.disconnect();
  }, []);
  const rows = Math.ceil(ward.beds.length / columns);
  const virtualizer = useVirtualizer({ count: rows, getScrollElement: () => scroller.current, estimateSize: () => ROW_HEIGHT, overscan: 2 });
  const devicesByBed = new Map<string, UiDevice[]>();
  for (const d of ward.devices.values()) {
    if (!d.bedId) continue;
    const list = devicesByBed.get(d.bedId) ?? [];
    list.push(d);
    devicesByBed.set(d.bedId, list);
  }
  return (
    <div className="ward-scroller" ref={scroller} data-testid="ward">
      <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
        {virtualizer.getVirtualItems().map((row) => (
          <div key={row.key} className="ward-row" style={{ transform: `translateY(${row.start}px)`, gridTemplateColumns: `repeat(${columns}, minmax(0, 1fr))` }}>
            {ward.beds.slice(row.index * columns, row.index * columns + columns).map((bed) => (
              <BedTile key={bed.id} alarm={alarmByBed.get(bed.id) ?? null} bed={bed} devices={devicesByBed.get(bed.id) ?? EMPTY} sparks={sparks} sparkVersion={sparkVersion} now={now} onOpen={onOpen} />
            ))}
          </div>
        ))}
      </div>
    </div>
  );
}

const EMPTY: UiDevice[] = [];
