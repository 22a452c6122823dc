/**
 * The API the Electron preload exposes to the renderer as `window.station` (with
 * `contextIsolation`). The preload declares its object `satisfies StationApi`, so the two cannot
 * drift. In a plain browser there is no preload: the renderer reads the token from the URL.
 */
import type { GatewayConnection } from './ui-channel.js';

export interface StationApi {
  /** Where the gateway's UI channel is and its token. */
  connection(): Promise<GatewayConnection>;
  /** Called when main restarted a crashed gateway: reconnect at once (same token, possibly a new port). Returns an unsubscribe. */
  onGatewayRestarted(listener: (connection: GatewayConnection) => void): () => void;
  /** Shows an OS notification (used for new high-priority alarms while the window is hidden). */
  notify(title: string, body: string): void;
  /** Tells the shell how many alarms are present (tray count) and whether a new high one started (restore the window). */
  alarmsChanged(count: number, newHighPriority: boolean): void;
}

export const STATION_IPC = {
  connection: 'station:connection',
  gatewayRestarted: 'station:gateway-restarted',
  notify: 'station:notify',
  alarms: 'station:alarms',
} as const;
