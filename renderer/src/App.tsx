import { useEffect, useMemo, useRef, useState } from 'react';
import type { ClientStatus, GatewayClient } from './gateway-client.js';
import { applyEvent, EMPTY_WARD, type WardView } from './ward-store.js';
import { SparklineStore } from './sparkline-store.js';
import { WardGrid } from './WardGrid.js';
import { BedDetail } from './BedDetail.js';
import { StatusBar } from './StatusBar.js';
import { SignIn, type SignedInNurse } from './SignIn.js';
import { AlarmBar, alarmLabel } from './AlarmBar.js';
import type { Alarm, AlarmEvent } from '../../gateway/protocol/alarm-types.js';
import { AlarmTones } from './alarm-tones.js';
import { DeviceList } from './DeviceList.js';
import { ConnectionBanner } from './ConnectionBanner.js';
import { alarmsByBed } from './tile-alarms.js';
import { WardAlarmReview } from './WardAlarmReview.js';
import { SetupGuide } from './SetupGuide.js';
import { WaveStrips } from './wave-strips.js';

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

const NO_ALARMS = new Map<string, Alarm[]>();

/**
 * The station screen. Pushed events are folded into state at most once per animation frame, so a
 * burst of updates costs one render; the clock that greys stale values ticks once a second.
 */
export function App({ client }: { client: GatewayClient }) {
  const [ward, setWard] = useState<WardView>(EMPTY_WARD);
  const [status, setStatus] = useState<ClientStatus>('connecting');
  const [openBed, setOpenBed] = useState<string | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const [nurse, setNurse] = useState<SignedInNurse>(null);
  const [showDevices, setShowDevices] = useState(false);
  const [showReview, setShowReview] = useState(false);
  const sparks = useMemo(() => new SparklineStore(), []);
  const strips = useMemo(() => new WaveStrips((bedIds, waves) => client.call('waves.subscribe', { bedIds, waves })), [client]);
  const tones = useMemo(() => new AlarmTones(), []);
  const [soundOn, setSoundOn] = useState(() => tones.running);
  const [error, setError] = useState<string | null>(null);
  const latest = useRef<WardView>(EMPTY_WARD);
  const frame = useRef<number | null>(null);
  const live = status === 'connected';

  useEffect(() => {
    const offStatus = client.onStatus(setStatus);
    const offEvent = client.onEvent((event) => {
      // Wave frames go to the strips' own loop, never through React state.
      if (event.type === 'wave') return strips.apply(event);
      latest.current = applyEvent(latest.current, event);
      if (event.type === 'alarms') tellShell(event.events, event.view.present.length, latest.current);
      sparks.apply(event);
      if (frame.current === null) {
        frame.current = requestAnimationFrame(() => {
          frame.current = null;
          setWard(latest.current);
        });
      }
    });
    const clock = setInterval(() => setNow(Date.now()), 1000);
    return () => {
      offStatus();
      offEvent();
      clearInterval(clock);
    };
  }, [client, sparks, strips]);
  // The station forgets a screen's wave subscription when the connection drops.
  useEffect(() => {
    if (live) strips.resubscribe();
  }, [live, strips]);

  useEffect(() => tones.onRunningChange(setSoundOn), [tones]);
  // Sparklines start with the last ten minutes the gateway kept, not empty.
  useEffect(() => {
    if (live) client.call('ward.sparklines', {}).then((history) => sparks.seed(history), () => undefined);
  }, [client, live, sparks]);
  // Losing the station is announced by the page itself: the gateway cannot tell anyone.
  const lost = status === 'disconnected';
  useEffect(() => tones.set(lost ? 'connection_lost' : live ? (ward.alarms?.audio.sounding ?? null) : null), [tones, ward.alarms, lost, live]);

  // Esc closes whatever dialog is open; alarms stay visible above every dialog anyway.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'Escape') return;
      setOpenBed(null);
      setShowDevices(false);
      setShowReview(false);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const byBed = useMemo(() => (ward.alarms ? alarmsByBed(ward.alarms.present) : NO_ALARMS), [ward.alarms]);
  const bed = openBed ? ward.beds.find((b) => b.id === openBed) : undefined;
  return (
    <div className={`app${live ? '' : ' not-current'}`}>
      <header className="topbar">
        <h1>{ward.stationName || 'Ward station'}</h1>
        {!soundOn && (
          <button type="button" className="sound-off" data-testid="sound-off" onClick={() => tones.enable()}>
            Sound is off — click to enable
          </button>
        )}
        <StatusBar status={ward.status} now={now} />
        <button type="button" onClick={() => setShowReview(true)}>
          Alarm review
        </button>
        <button type="button" className="devices-button" onClick={() => setShowDevices(true)}>
          Devices
        </button>
        <SignIn client={client} nurse={nurse} live={live} onChange={setNurse} />
        <span className={`link link-${status}`} data-testid="connection-status">
          {status === 'connected' ? 'Live' : status === 'connecting' ? 'Connecting…' : 'Not live'}
        </span>
        <ConnectionBanner status={status} />
      </header>
      <AlarmBar view={ward.alarms} labels={ward.labels} client={client} now={now} live={live} onError={setError} />
      <main className="main">
        {ward.beds.length === 0 && live ? <SetupGuide client={client} /> : <WardGrid ward={ward} alarmsByBed={byBed} sparks={sparks} strips={strips} now={now} live={live} onOpen={setOpenBed} />}
        {showReview && <WardAlarmReview client={client} labels={ward.labels} onClose={() => setShowReview(false)} />}
        {showDevices && <DeviceList devices={[...ward.devices.values()]} beds={ward.beds} now={now} onClose={() => setShowDevices(false)} />}
        {bed && <BedDetail bed={bed} beds={ward.beds} labels={ward.labels} devices={[...ward.devices.values()]} client={client} onClose={() => setOpenBed(null)} />}
      </main>
      {error && (
        <p className="error toast" role="alert" onClick={() => setError(null)}>
          {error}
        </p>
      )}
    </div>
  );
}
