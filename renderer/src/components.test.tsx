import { describe, expect, it } from 'vitest';
import { renderToStaticMarkup } from 'react-dom/server';
import type { ReactElement } from 'react';
import { Window } from 'happy-dom';
import type { Alarm, AlarmView } from '../../gateway/protocol/alarm-types.js';
import type { UiBed } from '../../gateway/protocol/ui-channel.js';
import { AlarmBar } from './AlarmBar.js';
import { BedTile } from './BedTile.js';
import type { GatewayClient } from './gateway-client.js';
import { SparklineStore } from './sparkline-store.js';

const bed: UiBed = { id: 'B1', label: 'Bed 1', patient: { id: 1, mrn: 'M1', name: 'Pat One', birthDate: null }, latest: { HR: { value: 72, ts: 1000 }, TEMP: { value: 37.04, ts: 1000 }, NIBP_SYS: { value: 120, ts: 1000 }, NIBP_DIA: { value: 80, ts: 1000 }, SPO2: { value: 84, ts: 1000 } } };
const noop = () => undefined;

/** Renders to markup and parses it into a DOM, so the assertions query elements, not text patterns. */
function render(element: ReactElement): HTMLElement {
  const { document } = new Window();
  const root = document.createElement('div');
  root.innerHTML = renderToStaticMarkup(element);
  return root as unknown as HTMLElement;
}

const text = (root: HTMLElement, selector: string) => root.querySelector(selector)?.textContent ?? null;
const classesOf = (root: HTMLElement, selector: string) => [...(root.querySelector(selector)?.classList ?? [])];
const spo2Low: Alarm = { id: 'a1', condition: 'SPO2_LOW', type: 'physiological', priority: 'high', state: 'latched', inactivation: 'none', bedId: 'B1', patientId: 1, deviceId: 'd', value: 97, limit: 85, worstValue: 82, worstAt: new Date(2026, 11, 3, 17, 5, 10).getTime(), startedAt: new Date(2026, 11, 3, 17, 4, 5).getTime(), acknowledgedBy: null, acknowledgedAt: null };
const offline: Alarm = { id: 'a2', condition: 'DEVICE_OFFLINE', type: 'technical', priority: 'medium', state: 'active', inactivation: 'acknowledged', bedId: 'B1', patientId: 1, deviceId: 'd', value: null, limit: null, worstValue: null, worstAt: null, startedAt: 2, acknowledgedBy: 'nurse:ann', acknowledgedAt: 3 };

describe('bed tile', () => {
  it('shows values with units, marks stale ones, and fills the alarming value in its colour with its limit', () => {
    const tile = render(<BedTile bed={bed} devices={[]} sparks={new SparklineStore()} now={2000} onOpen={noop} alarms={[spo2Low]} live />);
    expect(tile.textContent).toContain('Pat One · M1');
    expect(text(tile, '.value-HR .label')).toBe('HR');
    expect(text(tile, '.value-HR .unit')).toBe('/min');
    expect(text(tile, '.value-HR .number')).toBe('72');
    expect(text(tile, '.value-TEMP .unit')).toBe('°C');
    expect(text(tile, '.value-TEMP .number')).toBe('37.0');
    expect(tile.textContent).toContain('120/80');
    expect(tile.querySelector('[data-alarm]')?.getAttribute('data-alarm')).toBe('high');
    expect(classesOf(tile, '.value-SPO2')).toEqual(['value', 'value-SPO2', 'in-alarm', 'alarm-high', 'flashing']);
    expect(text(tile, '.value-SPO2 [data-testid="limit"]')).toBe('<85');
    expect(tile.textContent).toContain('no device');
    const stale = render(<BedTile bed={bed} devices={[]} sparks={new SparklineStore()} now={1000 + 31_000} onOpen={noop} alarms={[]} live />);
    expect(classesOf(stale, '.value-HR')).toContain('stale');
    expect(classesOf(stale, '.value-NIBP')).not.toContain('stale');
    expect(classesOf(render(<BedTile bed={bed} devices={[]} sparks={new SparklineStore()} now={1000 + 61 * 60_000} onOpen={noop} alarms={[]} live />), '.value-NIBP')).toContain('stale');
    expect(render(<BedTile bed={bed} devices={[]} sparks={new SparklineStore()} now={2000} onOpen={noop} alarms={[]} live={false} />).textContent).toContain('not current');
  });
});

describe('alarm bar', () => {
  const view: AlarmView = { present: [spo2Low, offline], audio: { sounding: 'high', pausedUntil: 95_000 } };

  it('lists alarms in the order given with their colour, onset, duration, latched mark, who saw them, and the pause countdown', () => {
    const bar = render(<AlarmBar view={view} labels={new Map([['B1', 'Bed 1']])} client={{} as GatewayClient} now={spo2Low.startedAt + 135_000} live onError={noop} />);
    const rows = [...bar.querySelectorAll('li.alarm')];
    expect(rows.map((row) => row.getAttribute('data-testid'))).toEqual(['alarm-SPO2_LOW', 'alarm-DEVICE_OFFLINE']);
    expect([...rows[0]!.classList]).toEqual(['alarm', 'alarm-high', 'latched', 'flashing']);
    expect([...rows[1]!.classList]).toEqual(['alarm', 'alarm-medium', 'active']);
    // Latched: the worst value and when, not the recovered value.
    expect(rows[0]!.textContent).toContain('SpO₂ low, worst 82 at 17:05:10 (limit 85)');
    expect(rows[0]!.textContent).not.toContain('SpO₂ low 97');
    expect(rows[0]!.querySelector('[data-testid="onset"]')?.textContent).toBe('since 17:04:05');
    expect(rows[0]!.querySelector('[data-testid="lasted"]')?.textContent).toBe('2:15');
    expect(rows[0]!.querySelector('.latched')?.textContent).toBe('latched');
    expect(rows[1]!.textContent).toContain('seen by ann');
    const paused = render(<AlarmBar view={view} labels={new Map([['B1', 'Bed 1']])} client={{} as GatewayClient} now={0} live onError={noop} />);
    expect(paused.textContent).toContain('Audio paused 1:35');
    expect(render(<AlarmBar view={{ present: [], audio: { sounding: null, pausedUntil: null } }} labels={new Map()} client={{} as GatewayClient} now={0} live onError={noop} />).textContent).toContain('No alarms');
  });

  it('marks everything as not current while the station is lost', () => {
    const bar = render(<AlarmBar view={view} labels={new Map([['B1', 'Bed 1']])} client={{} as GatewayClient} now={0} live={false} onError={noop} />);
    expect(classesOf(bar, '.alarm-bar')).toContain('not-current');
    expect(bar.querySelectorAll('.flashing')).toHaveLength(0);
    expect(bar.textContent).toContain('Audio pause unknown');
  });
});
