/**
 * An Alarm Communication Manager for tests: a real MLLP server on 127.0.0.1 that records the
 * ORU^R40 messages it receives and answers as the test says: AA at once, AE or AR, or holds the
 * ACK until the test releases it (a slow ACM without sleeping). It can also send ORA^R41 status
 * updates back on the station's connection.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { buildAck } from '../../gateway/ingest/hl7/ack.js';
import { frameMllp, MllpDecoder } from '../../gateway/ingest/hl7/mllp-framing.js';
import { parseHl7 } from '../../gateway/ingest/hl7/parse-message.js';

export type ReceiverAnswer = 'AA' | 'AE' | 'AR' | 'hold';

export interface ReceivedReport {
  readonly controlId: string;
  readonly alarmId: string;
  readonly phase: string;
  readonly text: string;
}

/** The log of what happened, in order: `received <id>`, `acked <id> <code>`, `station-ack <MSA-2> <code>`. */
export class AcmReceiver {
  readonly received: ReceivedReport[] = [];
  readonly log: string[] = [];
  /** What to answer next; `answers` (consumed first) overrides it message by message. */
  answer: ReceiverAnswer = 'AA';
  readonly answers: ReceiverAnswer[] = [];
  private held: Array<() => void> = [];
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private waiters: Array<() => void> = [];

  /** Listens on `port` (0: a free one). */
  async start(port = 0): Promise<number> {
    const server = createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    return this.port;
  }

  get port(): number {
    const address = this.server?.address();
    return address && typeof address === 'object' ? address.port : 0;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Sends the held ACKs, oldest first. */
  release(): void {
    for (const send of this.held.splice(0)) send();
  }

  /** Sends raw text, framed, on the station's connection (hostile or unexpected input). */
  sendRaw(text: string): void {
    const socket = [...this.sockets][0];
    if (!socket) throw new Error('no station connected');
    socket.write(frameMllp(text));
  }

  /** Sends an ORA^R41 status update about one of the station's messages on its connection. */
  sendStatus(controlId: string, status: string): void {
    const socket = [...this.sockets][0];
    if (!socket) throw new Error('no station connected');
    const text = `MSH|^~\\&|ACM|HOSP|WARD_STATION|WARD|20261203100000+0000||ORA^R41^ORA_R41|ST${controlId}|P|2.6\rMSA|AA|${controlId}\rOBX|1|ST|ALERT_STATUS||${status}\r`;
    socket.write(frameMllp(text));
  }

  async until(condition: () => boolean): Promise<void> {
    while (!condition()) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  private changed(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    const decoder = new MllpDecoder({ maxMessageBytes: 1 << 20 });
    socket.on('data', (chunk: Buffer) => {
      for (const event of decoder.push(chunk)) {
        if (event.type !== 'message') continue;
        const message = parseHl7(event.message);
        const msh = message.segments[0]!;
        const controlId = msh.get(10);
        if (msh.get(9) === 'ACK') {
          const msa = message.segments.find((s) => s.name === 'MSA');
          this.log.push(`station-ack ${msa?.get(2) ?? ''} ${msa?.get(1) ?? ''}`);
          this.changed();
          continue;
        }
        const phase = message.segments.find((s) => s.name === 'OBX' && s.get(3, 2) === 'MDC_ATTR_EVENT_PHASE')?.get(5) ?? '';
        const alarmId = message.segments.find((s) => s.name === 'OBR')?.get(3) ?? '';
        this.received.push({ controlId, alarmId, phase, text: event.message });
        this.log.push(`received ${controlId}`);
        const answer = this.answers.shift() ?? this.answer;
        const send = (code: 'AA' | 'AE' | 'AR') => {
          if (socket.destroyed) return;
          socket.write(frameMllp(buildAck({ controlId, sendingApplication: msh.raw(3), sendingFacility: msh.raw(4) }, code, code === 'AA' ? undefined : 'test ACM says no', { messageType: 'ACK^R40^ACK' })));
          this.log.push(`acked ${controlId} ${code}`);
          this.changed();
        };
        if (answer === 'hold') this.held.push(() => send('AA'));
        else send(answer);
        this.changed();
      }
    });
  }
}

/** A loopback port nothing listens on (yet): bound, read and released. */
export async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 0;
}
