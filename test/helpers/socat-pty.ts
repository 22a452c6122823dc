import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A real pseudo-terminal pair from socat: the station opens `device` as its serial port, the test
 * writes to `peer` as the bedside device would. Ready when socat has reported both ptys (read from
 * its log, not by waiting).
 */
export async function socatPair(dir: string, names = { device: 'ttyDEVICE', peer: 'ttyPEER' }): Promise<{ device: string; peer: string; write(data: string | Buffer): void; close(): Promise<void> }> {
  const device = join(dir, names.device);
  const peer = join(dir, names.peer);
  const child: ChildProcess = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${device}`, `pty,raw,echo=0,link=${peer}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let log = '';
    child.stderr!.on('data', (d: Buffer) => {
      log += d.toString();
      if (/starting data transfer loop/.test(log)) resolve();
    });
    child.once('error', reject);
    void exited.then(() => reject(new Error(`socat exited: ${log}`)));
  });
  let fd: number | null = null;
  return {
    device,
    peer,
    write(data) {
      fd ??= openSync(peer, 'w');
      writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
    },
    async close() {
      if (fd !== null) closeSync(fd);
      fd = null;
      child.kill('SIGTERM');
      await exited;
    },
  };
}
