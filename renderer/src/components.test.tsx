import { describe, expect, it } from 'vitest';
import { renderToStaticMarkup } from 'react-dom/server';
import type { Alarm, AlarmView } from '../../gateway/protocol/alarm-types.js';
import type { UiBed } from '../../gateway/protocol/ui-channel.js';
import { AlarmBar } from './AlarmBar.js';
import { BedTile } from './BedTile.js';
import type { GatewayClient } from './gateway-client.js';
import { SparklineStore } from './sparkline-store.js';

const bed: UiBed = { id: 'B1', label: 'Bed 1', patient: { id: 1, mrn: 'M1', name: 'Pat One', birthDate: null }, latest: { HR: { value: 72, ts: 1000 }, TEMP: { value: 37.04, ts: 1000 }, NIBP_SYS: { value: 120, ts: 1000 }, NIBP_DIA: { value: 80, ts: 1000 }, SPO2: { value: 84, ts: 1000 } } };
const noop = () => undefined;
const spo2Low: Alarm = { id: 'a1', condition: 'SPO2_LOW', type: 'physiological', priority: 'high', state: 'latched', inactivation: 'none', bedId: 'B1', patientId: 1, deviceId: 'd', value: 97, limit: 85, worstValue: 82, worstAt: new Date(2026, 11, 3, 17, 5, 10).getTime(), startedAt: new Date(2026, 11, 3, 17, 4, 5).getTime(), acknowledgedBy: null, acknowledgedAt: null };
const offline: Alarm = { id: 'a2', condition: 'DEVICE_OFFLINE', type: 'technical', priority: 'medium', state: 'active', inactivation: 'acknowledged', bedId: 'B1', patientId: 1, deviceId: 'd', value: null, limit: null, worstValue: null, worstAt: null, startedAt: 2, acknowledgedBy: 'nurse:ann', acknowledgedAt: 3 };

describe('bed tile', () => {
  it('shows values with units, marks stale ones, and fills the alarming value in its colour with its limit', () => {
    const html = renderToStaticMarkup(<BedTile bed={bed} devices={[]} sparks={new SparklineStore()} now={2000} onOpen={noop} alarms={[spo2Low]} live />);
    expect(html).toContain('Pat One · M1');
    expect(html).toMatch(/value-HR"[^>]*><span class="value-head"><span class="label">HR<\/span><span class="unit">\/min<\/span><\/span><span class="number">72<\/span>/);
    expect(html).toMatch(/<span class="unit">°C<\/span><\/span><span class="number">37.0<\/span>/);
    expect(html).toContain('120/80');
    expect(html).toContain('data-alarm="high"');
    expect(html).toMatch(/class="value value-SPO2 in-alarm alarm-high flashing"[^>]*>.*<span class="limit" data-testid="limit">&lt;85<\/span>/);
    expect(html).toContain('no device');
    const stale = renderToStaticMarkup(<BedTile bed={bed} devices={[]} sparks={new SparklineStore()} now={1000 + 31_000} onOpen={noop} alarms={[]} live />);
    expect(stale).toContain('value value-HR stale');
    expect(stale).not.toContain('value value-NIBP stale');
    expect(renderToStaticMarkup(<BedTile bed={bed} devices={[]} sparks={new SparklineStore()} now={1000 + 61 * 60_000} onOpen={noop} alarms={[]} live />)).toContain('value value-NIBP stale');
    expect(renderToStaticMarkup(<BedTile bed={bed} devices={[]} sparks={new SparklineStore()} now={2000} onOpen={noop} alarms={[]} live={false} />)).toContain('not current');
  });
});

describe('alarm bar', () => {
  const view: AlarmView = { present: [spo2Low, offline], audio: { sounding: 'high', pausedUntil: 95_000 } };

  it('lists alarms in the order given with their colour, onset, duration, latched mark, who saw them, and the pause countdown', () => {
    const html = renderToStaticMarkup(<AlarmBar view={view} labels={new Map([['B1', 'Bed 1']])} client={{} as GatewayClient} now={spo2Low.startedAt + 135_000} live onError={noop} />);
    expect(html.indexOf('alarm-SPO2_LOW')).toBeLessThan(html.indexOf('alarm-DEVICE_OFFLINE'));
    expect(html).toContain('class="alarm alarm-high latched flashing"');
    expect(html).toContain('class="alarm alarm-medium active"');
    // Latched: the worst value and when, not the recovered value.
    expect(html).toContain('SpO₂ low, worst 82 at 17:05:10 (limit 85)');
    expect(html).not.toContain('SpO₂ low 97');
    expect(html).toContain('since 17:04:05');
    expect(html).toContain('>2:15<');
    expect(html).toContain('<span class="latched">latched</span>');
    expect(html).toContain('seen by ann');
    const paused = renderToStaticMarkup(<AlarmBar view={view} labels={new Map([['B1', 'Bed 1']])} client={{} as GatewayClient} now={0} live onError={noop} />);
    expect(paused).toContain('Audio paused 1:35');
    expect(renderToStaticMarkup(<AlarmBar view={{ present: [], audio: { sounding: null, pausedUntil: null } }} labels={new Map()} client={{} as GatewayClient} now={0} live onError={noop} />)).toContain('No alarms');
  });

  it('marks everything as not current while the station is lost', () => {
    const html = renderToStaticMarkup(<AlarmBar view={view} labels={new Map([['B1', 'Bed 1']])} client={{} as GatewayClient} now={0} live={false} onError={noop} />);
    expect(html).toContain('alarm-bar not-current');
    expect(html).not.toContain('flashing');
    expect(html).toContain('Audio pause unknown');
  });
});
