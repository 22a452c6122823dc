import { StationError } from '../../domain/errors.js';
import type { UiSession } from '../ui-server.js';

/**
 * Changes from the UI name the nurse signed in at that screen; none without one. Acknowledging,
 * limits, admission, transfer and device assignment need a nurse; pausing the audio does not.
 */
export function actorOf(session: UiSession): string {
  if (session.nurse && session.nurse.expiresAt <= Date.now()) session.nurse = null;
  if (!session.nurse) throw new StationError('sign_in_required', 'sign in first: changes are recorded with your name');
  return `nurse:${session.nurse.id}`;
}

/** Silencing must never wait for a sign-in: the nurse if one is signed in, else the screen. */
export function pauseActorOf(session: UiSession): string {
  return session.nurse && session.nurse.expiresAt > Date.now() ? `nurse:${session.nurse.id}` : 'screen:unsigned';
}
