import type { UiBed, UiDevice } from '../../gateway/protocol/ui-channel.js';

function seen(lastSeen: number | null, now: number): string {
  if (lastSeen === null) return 'never';
  const s = Math.round((now - lastSeen) / 1000);
  return s < 60 ? `${s} s ago` : s < 3600 ? `${Math.round(s / 60)} min ago` : `${Math.round(s / 3600)} h ago`;
}

/** Every registered device: model, transport, bed, connection state, last data, problems. */
export function DeviceList({ devices, beds, now, onClose }: { devices: readonly UiDevice[]; beds: readonly UiBed[]; now: number; onClose: () => void }) {
  const bedLabel = new Map(beds.map((b) => [b.id, b.label]));
  return (
    <div className="detail" role="dialog" aria-label="Devices" data-testid="device-list">
      <header className="detail-head">
        <h2>Devices ({devices.length})</h2>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </header>
      <table className="devices-table">
        <thead>
          <tr>
            <th>Device</th>
            <th>Model</th>
            <th>Transport</th>
            <th>Bed</th>
            <th>Connection</th>
            <th>Last data</th>
            <th>Rejected inputs</th>
            <th>Problems</th>
          </tr>
        </thead>
        <tbody>
          {[...devices]
            .sort((a, b) => a.id.localeCompare(b.id))
            .map((d) => (
              <tr key={d.id} data-testid={`device-${d.id}`}>
                <td>{d.id}</td>
                <td>{d.model}</td>
                <td>{d.transport === 'hl7' ? 'HL7 / MLLP' : d.transport === 'websocket' ? 'WebSocket' : 'Serial'}</td>
                <td>{d.bedId ? (bedLabel.get(d.bedId) ?? d.bedId) : '—'}</td>
                <td className={d.state === 'connected' ? 'ok' : 'warn'}>{d.state === 'never_seen' ? 'never seen' : d.state}</td>
                <td>{seen(d.lastSeen, now)}</td>
                <td>{d.rejectedFrames}</td>
                <td>{d.conditions.map((c) => c.replace(/_/g, ' ')).join(', ')}</td>
              </tr>
            ))}
        </tbody>
      </table>
    </div>
  );
}
