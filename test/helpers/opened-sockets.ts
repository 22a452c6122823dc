import net from 'node:net';

/** The sockets this process opens while `work` runs, and the remote ports that answered their connects. */
export async function socketsOpenedDuring(
  work: (sockets: readonly net.Socket[]) => Promise<void>,
): Promise<{ sockets: net.Socket[]; answered: Array<number | undefined> }> {
  const original = net.Socket.prototype.connect;
  const sockets: net.Socket[] = [];
  const answered: Array<number | undefined> = [];
  net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
    sockets.push(this);
    this.once('connect', () => answered.push(this.remotePort));
    return (original as (...a: unknown[]) => net.Socket).apply(this, args);
  };
  try {
    await work(sockets);
  } finally {
    net.Socket.prototype.connect = original;
  }
  return { sockets, answered };
}
