import { randomBytes } from 'node:crypto';
import { SignJWT } from 'jose';
import type { RoomDetails, RoomRequest, VideoProvider } from './video-provider.js';

/**
 * Self-hosted Jitsi Meet with token authentication (prosody `authentication = "token"`): a room
 * needs no API call, only a URL carrying a JWT signed with the shared app secret (HS256). The
 * room name is unguessable; the tokens are valid from shortly before the start to an hour after
 * the end, and only the doctor's makes a moderator.
 */
export class JitsiProvider implements VideoProvider {
  readonly name = 'jitsi';
  private readonly key: Uint8Array;

  constructor(private readonly options: { domain: string; appId: string; secret: string; earlyMs?: number }) {
    this.key = new TextEncoder().encode(options.secret);
  }

  async createRoom(request: RoomRequest): Promise<RoomDetails> {
    const roomName = `appt-${request.appointmentId}-${randomBytes(9).toString('base64url').toLowerCase().replace(/[^a-z0-9]/g, 'x')}`;
    const token = (moderator: boolean, name: string) =>
      new SignJWT({ room: roomName, context: { user: { name, moderator } } })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setIssuer(this.options.appId)
        .setAudience('jitsi')
        .setSubject(this.options.domain)
        .setNotBefore(Math.floor((request.startsAt.getTime() - (this.options.earlyMs ?? 30 * 60_000)) / 1000))
        .setExpirationTime(Math.floor((request.endsAt.getTime() + 3_600_000) / 1000))
        .sign(this.key);
    const base = `https://${this.options.domain}/${roomName}`;
    return { roomName, hostUrl: `${base}?jwt=${await token(true, 'Doctor')}`, joinUrl: `${base}?jwt=${await token(false, 'Patient')}` };
  }
}
