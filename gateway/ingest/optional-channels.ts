import type { StationConfig } from '../config.js';
import type { Logger } from '../log.js';
import type { Channel } from './channel.js';
import type { DeviceDirectory } from '../domain/device.js';
import type { IngestSink } from '../domain/ingest-sink.js';
import { MllpChannel } from './mllp-channel.js';
import { plainMllpDirectory } from './tls/device-admission.js';

/** Offset of the station's local time from UTC, for device timestamps that carry none. */
export function localUtcOffsetMinutes(now = new Date()): number {
  return -now.getTimezoneOffset();
}

/** The HL7/MLLP listener and one channel per configured serial port. */
export async function createOptionalChannels(
  config: StationConfig,
  deps: { directory: DeviceDirectory; sink: IngestSink; logger: Logger },
): Promise<{ channels: Channel[]; mllpPort: number | null; mllp: MllpChannel | null }> {
  const channels: Channel[] = [];
  let mllp: MllpChannel | null = null;
  const offset = localUtcOffsetMinutes();
  if (config.mllp.enabled) {
    mllp = new MllpChannel(
      { host: config.mllp.host, port: config.mllp.port, defaultUtcOffsetMinutes: offset, connectionDirectory: plainMllpDirectory(deps.sink, deps.logger.child({ component: 'mllp' })) },
      { directory: deps.directory, sink: deps.sink, logger: deps.logger.child({ component: 'mllp' }) },
    );
    channels.push(mllp);
  }
  // serialport's native binding is loaded only on stations that have serial devices.
  const { SerialChannel } = config.serialPorts.length > 0 ? await import('./serial-channel.js') : { SerialChannel: null };
  for (const port of config.serialPorts) {
    channels.push(
      new SerialChannel!(
        { path: port.path, baudRate: port.baudRate, profile: port.profile, deviceId: port.deviceId, utcOffsetMinutes: offset },
        { sink: deps.sink, directory: deps.directory, logger: deps.logger.child({ component: 'serial', port: port.path }) },
      ),
    );
  }
  return {
    channels,
    mllp,
    get mllpPort() {
      return mllp ? mllp.port : null;
    },
  };
}
