import { useEffect, useState, type FormEvent } from 'react';
import type { GatewayClient } from './gateway-client.js';

export type SignedInNurse = { readonly id: string; readonly name: string } | null;

/** Where the tab keeps its nurse's session key (per tab; survives a reload, not a closed tab). */
const SESSION_KEY = 'ward.nurseSession';

function storedKey(): string | null {
  try {
    return sessionStorage.getItem(SESSION_KEY);
  } catch {
    return null;
  }
}

function storeKey(key: string | null): void {
  try {
    if (key) sessionStorage.setItem(SESSION_KEY, key);
    else sessionStorage.removeItem(SESSION_KEY);
  } catch {
    // Storage disabled: the nurse signs in again after a reconnect.
  }
}

/**
 * Who is at the station: acknowledgements and changes are recorded with this name. The sign-in
 * lasts a shift (set on the station) and is resumed on every reconnect, so it is there when an
 * alarm needs acknowledging.
 */
export function SignIn({ client, nurse, live, onChange }: { client: GatewayClient; nurse: SignedInNurse; live: boolean; onChange: (nurse: SignedInNurse) => void }) {
  const [open, setOpen] = useState(false);
  const [nurses, setNurses] = useState<ReadonlyArray<{ id: string; name: string }>>([]);
  const [error, setError] = useState<string | null>(null);

  // Every new connection is a new session on the gateway: resume the sign-in on it.
  useEffect(() => {
    if (!live) return;
    const key = storedKey();
    if (!key) return;
    client.call('session.resume', { sessionKey: key }).then(
      (resumed) => onChange({ id: resumed.id, name: resumed.name }),
      () => {
        storeKey(null);
        onChange(null);
      },
    );
  }, [client, live, onChange]);

  if (nurse) {
    return (
      <span className="signin" data-testid="signed-in">
        {nurse.name}{' '}
        <button
          type="button"
          onClick={() =>
            void client.call('session.signOut', { sessionKey: storedKey() ?? undefined }).then(() => {
              storeKey(null);
              onChange(null);
            })
          }
        >
          Sign out
        </button>
      </span>
    );
  }
  if (!open) {
    return (
      <button
        type="button"
        className="signin"
        onClick={() => {
          setOpen(true);
          void client.call('session.nurses', {}).then(setNurses, (e: Error) => setError(e.message));
        }}
      >
        Sign in
      </button>
    );
  }
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    client.call('session.signIn', { nurseId: String(form.get('nurse')), pin: String(form.get('pin')) }).then(
      (signedIn) => {
        setOpen(false);
        setError(null);
        storeKey(signedIn.sessionKey);
        onChange({ id: signedIn.id, name: signedIn.name });
      },
      (e: Error) => setError(e.message),
    );
  };
  return (
    <form className="signin" onSubmit={submit} aria-label="Sign in">
      <select name="nurse" aria-label="Nurse" required defaultValue="">
        <option value="" disabled>
          Nurse
        </option>
        {nurses.map((n) => (
          <option key={n.id} value={n.id}>
            {n.name}
          </option>
        ))}
      </select>
      <input name="pin" type="password" inputMode="numeric" autoComplete="off" aria-label="PIN" placeholder="PIN" required />
      <button type="submit">Sign in</button>
      {error && (
        <span className="error" role="alert">
          {error}
        </span>
      )}
    </form>
  );
}
