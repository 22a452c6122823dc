import type { Alarm } from '../../gateway/protocol/alarm-types.js';
import type { AlarmsView } from '../../gateway/protocol/ui-channel.js';
import type { UiBed } from '../../gateway/protocol/ui-channel.js';
import type { GatewayClient } from './gateway-client.js';
import { isVitalCode, VITALS, type VitalCode } from '../../gateway/protocol/vitals.js';

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

/** Local wall-clock time of day, HH:MM:SS. */
function timeOfDay(at: number): string {
  const d = new Date(at);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

/**
 * What an alarm says: its condition, then the value that matters. A latched alarm's condition has
 * ended, so its current value would mislead ("SpO₂ low 97"): it shows the worst value and when.
 */
export function alarmText(a: Alarm): string {
  const limit = a.limit !== null ? ` (limit ${a.limit})` : '';
  if (a.state === 'latched' && a.worstValue != null && a.worstAt != null) return `${alarmLabel(a.condition)}, worst ${a.worstValue} at ${timeOfDay(a.worstAt)}${limit}`;
  return `${alarmLabel(a.condition)}${a.value !== null ? ` ${a.value}` : ''}${limit}`;
}

/** Present alarms, highest priority first then oldest, with acknowledge and audio pause. */
export function AlarmBar({ view, beds, client, now, onError }: { view: AlarmsView | null; beds: readonly UiBed[]; client: GatewayClient; now: number; onError: (message: string) => void }) {
  if (!view || view.present.length === 0) return null;
  const bedLabel = new Map(beds.map((b) => [b.id, b.label]));
  const pausedFor = view.audio.pausedUntil ? Math.max(0, Math.ceil((view.audio.pausedUntil - now) / 1000)) : 0;
  const fail = (e: Error) => onError(e.message);
  return (
    <div className="alarm-bar" data-testid="alarm-bar" role="alert" aria-live="assertive">
      <button type="button" className="pause" onClick={() => void client.call('alarms.pauseAudio', {}).catch(fail)}>
        {pausedFor > 0 ? `Audio paused ${Math.floor(pausedFor / 60)}:${String(pausedFor % 60).padStart(2, '0')}` : 'Pause audio (2 min)'}
      </button>
      <ul>
        {view.present.map((a) => (
          <li key={a.id} className={`alarm alarm-${a.priority} ${a.state}`} data-testid={`alarm-${a.condition}`}>
            <span className="where">{a.bedId ? (bedLabel.get(a.bedId) ?? a.bedId) : a.deviceId ?? 'Station'}</span>
            <span className="what">{alarmText(a)}</span>
            {a.state === 'latched' && <span className="latched">latched</span>}
            {a.inactivation === 'acknowledged' ? (
              <span className="acked">seen by {a.acknowledgedBy?.replace(/^nurse:/, '')}</span>
            ) : (
              <button type="button" onClick={() => void client.call('alarms.acknowledge', { alarmId: a.id }).catch(fail)}>
                Acknowledge
              </button>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}
