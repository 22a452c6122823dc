import { useEffect, useState } from 'react';
import type { AlarmReviewEntry } from '../../gateway/protocol/ui-channel.js';
import type { GatewayClient } from './gateway-client.js';
import { alarmLabel } from './AlarmBar.js';
import { dateTime, duration } from './time-format.js';

const PRIORITY_NAME = { PH: 'high', PM: 'medium', PL: 'low' } as const;

/** `nurse:ann` → "ann"; an audio pause without a sign-in → "screen (not signed in)". */
function who(actor: string | null, at: number | null): string {
  if (!actor || at === null) return '—';
  const name = actor.startsWith('nurse:') ? actor.slice(6) : actor === 'screen:unsigned' ? 'screen (not signed in)' : actor;
  return `${name}, ${dateTime(at)}`;
}

/**
 * The alarm review, read from the stored alarm events: what alarmed, when, for how long, and who
 * acknowledged or paused it. The ward's when `bedId` is null.
 */
export function AlarmReviewList({ client, bedId, labels, from, to }: { client: GatewayClient; bedId: string | null; labels: ReadonlyMap<string, string>; from: number; to: number }) {
  const [entries, setEntries] = useState<readonly AlarmReviewEntry[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let cancelled = false;
    client.call('alarms.review', { bedId, from, to, limit: 300 }).then(
      (result) => !cancelled && setEntries(result),
      (e: Error) => !cancelled && setError(e.message),
    );
    return () => {
      cancelled = true;
    };
  }, [client, bedId, from, to]);
  if (error) return <p className="error">{error}</p>;
  if (!entries) return <p className="empty">Loading alarms…</p>;
  if (entries.length === 0) return <p className="empty">No alarms in this period.</p>;
  return (
    <table className="review-table" data-testid="alarm-review">
      <thead>
        <tr>
          {bedId === null && <th>Bed</th>}
          <th>Alarm</th>
          <th>Priority</th>
          <th>Started</th>
          <th>Lasted</th>
          <th>Acknowledged by</th>
          <th>Audio paused by</th>
        </tr>
      </thead>
      <tbody>
        {entries.map((e) => (
          <tr key={e.alarmId} className={`review-${PRIORITY_NAME[e.priority]}`} data-testid={`review-${e.condition}`}>
            {bedId === null && <td>{e.bedId ? (labels.get(e.bedId) ?? e.bedId) : e.deviceId ?? 'Station'}</td>}
            <td>
              {alarmLabel(e.condition)}
              {e.value !== null ? ` ${e.value}` : ''}
              {e.limit !== null ? ` (limit ${e.limit})` : ''}
            </td>
            <td>{PRIORITY_NAME[e.priority]}</td>
            <td>{dateTime(e.startedAt)}</td>
            <td>{e.endedAt === null ? 'still present' : duration(e.endedAt - e.startedAt)}</td>
            <td>{who(e.acknowledgedBy, e.acknowledgedAt)}</td>
            <td>{who(e.pausedBy, e.pausedAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
