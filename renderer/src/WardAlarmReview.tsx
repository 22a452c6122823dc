import { useState } from 'react';
import type { GatewayClient } from './gateway-client.js';
import { AlarmReviewList } from './AlarmReviewList.js';

const PERIODS = [
  { label: '8 h', ms: 8 * 3600_000 },
  { label: '24 h', ms: 24 * 3600_000 },
  { label: '72 h', ms: 72 * 3600_000 },
] as const;

/** The ward's alarm review: every bed's alarms in the chosen period, newest first. */
export function WardAlarmReview({ client, labels, onClose }: { client: GatewayClient; labels: ReadonlyMap<string, string>; onClose: () => void }) {
  const [period, setPeriod] = useState(() => ({ ms: PERIODS[1].ms as number, to: Date.now() }));
  return (
    <div className="detail" role="dialog" aria-label="Alarm review" data-testid="ward-alarm-review">
      <header className="detail-head">
        <h2>Alarm review — ward</h2>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </header>
      <div className="ranges" role="group" aria-label="Period">
        {PERIODS.map((p) => (
          <button type="button" key={p.label} aria-pressed={period.ms === p.ms} onClick={() => setPeriod({ ms: p.ms, to: Date.now() })}>
            Last {p.label}
          </button>
        ))}
      </div>
      <AlarmReviewList client={client} bedId={null} labels={labels} from={period.to - period.ms} to={period.to} />
    </div>
  );
}
