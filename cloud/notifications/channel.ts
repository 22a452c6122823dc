import type { Channel } from './messages.js';

/** A claimed notification, as a channel sends it. */
export interface OutgoingMessage {
  readonly id: number;
  readonly recipient: string;
  readonly subject: string;
  readonly body: string;
}

export type SendOutcome = { readonly id: number; readonly ok: true } | { readonly id: number; readonly ok: false; readonly permanent: boolean; readonly error: string };

/**
 * One way of reaching people (email, SMS). A channel sends a whole claimed batch and reports an
 * outcome per message; `permanent` means retrying cannot help (a rejected address, a 4xx).
 */
export interface NotificationChannel {
  readonly name: Channel;
  send(batch: readonly OutgoingMessage[]): Promise<SendOutcome[]>;
  close(): Promise<void> | void;
}
