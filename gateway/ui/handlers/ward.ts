import type { WardState } from '../../live/ward-state.js';
import type { StationStatus } from '../../protocol/ui-channel.js';
import type { DeviceRegistry } from '../../storage/device-registry.js';
import type { WardRepository } from '../../storage/ward-repository.js';
import type { UiHandlers } from '../ui-server.js';
import { actorOf } from './actor.js';

type WardMethods = 'ward.snapshot' | 'station.status' | 'ward.sparklines' | 'ward.admit' | 'ward.discharge' | 'ward.transfer' | 'devices.assign';

/** The ward picture, and the changes to it that are recorded with the nurse's name. */
export function wardHandlers(state: WardState, ward: WardRepository, registry: DeviceRegistry, status: () => StationStatus): Pick<UiHandlers, WardMethods> {
  return {
    'ward.snapshot': () => state.snapshot(),
    'station.status': () => status(),
    'ward.sparklines': () => state.sparklines(Date.now()),
    'ward.admit': ({ bedId, mrn, name, birthDate }, session) => {
      ward.admit({ bedId, mrn, name, birthDate: birthDate || null }, actorOf(session));
      return { ok: true };
    },
    'ward.discharge': ({ bedId }, session) => {
      ward.dischargeFromBed(bedId, actorOf(session));
      return { ok: true };
    },
    'ward.transfer': ({ fromBedId, toBedId }, session) => {
      ward.transfer(fromBedId, toBedId, actorOf(session));
      return { ok: true };
    },
    'devices.assign': ({ deviceId, bedId }, session) => {
      registry.assign(deviceId, bedId, actorOf(session));
      return { ok: true };
    },
  };
}
