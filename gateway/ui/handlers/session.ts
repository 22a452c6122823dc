import { StationError } from '../../domain/errors.js';
import type { NurseDirectory } from '../../storage/nurse-directory.js';
import type { NurseSessions } from '../nurse-sessions.js';
import type { UiHandlers, UiSession } from '../ui-server.js';

type SessionMethods = 'session.nurses' | 'session.signIn' | 'session.resume' | 'session.signOut';

/** Signing a nurse in at a screen, and resuming that sign-in after a reconnect until it expires. */
export function sessionHandlers(nurses: NurseDirectory, sessions: NurseSessions): Pick<UiHandlers, SessionMethods> {
  const signedIn = (session: UiSession, nurse: { id: string; name: string }) => {
    const issued = sessions.issue(nurse);
    session.nurse = issued.session;
    return { ...issued.session, sessionKey: issued.key };
  };
  return {
    'session.nurses': () => nurses.list().filter((n) => !n.disabled).map(({ id, name }) => ({ id, name })),
    'session.signIn': ({ nurseId, pin }, session) => signedIn(session, nurses.signIn(nurseId, pin)),
    'session.resume': ({ sessionKey }, session) => {
      const resumed = sessions.verify(sessionKey);
      // A nurse disabled since signing in is not let back in.
      if (!resumed || !nurses.list().some((n) => n.id === resumed.id && !n.disabled)) throw new StationError('session_expired', 'your sign-in has ended: sign in again');
      session.nurse = resumed;
      return { ...resumed, sessionKey };
    },
    'session.signOut': ({ sessionKey }, session) => {
      if (sessionKey !== undefined) sessions.revoke(sessionKey);
      session.nurse = null;
      return { ok: true };
    },
  };
}
