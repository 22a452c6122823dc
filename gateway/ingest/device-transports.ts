import type { StationConfig } from '../config.js';
import type { Logger } from '../log.js';
import type { Channel } from './channel.js';
import type { DeviceDirectory } from '../domain/device.js';
import type { IngestSink } from '../domain/ingest-sink.js';
import { WebSocketChannel } from './websocket-channel.js';
import { admitDevice } from './tls/device-admission.js';
import { createSecureChannels, type SecureChannels } from './tls/secure-channels.js';
import type { StoragePressure } from '../domain/ingest-sink.js';
import type { LoadPressure } from './event-loop-pressure.js';
import type { WaveSink } from '../waves/wave-sink.js';

export interface DeviceTransports {
  /** In start order: clear-text WebSocket, the TLS listeners, then HL7 and serial. */
  readonly channels: readonly Channel[];
  /** The clear-text ws:// listener; null when tls.plainWebsocket is false. */
  readonly websocket: WebSocketChannel | null;
  readonly secure: SecureChannels | null;
  /** The clear-text MLLP port once started; null when HL7 is off. */
  readonly mllpPort: number | null;
  /** Re-checks connected devices against the registry (revoked keys are cut off). */
  revalidate(): void;
}

/**
 * Every listener devices reach the station through. Clear text for legacy devices (devices
 * registered TLS-only are refused there), then TLS; HL7 and serial are loaded only when used, so
 * a station without them never loads their native bindings.
 */
export async function createDeviceTransports(config: StationConfig, deps: { directory: DeviceDirectory; sink: IngestSink; logger: Logger; storage: StoragePressure; load?: LoadPressure; waves?: WaveSink }): Promise<DeviceTransports> {
  const { directory, sink, logger, storage, load, waves } = deps;
  const websocket =
    config.tls?.plainWebsocket === false
      ? null
      : new WebSocketChannel(
          { host: config.devices.host, port: config.devices.port, heartbeatMs: config.devices.heartbeatMs, admit: (device, socket) => admitDevice(device, socket, null) },
          { directory, sink, logger: logger.child({ component: 'websocket' }), storage, load, waves },
        );
  const secure = config.tls ? createSecureChannels({ ...config, tls: config.tls }, { directory, sink, logger, storage, load, waves }) : null;
  const optional =
    config.mllp.enabled || config.serialPorts.length > 0
      ? await (await import('./optional-channels.js')).createOptionalChannels(config, { directory, sink, logger })
      : { channels: [], mllpPort: null };
  return {
    channels: [...(websocket ? [websocket] : []), ...(secure?.channels ?? []), ...optional.channels],
    websocket,
    secure,
    get mllpPort() {
      return optional.mllpPort;
    },
    revalidate() {
      websocket?.revalidate();
      secure?.websocket?.revalidate();
    },
  };
}
