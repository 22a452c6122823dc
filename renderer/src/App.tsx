import { useEffect, useRef, useState } from 'react';
import type { UiBed, UiDevice } from '../../gateway/protocol/ui-channel.js';
import { VITALS, type VitalCode } from '../../gateway/protocol/vitals.js';
import type { ClientStatus, GatewayClient } from './gateway-client.js';
import { applyEvent, EMPTY_WARD, type WardView } from './ward-store.js';

/**
 * Minimal live ward (the full nurses' UI is its own issue): one tile per bed with the latest
 * values pushed by the gateway. Pushed events are folded into state once per animation frame.
 */
export function App({ client }: { client: GatewayClient }) {
  const [ward, setWard] = useState<WardView>(EMPTY_WARD);
  const [status, setStatus] = useState<ClientStatus>('connecting');
  const latest = useRef<WardView>(EMPTY_WARD);
  const frame = useRef<number | null>(null);

  useEffect(() => {
    const offStatus = client.onStatus(setStatus);
    const offEvent = client.onEvent((event) => {
      latest.current = applyEvent(latest.current, event);
      if (frame.current === null) {
        frame.current = requestAnimationFrame(() => {
          frame.current = null;
          setWard(latest.current);
        });
      }
    });
    return () => {
      offStatus();
      offEvent();
    };
  }, [client]);

  return (
    <div className="app">
      <header className="topbar">
        <h1>{ward.stationName || 'Ward station'}</h1>
        <span className={`link link-${status}`} data-testid="connection-status">
          {status === 'connected' ? 'Live' : status === 'connecting' ? 'Connecting…' : 'Station unreachable — retrying'}
        </span>
      </header>
      <main className="ward" data-testid="ward">
        {ward.beds.map((bed) => (
          <BedTile key={bed.id} bed={bed} devices={[...ward.devices.values()].filter((d) => d.bedId === bed.id)} />
        ))}
        {ward.beds.length === 0 && status === 'connected' && <p className="empty">No beds configured yet.</p>}
      </main>
    </div>
  );
}

const TILE_VITALS: readonly VitalCode[] = ['HR', 'SPO2', 'RR', 'TEMP', 'ETCO2'];

function BedTile({ bed, devices }: { bed: UiBed; devices: readonly UiDevice[] }) {
  const online = devices.some((d) => d.state === 'connected');
  const sys = bed.latest.NIBP_SYS?.value;
  const dia = bed.latest.NIBP_DIA?.value;
  return (
    <section className="tile" data-testid={`bed-${bed.id}`} aria-label={bed.label}>
      <div className="tile-head">
        <span className="bed-label">{bed.label}</span>
        <span className={`device-state ${online ? 'online' : 'offline'}`}>{devices.length === 0 ? 'no device' : online ? 'monitoring' : 'device offline'}</span>
      </div>
      <div className="patient">{bed.patient ? `${bed.patient.name} · ${bed.patient.mrn}` : 'Empty bed'}</div>
      <div className="values">
        {TILE_VITALS.map((code) => (
          <Value key={code} code={code} value={bed.latest[code]?.value} />
        ))}
        <div className="value" data-testid="value-NIBP">
          <span className="label">NIBP</span>
          <span className="number">{sys !== undefined && dia !== undefined ? `${sys}/${dia}` : '–'}</span>
          <span className="unit">mmHg</span>
        </div>
      </div>
    </section>
  );
}

function Value({ code, value }: { code: VitalCode; value: number | undefined }) {
  const def = VITALS[code];
  return (
    <div className={`value value-${code}`} data-testid={`value-${code}`}>
      <span className="label">{def.label}</span>
      <span className="number">{value === undefined ? '–' : value.toFixed(def.precision)}</span>
      <span className="unit">{def.unit === 'Cel' ? '°C' : def.unit === 'mm[Hg]' ? 'mmHg' : def.unit}</span>
    </div>
  );
}
