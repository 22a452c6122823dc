import type { Alarm, AlarmView } from '../../gateway/protocol/alarm-types.js';
import { memo } from 'react';
import type { GatewayClient } from './gateway-client.js';
import { isVitalCode, VITALS, type VitalCode } from '../../gateway/protocol/vitals.js';
import { clockTime, duration } from './time-format.js';

/** `SPO2_LOW` → "SpO₂ low", `DEVICE_OFFLINE` → "Device offline", `INVALID_VALUE_SPO2` → "Invalid value SpO₂". */
export function alarmLabel(condition: string): string {
  const physiological = /^(.*)_(HIGH|LOW)$/.exec(condition);
  if (physiological && isVitalCode(physiological[1]!)) return `${VITALS[physiological[1]! as VitalCode].label} ${physiological[2]!.toLowerCase()}`;
  const words = condition.split('_');
  const last = words[words.length - 1]!;
  const vital = isVitalCode(last) ? ` ${VITALS[last as VitalCode].label}` : '';
  const text = (vital ? words.slice(0, -1) : words).join(' ').toLowerCase();
  return text.charAt(0).toUpperCase() + text.slice(1) + vital;
}

/**
 * What an alarm says: its condition, then the value that matters. A latched alarm's condition has
 * ended, so its current value would mislead ("SpO₂ low 97"): it shows the worst value and when.
 */
export function alarmText(a: Alarm): string {
  const limit = a.limit !== null ? ` (limit ${a.limit})` : '';
  if (a.state === 'latched' && a.worstValue != null && a.worstAt != null) return `${alarmLabel(a.condition)}, worst ${a.worstValue} at ${clockTime(a.worstAt)}${limit}`;
  return `${alarmLabel(a.condition)}${a.value !== null ? ` ${a.value}` : ''}${limit}`;
}

/**
 * Present alarms, highest priority first then oldest, with when each started and how long it has
 * lasted, acknowledge, and audio pause. The bar always takes the same height (rows beyond it
 * scroll inside), so a new alarm never moves the ward under the nurse's pointer. While the page
 * has lost the station, everything here is marked as no longer current.
 */
export const AlarmBar = memo(function AlarmBar({ view, labels, client, now, live, onError }: { view: AlarmView | null; labels: ReadonlyMap<string, string>; client: GatewayClient; now: number; live: boolean; onError: (message: string) => void }) {
  const present = view?.present ?? [];
  const pausedFor = view?.audio.pausedUntil ? Math.max(0, Math.ceil((view.audio.pausedUntil - now) / 1000)) : 0;
  const fail = (e: Error) => onError(e.message);
  return (
    <div className={`alarm-bar${live ? '' : ' not-current'}`} data-testid="alarm-bar" role="alert" aria-live="assertive">
      <button type="button" className="pause" disabled={!live} onClick={() => void client.call('alarms.pauseAudio', {}).catch(fail)}>
        {!live ? 'Audio pause unknown' : pausedFor > 0 ? `Audio paused ${Math.floor(pausedFor / 60)}:${String(pausedFor % 60).padStart(2, '0')}` : 'Pause audio (2 min)'}
      </button>
      {present.length === 0 ? (
        <p className="no-alarms">{live ? 'No alarms' : 'Alarms unknown: no connection to the station'}</p>
      ) : (
        <ul>
          {present.map((a) => (
            <li
              key={a.id}
              className={`alarm alarm-${a.priority} ${a.state}${a.inactivation !== 'acknowledged' && live ? ' flashing' : ''}`}
              data-testid={`alarm-${a.condition}`}
              data-bed={a.bedId ?? ''}
            >
              <span className="where">{a.bedId ? (labels.get(a.bedId) ?? a.bedId) : a.deviceId ?? 'Station'}</span>
              <span className="what">{alarmText(a)}</span>
              <span className="onset" data-testid="onset">
                since {clockTime(a.startedAt)}
              </span>
              <span className="lasted" data-testid="lasted">
                {live ? duration(now - a.startedAt) : 'not current'}
              </span>
              {a.state === 'latched' && <span className="latched">latched</span>}
              {a.inactivation === 'acknowledged' ? (
                <span className="acked">seen by {a.acknowledgedBy?.replace(/^nurse:/, '')}</span>
              ) : (
                <button type="button" disabled={!live} onClick={() => void client.call('alarms.acknowledge', { alarmId: a.id }).catch(fail)}>
                  Acknowledge
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
});
