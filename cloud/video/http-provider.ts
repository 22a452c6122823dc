import { PermanentError } from '../resilience/retry.js';
import type { RoomDetails, RoomRequest, VideoProvider } from './video-provider.js';

/**
 * A provider with a room-creation API: POST JSON `{ appointmentId, startsAt, endsAt }` to the
 * configured URL, answer `{ roomName, hostUrl, joinUrl }`. A 4xx (but 408/429) is a refusal that
 * retrying cannot fix; everything else is worth another try.
 */
export class HttpVideoProvider implements VideoProvider {
  readonly name = 'http';

  constructor(private readonly options: { url: string; token: string | null }) {}

  async createRoom(request: RoomRequest, signal: AbortSignal): Promise<RoomDetails> {
    const response = await fetch(this.options.url, {
      method: 'POST',
      signal,
      headers: { 'content-type': 'application/json', ...(this.options.token ? { authorization: `Bearer ${this.options.token}` } : {}) },
      body: JSON.stringify({ appointmentId: request.appointmentId, startsAt: request.startsAt.toISOString(), endsAt: request.endsAt.toISOString() }),
    });
    const text = await response.text();
    if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) throw new PermanentError(`video provider refused: HTTP ${response.status}`);
    if (!response.ok) throw new Error(`video provider failed: HTTP ${response.status}`);
    const body = JSON.parse(text) as Partial<RoomDetails>;
    if (typeof body.roomName !== 'string' || typeof body.hostUrl !== 'string' || typeof body.joinUrl !== 'string') throw new Error('video provider answered without roomName, hostUrl and joinUrl');
    return { roomName: body.roomName, hostUrl: body.hostUrl, joinUrl: body.joinUrl };
  }
}
