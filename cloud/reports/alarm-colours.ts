/**
 * IEC 60601-1-8 alarm colours: high red, medium yellow, low cyan. The same values as the
 * station's PRIORITY_COLOUR (gateway/protocol/alarm-types.ts), mirrored because the cloud
 * imports nothing from the station; a printed report and the ward screen must agree.
 */
export const PRIORITY_COLOUR: Readonly<Record<'PH' | 'PM' | 'PL', string>> = { PH: '#ff3b30', PM: '#ffd60a', PL: '#64d2ff' };
export const PRIORITY_NAME: Readonly<Record<'PH' | 'PM' | 'PL', string>> = { PH: 'High', PM: 'Medium', PL: 'Low' };
export const PRIORITIES = ['PH', 'PM', 'PL'] as const;
export type WirePriority = (typeof PRIORITIES)[number];

export const isWirePriority = (p: string): p is WirePriority => p === 'PH' || p === 'PM' || p === 'PL';

export function priorityLegend(): Array<{ colour: string; label: string; shape: 'square' }> {
  return PRIORITIES.map((p) => ({ colour: PRIORITY_COLOUR[p], label: `${PRIORITY_NAME[p]} priority`, shape: 'square' as const }));
}
