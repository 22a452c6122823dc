import { describe, expect, it } from 'vitest';
import { renderToStaticMarkup } from 'react-dom/server';
import type { AlarmsView, UiBed } from '../../gateway/protocol/ui-channel.js';
import { AlarmBar } from './AlarmBar.js';
import { BedTile } from './BedTile.js';
import type { GatewayClient } from './gateway-client.js';
import { SparklineStore } from './sparkline-store.js';

const bed: UiBed = { id: 'B1', label: 'Bed 1', patient: { id: 1, mrn: 'M1', name: 'Pat One', birthDate: null }, latest: { HR: { value: 72, ts: 1000 }, TEMP: { value: 37.04, ts: 1000 }, NIBP_SYS: { value: 120, ts: 1000 }, NIBP_DIA: { value: 80, ts: 1000 } } };
const noop = () => undefined;

describe('bed tile', () => {
  it('shows values with units, marks stale ones, and carries the alarm priority', () => {
    const html = renderToStaticMarkup(<BedTile bed={bed} devices={[]} sparks={new SparklineStore()} sparkVersion={0} now={2000} onOpen={noop} alarm="high" />);
    expect(html).toContain('Pat One · M1');
    expect(html).toMatch(/value-HR"[^>]*><span class="label">Heart rate<\/span><span class="number">72<\/span><span class="unit">\/min<\/span>/);
    expect(html).toContain('<span class="number">37.0</span><span class="unit">°C</span>');
    expect(html).toContain('120/80');
    expect(html).toContain('data-alarm="high"');
    expect(html).toContain('no device');
    const stale = renderToStaticMarkup(<BedTile bed={bed} devices={[]} sparks={new SparklineStore()} sparkVersion={0} now={1000 + 31_000} onOpen={noop} alarm={null} />);
    expect(stale).toContain('value value-HR stale');
  });
});

describe('alarm bar', () => {
  const view: AlarmsView = {
    present: [
      { id: 'a1', condition: 'SPO2_LOW', type: 'physiological', priority: 'high', state: 'latched', inactivation: 'none', bedId: 'B1', patientId: 1, deviceId: 'd', value: 97, limit: 85, worstValue: 82, worstAt: new Date(2026, 11, 3, 10, 41, 7).getTime(), startedAt: 1, acknowledgedBy: null, acknowledgedAt: null },
      { id: 'a2', condition: 'DEVICE_OFFLINE', type: 'technical', priority: 'medium', state: 'active', inactivation: 'acknowledged', bedId: 'B1', patientId: 1, deviceId: 'd', value: null, limit: null, worstValue: null, worstAt: null, startedAt: 2, acknowledgedBy: 'nurse:ann', acknowledgedAt: 3 },
    ],
    audio: { sounding: 'high', pausedUntil: 95_000 },
  };

  it('lists alarms in the order given with their colour, latched mark, who saw them, and the pause countdown', () => {
    const html = renderToStaticMarkup(<AlarmBar view={view} beds={[bed]} client={{} as GatewayClient} now={0} onError={noop} />);
    expect(html.indexOf('alarm-SPO2_LOW')).toBeLessThan(html.indexOf('alarm-DEVICE_OFFLINE'));
    expect(html).toContain('class="alarm alarm-high latched"');
    // Latched: the worst value and when, not the recovered value.
    expect(html).toContain('SpO₂ low, worst 82 at 10:41:07 (limit 85)');
    expect(html).not.toContain('SpO₂ low 97');
    expect(html).toContain('<span class="latched">latched</span>');
    expect(html).toContain('seen by ann');
    expect(html).toContain('Audio paused 1:35');
    expect(renderToStaticMarkup(<AlarmBar view={{ present: [], audio: { sounding: null, pausedUntil: null } }} beds={[]} client={{} as GatewayClient} now={0} onError={noop} />)).toBe('');
  });
});
