import { SMTPServer, type SMTPServerAddress } from 'smtp-server';

/**
 * A real SMTP server on loopback (the smtp-server package) that records what it receives, by
 * the X-Ward-Notification-Id header, and can refuse on demand: `refuse(address)` returns an
 * SMTP code (e.g. 451 transient, 550 permanent) for a recipient, or null to accept.
 */
export interface SmtpSink {
  readonly port: number;
  /** notification id → times received. */
  readonly received: Map<string, number>;
  readonly messages: string[];
  refuse: (address: string) => number | null;
  /** Messages received so far. */
  total(): number;
  /** Resolves when `count` messages in total have been received. */
  waitFor(count: number): Promise<void>;
  close(): Promise<void>;
}

export async function startSmtpSink(options: { keepMessages?: boolean } = {}): Promise<SmtpSink> {
  const received = new Map<string, number>();
  const messages: string[] = [];
  let total = 0;
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const sink: SmtpSink = {
    port: 0,
    received,
    messages,
    refuse: () => null,
    total: () => total,
    waitFor(count) {
      if (total >= count) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ count, resolve }));
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    size: 1024 * 1024,
    onRcptTo(address: SMTPServerAddress, _session, callback) {
      const code = sink.refuse(address.address);
      if (code === null) return callback();
      return callback(Object.assign(new Error(code >= 500 ? 'mailbox unavailable' : 'try again later'), { responseCode: code }));
    },
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const id = /^X-Ward-Notification-Id: *(\S+)/im.exec(text)?.[1] ?? 'none';
        received.set(id, (received.get(id) ?? 0) + 1);
        if (options.keepMessages) messages.push(text);
        total++;
        for (const waiter of waiters.filter((w) => total >= w.count)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  (sink as { port: number }).port = (server.server.address() as { port: number }).port;
  return sink;
}
