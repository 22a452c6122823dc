/**
 * The station's outgoing MLLP connection to one ACM endpoint. It sends one message at a time and
 * waits for the ACK that names it (MSA-2); status updates the ACM sends on the same connection
 * (`ORA^R41`) are handed to `onStatus` and acknowledged. Framing and ACK text are the ones HL7
 * ingest uses.
 */
import { connect, type Socket } from 'node:net';
import { buildAck } from '../ingest/hl7/ack.js';
import { frameMllp, MllpDecoder } from '../ingest/hl7/mllp-framing.js';
import { parseAcmReply, type AckCode, type AcmReply } from './acm-reply.js';

export interface AcmEndpoint {
  readonly host: string;
  readonly port: number;
}

export type StatusReply = Extract<AcmReply, { kind: 'status' }>;

export interface MllpLinkOptions {
  /** Replies larger than this are a protocol fault: the connection is dropped. */
  readonly maxMessageBytes?: number;
  readonly onStatus: (status: StatusReply) => void;
}

/** A network failure or a missing ACK: worth retrying, the ACM never said no. */
export class LinkError extends Error {
  readonly code = 'ACM_LINK';
}

interface Pending {
  readonly controlId: string;
  resolve(ack: { code: AckCode; text: string }): void;
  reject(error: Error): void;
}

export class MllpLink {
  private socket: Socket | null = null;
  private pending: Pending | null = null;

  constructor(
    readonly endpoint: AcmEndpoint,
    private readonly options: MllpLinkOptions,
  ) {}

  /** Sends one framed message; resolves with the ACM's ACK code, rejects with a LinkError. */
  async send(message: string, controlId: string, ackTimeoutMs: number): Promise<{ code: AckCode; text: string }> {
    if (this.pending) throw new Error('one message at a time on an ACM link');
    const socket = this.socket ?? (await this.connect(ackTimeoutMs));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending = null;
        // An ACK that arrives after we gave up must not be taken for the next message's.
        this.drop(socket);
        reject(new LinkError(`no ACK within ${ackTimeoutMs} ms`));
      }, ackTimeoutMs);
      this.pending = {
        controlId,
        resolve: (ack) => {
          clearTimeout(timer);
          this.pending = null;
          resolve(ack);
        },
        reject: (error) => {
          clearTimeout(timer);
          this.pending = null;
          reject(error);
        },
      };
      socket.write(frameMllp(message));
    });
  }

  close(): void {
    if (this.socket) this.drop(this.socket);
    this.pending?.reject(new LinkError('link closed'));
  }

  /** Connects within `timeoutMs`: an ACM host that drops packets must not stall delivery for the OS's minutes. */
  private connect(timeoutMs: number): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: this.endpoint.host, port: this.endpoint.port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new LinkError(`cannot connect within ${timeoutMs} ms`));
      }, timeoutMs);
      const decoder = new MllpDecoder({ maxMessageBytes: this.options.maxMessageBytes ?? 1024 * 1024 });
      socket.setNoDelay(true);
      socket.setKeepAlive(true, 30_000);
      socket.once('connect', () => {
        clearTimeout(timer);
        this.socket = socket;
        resolve(socket);
      });
      socket.on('error', (error) => {
        clearTimeout(timer);
        if (this.socket !== socket) reject(new LinkError(`cannot connect: ${(error as NodeJS.ErrnoException).code ?? error.message}`));
      });
      socket.on('close', () => {
        if (this.socket === socket) this.socket = null;
        this.pending?.reject(new LinkError('connection closed before the ACK'));
      });
      socket.on('data', (chunk: Buffer) => {
        for (const event of decoder.push(chunk)) {
          if (event.type === 'error' && event.code === 'too_large') return this.drop(socket);
          if (event.type === 'message') this.received(socket, event.message);
        }
      });
    });
  }

  private received(socket: Socket, text: string): void {
    const reply = parseAcmReply(text);
    if (reply.kind === 'ack') {
      // An ACK for another control id (a late one for a message we gave up on) is not ours.
      if (this.pending && reply.controlId === this.pending.controlId) this.pending.resolve({ code: reply.code, text: reply.text });
      return;
    }
    if (reply.kind === 'status') {
      this.options.onStatus(reply);
      socket.write(frameMllp(buildAck(reply.header, 'AA', undefined, { messageType: 'ACK^R41^ACK' })));
      return;
    }
    // Not something an ACM sends to an alarm reporter: say so, once, and carry on.
    socket.write(frameMllp(buildAck(reply.header ?? {}, 'AR', `unsupported message ${reply.messageType || 'type'}`)));
  }

  private drop(socket: Socket): void {
    if (this.socket === socket) this.socket = null;
    socket.destroy();
  }
}
