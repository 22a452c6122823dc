import { contextBridge, ipcRenderer } from 'electron';
import type { StationApi } from '../gateway/protocol/station-api.js';
import { STATION_IPC } from '../gateway/protocol/station-api.js';
import type { GatewayConnection } from '../gateway/protocol/ui-channel.js';

/** The renderer's only door to main: a few narrow calls, never the raw ipcRenderer. */
const api = {
  connection: () => ipcRenderer.invoke(STATION_IPC.connection) as Promise<GatewayConnection>,
  onGatewayRestarted(listener: (connection: GatewayConnection) => void) {
    const handler = (_event: unknown, connection: GatewayConnection) => listener(connection);
    ipcRenderer.on(STATION_IPC.gatewayRestarted, handler);
    return () => void ipcRenderer.off(STATION_IPC.gatewayRestarted, handler);
  },
  notify: (title: string, body: string) => ipcRenderer.send(STATION_IPC.notify, String(title).slice(0, 120), String(body).slice(0, 300)),
  alarmsChanged: (count: number, newHighPriority: boolean) => ipcRenderer.send(STATION_IPC.alarms, Math.max(0, Math.trunc(Number(count)) || 0), newHighPriority === true),
} satisfies StationApi;

contextBridge.exposeInMainWorld('station', api);
