import type { ClientStatus } from './gateway-client.js';

/** What the page says when it is not live, in words that tell the nurse what to do. */
export const CONNECTION_MESSAGES: Readonly<Record<'disconnected' | 'no_token' | 'token_refused', string>> = {
  disconnected: 'Connection to the station lost — values and alarms on this screen are NOT current. Reconnecting…',
  no_token: "This page was opened without the station's access link. Open the Ward station app, or the page address the station printed when it started (it ends in #token=…).",
  token_refused: "The station does not accept this page's access link. Open the Ward station app, or the page address the station printed when it started.",
};

/** Full-width, over the top bar (so nothing below moves): impossible to miss from across the room. */
export function ConnectionBanner({ status }: { status: ClientStatus }) {
  if (status !== 'disconnected' && status !== 'no_token' && status !== 'token_refused') return null;
  return (
    <div className={`connection-banner connection-${status}`} data-testid="connection-banner" role="alert">
      {CONNECTION_MESSAGES[status]}
    </div>
  );
}
