import { useState, type FormEvent } from 'react';
import type { GatewayClient } from './gateway-client.js';

export type SignedInNurse = { readonly id: string; readonly name: string } | null;

/** Who is at the station: acknowledgements and changes are recorded with this name. */
export function SignIn({ client, nurse, onChange }: { client: GatewayClient; nurse: SignedInNurse; onChange: (nurse: SignedInNurse) => void }) {
  const [open, setOpen] = useState(false);
  const [nurses, setNurses] = useState<ReadonlyArray<{ id: string; name: string }>>([]);
  const [error, setError] = useState<string | null>(null);

  if (nurse) {
    return (
      <span className="signin" data-testid="signed-in">
        {nurse.name}{' '}
        <button type="button" onClick={() => void client.call('session.signOut', {}).then(() => onChange(null))}>
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
        onChange(signedIn);
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
