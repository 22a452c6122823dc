import type { Server } from 'node:net';

/** Listens and resolves once bound; rejects with the bind error (EADDRINUSE, EACCES) instead of crashing. */
export function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
