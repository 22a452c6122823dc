import { memo } from 'react';
import type { Alarm } from '../../gateway/protocol/alarm-types.js';
import type { UiBed, UiDevice } from '../../gateway/protocol/ui-channel.js';
import { VITALS, type VitalCode } from '../../gateway/protocol/vitals.js';
import { Sparkline } from './Sparkline.js';
import type { SparklineStore } from './sparkline-store.js';
import { cellAlarms, highestPriority, type CellAlarm, type TileCell } from './tile-alarms.js';
import { PARAMETER_COLOUR } from './parameter-colours.js';
import { WaveStrip } from './WaveStrip.js';
import type { WaveStrips } from './wave-strips.js';
import type { AlarmPriority } from '../../gateway/protocol/alarm-types.js';

const TILE_VITALS: ReadonlyArray<Exclude<TileCell, 'NIBP'>> = ['HR', 'SPO2', 'RR', 'TEMP', 'ETCO2'];
const SHORT_LABEL: Readonly<Record<TileCell, string>> = { HR: 'HR', SPO2: 'SpO₂', RR: 'RR', TEMP: 'Temp', ETCO2: 'EtCO₂', NIBP: 'NIBP' };
/** Values older than this are shown as stale (greyed), never as current. */
export const STALE_MS = 30_000;
/** NIBP is measured every 15–60 min, not continuously: older than this it is greyed. */
export const NIBP_STALE_MS = 60 * 60_000;

export function unitLabel(code: VitalCode): string {
  const unit = VITALS[code].unit;
  return unit === 'Cel' ? '°C' : unit === 'mm[Hg]' ? 'mmHg' : unit;
}

export interface BedTileProps {
  readonly bed: UiBed;
  readonly devices: readonly UiDevice[];
  readonly sparks: SparklineStore;
  /** A clock ticking once a second: staleness and sparklines follow it. */
  readonly now: number;
  readonly onOpen: (bedId: string) => void;
  /** The bed's present alarms, highest priority first (one stable empty array when none). */
  readonly alarms: readonly Alarm[];
  /** False while the page has lost the station: nothing on the tile may look current. */
  readonly live: boolean;
  /** Live waveform strips (ECG and pleth); absent, the tile shows numbers only. */
  readonly strips?: WaveStrips;
}

/** A bed in alarm draws its strips in the alarm's colour (as its border), like the monitor does. */
const ALARM_STROKE: Readonly<Record<AlarmPriority, string>> = { high: '#ff453a', medium: '#ffd60a', low: '#64d2ff' };

function limitText(alarm: CellAlarm | undefined): string | null {
  if (!alarm || alarm.limit === null) return null;
  return `${alarm.direction === 'LOW' ? '<' : '>'}${alarm.limit}`;
}

function Cell({ cell, unit, number, stale, alarm }: { cell: TileCell; unit: string; number: string; stale: boolean; alarm: CellAlarm | undefined }) {
  const limit = limitText(alarm);
  return (
    <div
      className={`value value-${cell}${stale ? ' stale' : ''}${alarm ? ` in-alarm alarm-${alarm.priority}${alarm.flashing ? ' flashing' : ''}` : ''}`}
      data-testid={`value-${cell}`}
      data-alarm={alarm?.priority ?? 'none'}
    >
      <span className="value-head">
        <span className="label">{SHORT_LABEL[cell]}</span>
        <span className="unit">{unit}</span>
        {limit && (
          <span className="limit" data-testid="limit">
            {limit}
          </span>
        )}
      </span>
      <span className="number">{number}</span>
    </div>
  );
}

/**
 * One bed: fixed layout (no jumps as values change), large tabular numerics, units always shown.
 * A parameter in alarm is filled with its priority colour and shows the limit it crossed.
 */
export const BedTile = memo(function BedTile({ bed, devices, sparks, now, onOpen, alarms, live, strips }: BedTileProps) {
  const online = devices.some((d) => d.state === 'connected');
  const problems = devices.flatMap((d) => d.conditions);
  const cells = cellAlarms(alarms);
  const priority = highestPriority(alarms);
  const flashing = alarms.some((a) => a.priority === priority && a.inactivation !== 'acknowledged');
  const sys = bed.latest.NIBP_SYS;
  const dia = bed.latest.NIBP_DIA;
  const deviceText = !live ? 'not current' : devices.length === 0 ? 'no device' : online ? 'monitoring' : 'device offline';
  return (
    <section
      className={`tile${priority ? ` tile-alarm-${priority}${flashing ? ' flashing' : ''}` : ''}${live ? '' : ' not-current'}`}
      data-testid={`bed-${bed.id}`}
      aria-label={bed.label}
      data-alarm={priority ?? 'none'}
    >
      <button type="button" className="tile-head" onClick={() => onOpen(bed.id)} aria-label={`Open ${bed.label}`}>
        <span className="bed-label">{bed.label}</span>
        <span className={`device-state ${!live ? 'unknown' : online ? 'online' : devices.length ? 'offline' : 'none'}`} data-testid="device-state">
          {deviceText}
        </span>
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
          return (
            <Cell
              key={code}
              cell={code}
              unit={unitLabel(code)}
              number={latest === undefined ? '–' : latest.value.toFixed(VITALS[code].precision)}
              stale={latest !== undefined && now - latest.ts > STALE_MS}
              alarm={cells[code]}
            />
          );
        })}
        <Cell cell="NIBP" unit="mmHg" number={sys && dia ? `${sys.value}/${dia.value}` : '–'} stale={sys !== undefined && now - sys.ts > NIBP_STALE_MS} alarm={cells.NIBP} />
      </div>
      {strips && (
        <div className="waves">
          <WaveStrip strips={strips} bedId={bed.id} wave="ECG_II" colour={priority ? ALARM_STROKE[priority] : PARAMETER_COLOUR.HR} />
          <WaveStrip strips={strips} bedId={bed.id} wave="PLETH" colour={priority ? ALARM_STROKE[priority] : PARAMETER_COLOUR.SPO2} />
        </div>
      )}
      <div className="sparks">
        <Sparkline ring={sparks.ring(bed.id, 'HR')} color={PARAMETER_COLOUR.HR} min={30} max={180} now={now} />
        <Sparkline ring={sparks.ring(bed.id, 'SPO2')} color={PARAMETER_COLOUR.SPO2} min={70} max={100} now={now} />
      </div>
    </section>
  );
});
