import { memo } from 'react';
import type { UiBed, UiDevice } from '../../gateway/protocol/ui-channel.js';
import { VITALS, type VitalCode } from '../../gateway/protocol/vitals.js';
import { Sparkline } from './Sparkline.js';
import type { SparklineStore } from './sparkline-store.js';

const TILE_VITALS: readonly VitalCode[] = ['HR', 'SPO2', 'RR', 'TEMP', 'ETCO2'];
/** Values older than this are shown as stale (greyed), never as current. */
export const STALE_MS = 30_000;

export function unitLabel(code: VitalCode): string {
  const unit = VITALS[code].unit;
  return unit === 'Cel' ? '°C' : unit === 'mm[Hg]' ? 'mmHg' : unit;
}

export interface BedTileProps {
  readonly bed: UiBed;
  readonly devices: readonly UiDevice[];
  readonly sparks: SparklineStore;
  readonly sparkVersion: number;
  readonly now: number;
  readonly onOpen: (bedId: string) => void;
  /** Highest priority of the bed's present alarms, if any. */
  readonly alarm: string | null;
}

/** One bed: fixed layout (no jumps as values change), large tabular numerics, units always shown. */
export const BedTile = memo(function BedTile({ bed, devices, sparks, sparkVersion, now, onOpen, alarm }: BedTileProps) {
  const online = devices.some((d) => d.state === 'connected');
  const problems = devices.flatMap((d) => d.conditions);
  const sys = bed.latest.NIBP_SYS;
  const dia = bed.latest.NIBP_DIA;
  return (
    <section className={`tile${alarm ? ` tile-alarm-${alarm}` : ''}`} data-testid={`bed-${bed.id}`} aria-label={bed.label} data-alarm={alarm ?? 'none'}>
      <button type="button" className="tile-head" onClick={() => onOpen(bed.id)} aria-label={`Open ${bed.label}`}>
        <span className="bed-label">{bed.label}</span>
        <span className={`device-state ${online ? 'online' : devices.length ? 'offline' : 'none'}`}>{devices.length === 0 ? 'no device' : online ? 'monitoring' : 'device offline'}</span>
      </button>
      <div className="patient">{bed.patient ? `${bed.patient.name} · ${bed.patient.mrn}` : 'Empty bed'}</div>
      {problems.length > 0 && (
        <div className="technical" data-testid="technical">
          {problems.map((p) => p.replace(/_/g, ' ').replace(':', ' ')).join(' · ')}
        </div>
      )}
      <div className="values">
        {TILE_VITALS.map((code) => {
          const latest = bed.latest[code];
          const stale = latest !== undefined && now - latest.ts > STALE_MS;
          return (
            <div key={code} className={`value value-${code}${stale ? ' stale' : ''}`} data-testid={`value-${code}`}>
              <span className="label">{VITALS[code].label}</span>
              <span className="number">{latest === undefined ? '–' : latest.value.toFixed(VITALS[code].precision)}</span>
              <span className="unit">{unitLabel(code)}</span>
            </div>
          );
        })}
        <div className="value value-NIBP" data-testid="value-NIBP">
          <span className="label">NIBP</span>
          <span className="number">{sys && dia ? `${sys.value}/${dia.value}` : '–'}</span>
          <span className="unit">mmHg</span>
        </div>
      </div>
      <div className="sparks">
        <Sparkline ring={sparks.ring(bed.id, 'HR')} color="var(--hr)" min={30} max={180} version={sparkVersion} now={now} />
        <Sparkline ring={sparks.ring(bed.id, 'SPO2')} color="var(--spo2)" min={70} max={100} version={sparkVersion} now={now} />
      </div>
    </section>
  );
});
