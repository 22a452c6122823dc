import net from 'node:net';
import postgres from 'postgres';
import { endSessionCleanly } from './ended-session-socket.js';

/** libpq's `target_session_attrs`: which kind of server a connection wants. */
export type SessionTarget = 'any' | 'read-write' | 'read-only' | 'primary' | 'standby' | 'prefer-standby';

const TARGETS: readonly SessionTarget[] = ['any', 'read-write', 'read-only', 'primary', 'standby', 'prefer-standby'];

export interface DatabaseServer {
  readonly host: string;
  readonly port: number;
}

/** What the driver is given: a URL naming one server, and the socket factory that picks the real one. */
export interface DriverConnection {
  readonly url: string;
  readonly servers: readonly DatabaseServer[];
  readonly target: SessionTarget;
  readonly socket: (options: DriverSocketOptions) => net.Socket | Promise<net.Socket>;
}

/** The parts of the driver's parsed options a socket needs (to check a server's role). */
interface DriverSocketOptions {
  readonly path?: string | false;
  readonly user: string;
  readonly pass: string | (() => string | Promise<string>);
  readonly database: string;
  readonly ssl: unknown;
  readonly connect_timeout: number;
}

export class NoSuitableServerError extends Error {
  constructor(servers: readonly DatabaseServer[], target: SessionTarget, reasons: readonly string[]) {
    super(`no database server is ${target} (${servers.map((s, i) => `${s.host}:${s.port}: ${reasons[i] ?? 'not tried'}`).join('; ')})`);
  }
}

/**
 * How the cloud's database connections reach their server: with Nagle's algorithm off, and, for a
 * URL naming several servers, to the first one in the URL's order that is what the URL's
 * `target_session_attrs` asks for, checked on every new connection (as libpq does).
 *
 * Nagle: postgres.js leaves it on. A message it writes while its previous one is unacknowledged
 * then waits for the server's delayed ACK, 40 ms on Linux: a COPY's CopyDone after its data, the
 * tail of any statement over 1 KB. That was ~85 of the ~108 ms a one-row station batch took.
 * libpq and node-postgres set TCP_NODELAY too.
 *
 * Several servers: the driver's own walk is not used. It sends each reconnect of a connection to
 * the next server in the list (after a dropped connection or its 30–60 min lifetime), and its
 * read-write check reads only `default_transaction_read_only`, which a hot standby leaves off: a
 * cloud whose URL lists the primary and its standby would, after the first reconnect, write to
 * the standby and fail every write.
 *
 * Returns a URL naming one server for the driver (its multi-server logic then stays idle), and the
 * socket factory that picks the real one.
 */
export function databaseConnection(url: string): DriverConnection {
  const schemeEnd = url.indexOf('://') + 3;
  const authorityEnd = url.slice(schemeEnd).search(/[/?]/);
  const authority = authorityEnd === -1 ? url.slice(schemeEnd) : url.slice(schemeEnd, schemeEnd + authorityEnd);
  const at = authority.lastIndexOf('@');
  const hostList = authority.slice(at + 1);
  const servers = hostList.split(',').map(parseServer);
  const rest = authorityEnd === -1 ? '' : url.slice(schemeEnd + authorityEnd);
  const [path, query = ''] = splitOnce(rest, '?');
  const params = new URLSearchParams(query);
  const asked = params.get('target_session_attrs') ?? 'any';
  if (!TARGETS.includes(asked as SessionTarget)) throw new Error(`target_session_attrs=${asked} is not one of ${TARGETS.join(', ')}`);
  const target = asked as SessionTarget;
  if (servers.length === 1 && target === 'any') return { url, servers, target, socket: databaseSocket };
  // The driver sees the first server only (its multi-server logic stays idle) and no target.
  params.delete('target_session_attrs');
  const remaining = params.toString();
  const driverUrl = `${url.slice(0, schemeEnd)}${authority.slice(0, at + 1)}${hostList.split(',')[0]}${path}${remaining ? `?${remaining}` : ''}`;
  return { url: driverUrl, servers, target, socket: (options) => chooseServer(servers, target, options) };
}

function splitOnce(text: string, separator: string): [string, string?] {
  const i = text.indexOf(separator);
  return i === -1 ? [text] : [text.slice(0, i), text.slice(i + 1)];
}

function parseServer(text: string): DatabaseServer {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) return { host: bracketed[1]!, port: Number(bracketed[2] ?? 5432) };
  const colon = text.lastIndexOf(':');
  return colon === -1 ? { host: decodeURIComponent(text), port: 5432 } : { host: decodeURIComponent(text.slice(0, colon)), port: Number(text.slice(colon + 1)) };
}

/**
 * A socket to one server (or a Unix socket path): Nagle off, and the session's end reported to the
 * driver as one event (see ended-session-socket.ts). The driver writes at once; Node holds it
 * until the connect.
 */
function databaseSocket(options: { path?: string | false; host?: string[]; port?: number[]; ssl?: unknown }, server?: DatabaseServer): net.Socket {
  const plain = (socket: net.Socket) => (options.ssl ? socket : endSessionCleanly(socket));
  if (options.path) return plain(net.connect({ path: options.path }));
  const { host, port } = server ?? { host: options.host![0]!, port: options.port![0]! };
  // host and port: where the driver's own error messages look for the address.
  return plain(Object.assign(net.connect({ host, port, noDelay: true }), { host, port }));
}

type Role = { standby: boolean; readOnly: boolean };

function suits(role: Role, target: SessionTarget): boolean {
  switch (target) {
    case 'any':
      return true;
    case 'read-write':
      return !role.standby && !role.readOnly;
    case 'primary':
      return !role.standby;
    case 'read-only':
      return role.standby || role.readOnly;
    case 'standby':
    case 'prefer-standby':
      return role.standby;
  }
}

/**
 * The first server, in the URL's order, that suits the target, asked on a short connection of its
 * own (one query) each time the pool opens a connection: pool connections live for minutes, and a
 * promotion must be seen by the next one. `prefer-standby` falls back to the first that answers.
 */
async function chooseServer(servers: readonly DatabaseServer[], target: SessionTarget, options: DriverSocketOptions): Promise<net.Socket> {
  const reasons: string[] = [];
  let firstAnswering: DatabaseServer | null = null;
  for (const server of servers) {
    try {
      // Asked even for `any`: the driver's connect_timeout then bounds a server that never answers.
      const role = await roleOf(server, options);
      if (suits(role, target)) return await connected(server, options);
      firstAnswering ??= server;
      reasons.push(role.standby ? 'a standby' : role.readOnly ? 'read-only' : 'a primary');
    } catch (error) {
      reasons.push((error as { code?: string }).code ?? (error as Error).message);
    }
  }
  if (target === 'prefer-standby' && firstAnswering) return connected(firstAnswering, options);
  throw new NoSuitableServerError(servers, target, reasons);
}

/** A socket once its connect succeeded (so a server that refuses is passed over), or the connect's error. */
function connected(server: DatabaseServer, options: DriverSocketOptions): Promise<net.Socket> {
  const socket = databaseSocket({ ssl: options.ssl }, server);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

async function roleOf(server: DatabaseServer, options: DriverSocketOptions): Promise<Role> {
  const probe = postgres({
    host: server.host,
    port: server.port,
    user: options.user,
    pass: options.pass as string,
    database: options.database,
    ssl: options.ssl as never,
    connect_timeout: options.connect_timeout,
    max: 1,
    fetch_types: false,
    onnotice: () => {},
    connection: { application_name: 'ward-cloud server check' },
    ...({ socket: (o: { path?: string | false }) => databaseSocket(o, server) } as object),
  });
  try {
    const [row] = await probe<[{ standby: boolean; readOnly: boolean }]>`
      SELECT pg_is_in_recovery() AS standby, current_setting('default_transaction_read_only') = 'on' AS "readOnly"`;
    return row;
  } finally {
    await probe.end({ timeout: 0 });
  }
}
