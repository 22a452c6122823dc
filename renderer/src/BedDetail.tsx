import { useEffect, useState, type FormEvent } from 'react';
import type { TrendSeries, UiBed, UiDevice } from '../../gateway/protocol/ui-channel.js';
import { VITALS, type VitalCode } from '../../gateway/protocol/vitals.js';
import { NIBP_STALE_MS, unitLabel } from './BedTile.js';
import { PARAMETER_COLOUR } from './parameter-colours.js';
import { AlarmReviewList } from './AlarmReviewList.js';
import { FullDisclosure } from './FullDisclosure.js';
import type { GatewayClient } from './gateway-client.js';
import { NibpChart, TrendChart, type AlarmMark, type ChartWindow } from './TrendChart.js';

const RANGES = [
  { label: '1 h', ms: 3600_000 },
  { label: '8 h', ms: 8 * 3600_000 },
  { label: '24 h', ms: 24 * 3600_000 },
  { label: '72 h', ms: 72 * 3600_000 },
] as const;
const CHARTS: ReadonlyArray<[VitalCode, string]> = [
  ['HR', PARAMETER_COLOUR.HR],
  ['SPO2', PARAMETER_COLOUR.SPO2],
  ['RR', PARAMETER_COLOUR.RR],
  ['TEMP', PARAMETER_COLOUR.TEMP],
  ['ETCO2', PARAMETER_COLOUR.ETCO2],
];

/** A bed: trends read from SQLite through the gateway, admission, and device assignment. */
export function BedDetail({ bed, beds, labels, devices, client, onClose }: { bed: UiBed; beds: readonly UiBed[]; labels: ReadonlyMap<string, string>; devices: readonly UiDevice[]; client: GatewayClient; onClose: () => void }) {
  const [range, setRange] = useState<number>(RANGES[0].ms);
  const [shown, setShown] = useState<ChartWindow>(() => ({ from: Date.now() - RANGES[0].ms, to: Date.now() }));
  const [series, setSeries] = useState<TrendSeries[]>([]);
  const [nibp, setNibp] = useState<[TrendSeries, TrendSeries] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [marks, setMarks] = useState<AlarmMark[]>([]);
  const patientId = bed.patient?.id;

  useEffect(() => {
    let cancelled = false;
    const to = Date.now();
    const from = to - range;
    const trend = (code: VitalCode, maxPoints = 600) => client.call('trend.get', { bedId: bed.id, code, from, to, maxPoints });
    // NIBP is sparse: fine buckets keep each measurement's own time (1 s at 1 h, 52 s at 72 h).
    Promise.all([...CHARTS.map(([code]) => trend(code)), trend('NIBP_SYS', 5000), trend('NIBP_DIA', 5000)]).then(
      (result) => {
        if (cancelled) return;
        setShown({ from, to });
        setSeries(result.slice(0, CHARTS.length));
        setNibp([result[CHARTS.length]!, result[CHARTS.length + 1]!]);
      },
      (e: Error) => !cancelled && setError(e.message),
    );
    client.call('alarms.history', { bedId: bed.id, from: to - range, to }).then(
      (history) => !cancelled && setMarks(history.map((h) => ({ at: h.at, priority: h.priority }))),
      () => undefined,
    );
    return () => {
      cancelled = true;
    };
  }, [bed.id, patientId, range, client]);

  const act = (promise: Promise<unknown>) => promise.then(() => setError(null), (e: Error) => setError(e.message));

  return (
    <div className="detail" role="dialog" aria-label={`${bed.label} detail`} data-testid="bed-detail">
      <header className="detail-head">
        <h2>
          {bed.label} — {bed.patient ? `${bed.patient.name} · MRN ${bed.patient.mrn}${bed.patient.birthDate ? ` · born ${bed.patient.birthDate}` : ''}` : 'empty bed'}
        </h2>
        <button type="button" onClick={onClose} aria-label="Close">
          Close
        </button>
      </header>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="ranges" role="group" aria-label="Time range">
        {RANGES.map((r) => (
          <button type="button" key={r.label} aria-pressed={range === r.ms} onClick={() => setRange(r.ms)}>
            {r.label}
          </button>
        ))}
      </div>
      <div className="charts">
        {series.map((s, i) => (
          <TrendChart key={s.code} series={s} color={CHARTS[i]![1]} width={560} marks={marks} window={shown} />
        ))}
        {nibp && <NibpChart systolic={nibp[0]} diastolic={nibp[1]} width={560} marks={marks} window={shown} now={shown.to} staleMs={NIBP_STALE_MS} />}
      </div>
      <h3>Alarms in this period</h3>
      <AlarmReviewList client={client} bedId={bed.id} labels={labels} from={shown.from} to={shown.to} />
      {bed.patient && <FullDisclosure bed={bed} client={client} />}
      <div className="admin">
        {bed.patient ? (
          <div className="admission">
            <button type="button" onClick={() => act(client.call('ward.discharge', { bedId: bed.id }))}>
              Discharge
            </button>
            <TransferForm bed={bed} beds={beds} onTransfer={(toBedId) => act(client.call('ward.transfer', { fromBedId: bed.id, toBedId }))} />
          </div>
        ) : (
          <AdmitForm onAdmit={(p) => act(client.call('ward.admit', { bedId: bed.id, ...p }))} />
        )}
        <DeviceAssign bed={bed} devices={devices} onAssign={(deviceId, bedId) => act(client.call('devices.assign', { deviceId, bedId }))} />
        <AlarmLimits bedId={bed.id} client={client} onError={setError} />
      </div>
    </div>
  );
}

const LIMIT_VITALS: readonly VitalCode[] = ['HR', 'SPO2', 'RR', 'NIBP_SYS', 'TEMP', 'ETCO2'];

/** This bed's alarm limits; a change is recorded with the nurse's id. */
function AlarmLimits({ bedId, client, onError }: { bedId: string; client: GatewayClient; onError: (m: string | null) => void }) {
  const [limits, setLimits] = useState<Partial<Record<VitalCode, { low?: number; high?: number }>>>({});
  useEffect(() => {
    client.call('alarms.limits', { bedId }).then(setLimits, (e: Error) => onError(e.message));
  }, [bedId, client, onError]);
  const save = (code: VitalCode, event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const num = (name: string) => (form.get(name) === '' || form.get(name) === null ? undefined : Number(form.get(name)));
    client.call('alarms.setLimits', { bedId, code, low: num('low'), high: num('high') }).then(
      (result) => {
        setLimits((l) => ({ ...l, [code]: result }));
        onError(null);
      },
      (e: Error) => onError(e.message),
    );
  };
  return (
    <div className="limits" aria-label="Alarm limits">
      <h3>Alarm limits</h3>
      {LIMIT_VITALS.map((code) => (
        <form key={`${code}-${limits[code]?.low}-${limits[code]?.high}`} className="limit" onSubmit={(e) => save(code, e)} aria-label={`${VITALS[code].label} limits`}>
          <span className="limit-name">
            {VITALS[code].label} ({unitLabel(code)})
          </span>
          <input name="low" type="number" step="any" aria-label={`${VITALS[code].label} low`} defaultValue={limits[code]?.low ?? ''} />
          <input name="high" type="number" step="any" aria-label={`${VITALS[code].label} high`} defaultValue={limits[code]?.high ?? ''} />
          <button type="submit">Set</button>
        </form>
      ))}
    </div>
  );
}

function AdmitForm({ onAdmit }: { onAdmit: (p: { mrn: string; name: string; birthDate: string | null }) => void }) {
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    onAdmit({ mrn: String(form.get('mrn')), name: String(form.get('name')), birthDate: String(form.get('birthDate') || '') || null });
  };
  return (
    <form className="admit" onSubmit={submit} aria-label="Admit patient">
      <label>
        Name <input name="name" required autoComplete="off" />
      </label>
      <label>
        MRN <input name="mrn" required autoComplete="off" />
      </label>
      <label>
        Date of birth <input name="birthDate" type="date" />
      </label>
      <button type="submit">Admit</button>
    </form>
  );
}

function TransferForm({ bed, beds, onTransfer }: { bed: UiBed; beds: readonly UiBed[]; onTransfer: (toBedId: string) => void }) {
  const empty = beds.filter((b) => !b.patient && b.id !== bed.id);
  const [to, setTo] = useState('');
  return (
    <form
      className="transfer"
      onSubmit={(e) => {
        e.preventDefault();
        if (to) onTransfer(to);
      }}
    >
      <label>
        Transfer to{' '}
        <select value={to} onChange={(e) => setTo(e.target.value)} aria-label="Transfer to bed">
          <option value="">choose an empty bed</option>
          {empty.map((b) => (
            <option key={b.id} value={b.id}>
              {b.label}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" disabled={!to}>
        Transfer
      </button>
    </form>
  );
}

function DeviceAssign({ bed, devices, onAssign }: { bed: UiBed; devices: readonly UiDevice[]; onAssign: (deviceId: string, bedId: string | null) => void }) {
  const here = devices.filter((d) => d.bedId === bed.id);
  const free = devices.filter((d) => !d.bedId);
  return (
    <div className="devices" aria-label="Devices">
      <h3>Devices</h3>
      <ul>
        {here.map((d) => (
          <li key={d.id}>
            {d.model} ({d.id}, {d.transport}) — {d.state === 'connected' ? 'connected' : d.state === 'never_seen' ? 'never seen' : 'disconnected'}{' '}
            <button type="button" onClick={() => onAssign(d.id, null)}>
              Unassign
            </button>
          </li>
        ))}
        {here.length === 0 && <li>No device assigned.</li>}
      </ul>
      {free.length > 0 && (
        <label>
          Assign{' '}
          <select aria-label="Assign device" defaultValue="" onChange={(e) => e.target.value && onAssign(e.target.value, bed.id)}>
            <option value="">choose a device</option>
            {free.map((d) => (
              <option key={d.id} value={d.id}>
                {d.model} ({d.id})
              </option>
            ))}
          </select>
        </label>
      )}
    </div>
  );
}
