import { useEffect, useMemo, useRef, useState } from 'react';
import type { ClientStatus, GatewayClient } from './gateway-client.js';
import { applyEvent, EMPTY_WARD, type WardView } from './ward-store.js';
import { SparklineStore } from './sparkline-store.js';
import { WardGrid } from './WardGrid.js';
import { BedDetail } from './BedDetail.js';
import { StatusBar } from './StatusBar.js';
import { SignIn, type SignedInNurse } from './SignIn.js';
import { AlarmBar, alarmLabel } from './AlarmBar.js';
import type { AlarmEvent } from '../../gateway/protocol/alarm-types.js';
import { AlarmTones } from './alarm-tones.js';
import { DeviceList } from './DeviceList.js';

/**
 * The station screen. Pushed events are folded into state at most once per animation frame, so a
 * burst of updates costs one render.
 */
/** In Electron: tray count, window restore and an OS notification for new high-priority alarms. */
function tellShell(events: readonly AlarmEvent[], present: number, ward: WardView): void {
  const shell = window.station;
  if (!shell) return;
  const newHigh = events.filter((e) => e.phase === 'start' && e.alarm.priority === 'high');
  shell.alarmsChanged(present, newHigh.length > 0);
  for (const e of newHigh) {
    const bed = ward.beds.find((b) => b.id === e.alarm.bedId)?.label ?? e.alarm.deviceId ?? 'Station';
    shell.notify(`${bed}: ${alarmLabel(e.alarm.condition)}`, e.alarm.value !== null ? `Value ${e.alarm.value}` : 'High-priority alarm');
  }
}

export function App({ client }: { client: GatewayClient }) {
  const [ward, setWard] = useState<WardView>(EMPTY_WARD);
  const [status, setStatus] = useState<ClientStatus>('connecting');
  const [openBed, setOpenBed] = useState<string | null>(null);
  const [sparkVersion, setSparkVersion] = useState(0);
  const [now, setNow] = useState(() => Date.now());
  const [nurse, setNurse] = useState<SignedInNurse>(null);
  const [showDevices, setShowDevices] = useState(false);
  const sparks = useMemo(() => new SparklineStore(), []);
  const tones = useMemo(() => new AlarmTones(), []);
  const [error, setError] = useState<string | null>(null);
  const latest = useRef<WardView>(EMPTY_WARD);
  const frame = useRef<number | null>(null);

  useEffect(() => {
    const offStatus = client.onStatus((s) => {
      setStatus(s);
      // A new connection is a new session on the gateway: sign in again.
      if (s !== 'connected') setNurse(null);
    });
    const offEvent = client.onEvent((event) => {
      latest.current = applyEvent(latest.current, event);
      if (event.type === 'alarms') tellShell(event.events, event.view.present.length, latest.current);
      sparks.apply(event);
      if (frame.current === null) {
        frame.current = requestAnimationFrame(() => {
          frame.current = null;
          setWard(latest.current);
          setSparkVersion(sparks.version);
          setNow(Date.now());
        });
      }
    });
    const clock = setInterval(() => setNow(Date.now()), 1000);
    return () => {
      offStatus();
      offEvent();
      clearInterval(clock);
    };
  }, [client, sparks]);

  useEffect(() => tones.set(ward.alarms?.audio.sounding ?? null), [tones, ward.alarms]);
  const bed = openBed ? ward.beds.find((b) => b.id === openBed) : undefined;
  const alarmByBed = new Map<string, string>();
  for (const a of ward.alarms?.present ?? []) if (a.bedId && !alarmByBed.has(a.bedId)) alarmByBed.set(a.bedId, a.priority);
  return (
    <div className="app">
      <header className="topbar">
        <h1>{ward.stationName || 'Ward station'}</h1>
        <StatusBar status={ward.status} now={now} />
        <button type="button" className="devices-button" onClick={() => setShowDevices(true)}>
          Devices
        </button>
        <SignIn client={client} nurse={nurse} onChange={setNurse} />
        <span className={`link link-${status}`} data-testid="connection-status">
          {status === 'connected' ? 'Live' : status === 'connecting' ? 'Connecting…' : 'Station unreachable — retrying'}
        </span>
      </header>
      <AlarmBar view={ward.alarms} beds={ward.beds} client={client} now={now} onError={setError} />
      {error && (
        <p className="error banner" role="alert" onClick={() => setError(null)}>
          {error}
        </p>
      )}
      {ward.beds.length === 0 && status === 'connected' ? <p className="empty">No beds configured yet.</p> : <WardGrid ward={ward} alarmByBed={alarmByBed} sparks={sparks} sparkVersion={sparkVersion} now={now} onOpen={setOpenBed} />}
      {showDevices && <DeviceList devices={[...ward.devices.values()]} beds={ward.beds} now={now} onClose={() => setShowDevices(false)} />}
      {bed && <BedDetail bed={bed} beds={ward.beds} devices={[...ward.devices.values()]} client={client} onClose={() => setOpenBed(null)} />}
    </div>
  );
}
