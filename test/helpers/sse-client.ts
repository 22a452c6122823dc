import { request, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';

export interface SseMessage {
  readonly id: string | null;
  readonly event: string;
  readonly data: string;
}

/**
 * A Server-Sent Events client over a real socket of its own (node:http, no agent: closing the client closes the socket), parsing frames as the EventSource
 * specification does, that keeps what it receives: events and comment lines.
 */
export interface SseClient {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly events: SseMessage[];
  readonly comments: string[];
  /** Resolves when the predicate holds for what has arrived (checked at each frame). */
  until(predicate: (client: SseClient) => boolean): Promise<void>;
  /** Resolves when the server ended the stream. */
  readonly ended: Promise<void>;
  close(): void;
}

export async function openSse(url: string, token: string, lastEventId?: string): Promise<SseClient> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'text/event-stream' };
  if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
  const req = request(url, { headers, agent: false });
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    req.on('response', resolve);
    req.on('error', reject);
    req.end();
  });
  const waiters: Array<{ predicate: (client: SseClient) => boolean; resolve: () => void }> = [];
  const check = () => {
    for (const waiter of [...waiters]) {
      if (waiter.predicate(client)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  };
  let buffer = '';
  const client: SseClient = {
    status: response.statusCode ?? 0,
    headers: response.headers,
    events: [],
    comments: [],
    until(predicate) {
      if (predicate(client)) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ predicate, resolve }));
    },
    ended: new Promise((resolve) => response.socket.once('close', () => resolve())),
    close: () => req.destroy(),
  };
  response.setEncoding('utf8');
  response.on('error', () => {});
  req.on('error', () => {});
  response.on('data', (chunk: string) => {
    buffer += chunk;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let id: string | null = null;
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) client.comments.push(line.slice(1).trim());
        else if (line.startsWith('id: ')) id = line.slice(4);
        else if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      if (data.length > 0) client.events.push({ id, event, data: data.join('\n') });
      check();
    }
  });
  return client;
}
