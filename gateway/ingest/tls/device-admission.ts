/**
 * Whether a device that authenticated with its key may use this connection. Two rules:
 * - a device registered TLS-only is refused on a clear-text listener;
 * - when the device presented a client certificate, the certificate's subject Common Name (CN)
 *   must equal the registered device id, so a key copied off one device does not work with
 *   another device's certificate, and a certificate alone names exactly one device.
 * Chain, validity dates and CA are checked by the TLS handshake itself (`rejectUnauthorized`).
 */
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { DeviceDirectory, RegisteredDevice } from '../../domain/device.js';
import type { IngestSink } from '../../domain/ingest-sink.js';

export type AdmissionRefusal = 'tls_required' | 'certificate_required' | 'certificate_invalid' | 'certificate_mismatch';

export interface AdmissionPolicy {
  /** A client certificate is mandatory on this listener (the handshake already enforces it). */
  readonly requireClientCertificate: boolean;
}

/** null = admitted. */
export function admitDevice(device: RegisteredDevice, socket: Socket, policy: AdmissionPolicy | null): AdmissionRefusal | null {
  if (!isTls(socket)) return device.tlsOnly ? 'tls_required' : null;
  const certificate = socket.getPeerCertificate();
  const presented = certificate !== null && Object.keys(certificate).length > 0;
  if (!presented) return policy?.requireClientCertificate ? 'certificate_required' : null;
  // With an optional certificate the handshake lets a bad one through: refuse it here.
  if (!socket.authorized) return 'certificate_invalid';
  return certificateCommonName(certificate.subject) === device.id ? null : 'certificate_mismatch';
}

/** The device id a connection's verified certificate names, or null without one. */
export function certificateDeviceId(socket: Socket): string | null {
  if (!isTls(socket) || !socket.authorized) return null;
  const certificate = socket.getPeerCertificate();
  return certificate && Object.keys(certificate).length > 0 ? certificateCommonName(certificate.subject) : null;
}

/** A directory that only finds the devices this connection may send for (MLLP looks devices up per message). */
export function admittedDirectory(directory: DeviceDirectory, socket: Socket, policy: AdmissionPolicy | null, onRefused: (deviceId: string, reason: AdmissionRefusal) => void): DeviceDirectory {
  const admitted = (device: RegisteredDevice | undefined): RegisteredDevice | undefined => {
    if (!device) return undefined;
    const refusal = admitDevice(device, socket, policy);
    if (refusal === null) return device;
    onRefused(device.id, refusal);
    return undefined;
  };
  return {
    findByKey: (key) => admitted(directory.findByKey(key)),
    findById: (id) => admitted(directory.findById(id)),
  };
}

function isTls(socket: Socket): socket is TLSSocket {
  return (socket as TLSSocket).encrypted === true;
}

/** Node gives a repeated attribute as an array; a certificate with two CNs names no one. */
function certificateCommonName(subject: { CN?: string | string[] } | undefined): string | null {
  const cn = subject?.CN;
  return typeof cn === 'string' ? cn : null;
}

/** For an MLLP listener: counts and logs a device refused there (no patient data). */
export function refusedOnListener(sink: IngestSink, logger: { warn(o: object, msg?: string): void }): (deviceId: string, reason: AdmissionRefusal) => void {
  return (deviceId, reason) => {
    sink.rejected(deviceId, 'hl7', reason);
    logger.warn({ device: deviceId, reason }, 'HL7 device refused on this listener');
  };
}

/** The clear-text MLLP listener's rule: TLS-only devices are refused there. */
export function plainMllpDirectory(sink: IngestSink, logger: { warn(o: object, msg?: string): void }): (socket: Socket, directory: DeviceDirectory) => DeviceDirectory {
  return (socket, directory) => admittedDirectory(directory, socket, null, refusedOnListener(sink, logger));
}
