import { describe, expect, it } from 'vitest';
import { applyEvent, EMPTY_WARD } from './ward-store.js';

describe('ward store', () => {
  it('folds a snapshot, pushed vitals and device changes into what the screen shows', () => {
    let view = applyEvent(EMPTY_WARD, {
      type: 'snapshot',
      ward: {
        stationName: 'Ward 4B',
        beds: [
          { id: 'B1', label: 'Bed 1', patient: null, latest: { HR: { value: 70, ts: 1 } } },
          { id: 'B2', label: 'Bed 2', patient: null, latest: {} },
        ],
        devices: [{ id: 'd1', model: 'M', transport: 'websocket', bedId: 'B1', state: 'connected', lastSeen: 1, rejectedFrames: 0, conditions: [] }],
      },
    });
    const untouched = view.beds[1];
    view = applyEvent(view, { type: 'vitals', updates: [{ bedId: 'B1', ts: 2, values: { SPO2: 95, HR: 71 } }] });
    expect(view.beds[0]!.latest).toEqual({ HR: { value: 71, ts: 2 }, SPO2: { value: 95, ts: 2 } });
    // Beds without updates keep their identity, so React skips re-rendering them.
    expect(view.beds[1]).toBe(untouched);
    view = applyEvent(view, { type: 'device', device: { id: 'd1', model: 'M', transport: 'websocket', bedId: 'B1', state: 'disconnected', lastSeen: 2, rejectedFrames: 0, conditions: [] } });
    expect(view.devices.get('d1')?.state).toBe('disconnected');
    expect(view.stationName).toBe('Ward 4B');
  });
});
