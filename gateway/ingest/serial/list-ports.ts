import { SerialPort } from 'serialport';

/** Serial ports this machine has (for IT configuring the station; needs udevadm on Linux). */
export async function listSerialPorts(): Promise<Array<{ path: string; manufacturer: string | null; serialNumber: string | null }>> {
  const ports = await SerialPort.list();
  return ports.map((p) => ({ path: p.path, manufacturer: p.manufacturer ?? null, serialNumber: p.serialNumber ?? null }));
}
