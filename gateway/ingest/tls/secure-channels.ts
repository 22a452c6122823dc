/**
 * The device listeners on TLS: `wss://` for WebSocket devices and MLLP over TLS (IHE ATNA secure
 * node), with one certificate that follows its files, and mutual TLS when a device CA is
 * configured. They feed the same directory and sink as the clear-text listeners.
 */
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTlsServer, type Server as TlsServer, type TlsOptions } from 'node:tls';
import { ConfigError, type StationConfig, type StationTlsConfig } from '../../config.js';
import type { Logger } from '../../log.js';
import type { Channel } from '../channel.js';
import type { DeviceDirectory } from '../../domain/device.js';
import type { IngestSink } from '../../domain/ingest-sink.js';
import type { StoragePressure } from '../../domain/ingest-sink.js';
import type { LoadPressure } from '../event-loop-pressure.js';
import type { WaveSink } from '../../waves/wave-sink.js';
import { MllpChannel } from '../mllp-channel.js';
import { WebSocketChannel } from '../websocket-channel.js';
import { localUtcOffsetMinutes } from '../optional-channels.js';
import { admitDevice, admittedDirectory, refusedOnListener, type AdmissionPolicy } from './device-admission.js';
import { TlsCredentials } from './tls-credentials.js';

export interface SecureChannels {
  readonly credentials: TlsCredentials;
  readonly websocket: WebSocketChannel | null;
  readonly mllp: MllpChannel | null;
  readonly channels: Channel[];
}

/** Handshake settings: with a device CA, ask every device for a certificate signed by it. */
function serverOptions(tls: StationTlsConfig, credentials: TlsCredentials): TlsOptions {
  const mutual = tls.clientCaFile !== null;
  return {
    ...credentials.options,
    requestCert: mutual,
    // Required certificates are checked in the handshake (chain, dates); optional ones are
    // checked by the admission rule, which refuses a presented certificate that failed.
    rejectUnauthorized: mutual && tls.requireClientCertificate,
  };
}

function policyOf(tls: StationTlsConfig): AdmissionPolicy {
  return { requireClientCertificate: tls.clientCaFile !== null && tls.requireClientCertificate };
}

function watchHandshakes<S extends TlsServer>(server: S, credentials: TlsCredentials, logger: Logger, channel: string): S {
  credentials.attach(server);
  // A refused certificate (expired, unknown CA, none) ends here; the reason helps the integrator.
  server.on('tlsClientError', (error: Error & { code?: string }, socket) => {
    logger.warn({ channel, remote: socket.remoteAddress, err: error.code ?? error.message }, 'TLS handshake refused');
  });
  return server;
}

export function createSecureChannels(config: StationConfig & { tls: StationTlsConfig }, deps: { directory: DeviceDirectory; sink: IngestSink; logger: Logger; storage?: StoragePressure; load?: LoadPressure; waves?: WaveSink }): SecureChannels {
  const tls = config.tls;
  const logger = deps.logger.child({ component: 'tls' });
  let credentials: TlsCredentials;
  try {
    credentials = new TlsCredentials({ certFile: tls.certFile, keyFile: tls.keyFile, clientCaFile: tls.clientCaFile }, logger);
  } catch (error) {
    // A station that cannot serve its certificate must not start half-secure.
    throw new ConfigError(`tls: cannot use ${tls.certFile} with ${tls.keyFile}${tls.clientCaFile ? ` and ${tls.clientCaFile}` : ''}: ${(error as Error).message}`);
  }
  const policy = policyOf(tls);
  const channels: Channel[] = [];

  let websocket: WebSocketChannel | null = null;
  if (tls.websocketPort !== null) {
    websocket = new WebSocketChannel(
      {
        host: config.devices.host,
        port: tls.websocketPort,
        heartbeatMs: config.devices.heartbeatMs,
        name: 'websocket-tls',
        createServer: (handler) => watchHandshakes(createHttpsServer(serverOptions(tls, credentials), handler), credentials, logger, 'websocket-tls'),
        admit: (device, socket) => admitDevice(device, socket, policy),
      },
      { directory: deps.directory, sink: deps.sink, logger: deps.logger.child({ component: 'websocket-tls' }), storage: deps.storage, load: deps.load, waves: deps.waves },
    );
    channels.push(websocket);
  }

  let mllp: MllpChannel | null = null;
  if (tls.mllpPort !== null) {
    const mllpLogger = deps.logger.child({ component: 'mllp-tls' });
    mllp = new MllpChannel(
      {
        host: config.mllp.host,
        port: tls.mllpPort,
        name: 'mllp-tls',
        defaultUtcOffsetMinutes: localUtcOffsetMinutes(),
        createServer: (onConnection) => watchHandshakes(createTlsServer(serverOptions(tls, credentials), onConnection), credentials, logger, 'mllp-tls'),
        connectionDirectory: (socket, directory) => admittedDirectory(directory, socket, policy, refusedOnListener(deps.sink, mllpLogger)),
      },
      { directory: deps.directory, sink: deps.sink, logger: mllpLogger },
    );
    channels.push(mllp);
  }
  return { credentials, websocket, mllp, channels };
}
