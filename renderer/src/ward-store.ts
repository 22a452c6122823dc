import type { AlarmView } from '../../gateway/protocol/alarm-types.js';
import type { StationStatus, UiBed, UiDevice, UiEvent, WardSnapshot } from '../../gateway/protocol/ui-channel.js';
import type { VitalCode } from '../../gateway/protocol/vitals.js';

export interface WardView {
  readonly stationName: string;
  readonly beds: readonly UiBed[];
  /** Bed id → label; a new map only with a new snapshot, so what shows labels skips vitals pushes. */
  readonly labels: ReadonlyMap<string, string>;
  readonly devices: ReadonlyMap<string, UiDevice>;
  readonly status: StationStatus | null;
  readonly alarms: AlarmView | null;
}

export const EMPTY_WARD: WardView = { stationName: '', beds: [], labels: new Map(), devices: new Map(), status: null, alarms: null };

/** Pure reducer from pushed events to what the screen shows; unit-testable without a DOM. */
export function applyEvent(view: WardView, event: UiEvent): WardView {
  switch (event.type) {
    case 'snapshot':
      return { ...fromSnapshot(event.ward, view.status), alarms: view.alarms };
    case 'vitals': {
      const byBed = new Map(event.updates.map((u) => [u.bedId, u]));
      const beds = view.beds.map((bed) => {
        const update = byBed.get(bed.id);
        if (!update) return bed;
        const latest = { ...bed.latest };
        for (const code in update.values) latest[code as VitalCode] = { value: update.values[code as VitalCode]!, ts: update.ts };
        return { ...bed, latest };
      });
      return { ...view, beds };
    }
    case 'device': {
      const devices = new Map(view.devices);
      devices.set(event.device.id, event.device);
      return { ...view, devices };
    }
    case 'status':
      return { ...view, status: event.status };
    case 'alarms':
      return { ...view, alarms: event.view };
    default:
      return view;
  }
}

function fromSnapshot(ward: WardSnapshot, status: StationStatus | null): WardView {
  return { stationName: ward.stationName, beds: ward.beds, labels: new Map(ward.beds.map((b) => [b.id, b.label])), devices: new Map(ward.devices.map((d) => [d.id, d])), status, alarms: null };
}
