import { PRIORITY_COLOUR as SCREEN_COLOUR } from '../../gateway/protocol/alarm-types.js';

/**
 * IEC 60601-1-8 alarm colours (high red, medium yellow, low cyan) by wire priority, taken from
 * the ward screen's: a printed report and the ward screen must agree.
 */
export const PRIORITY_COLOUR: Readonly<Record<'PH' | 'PM' | 'PL', string>> = { PH: SCREEN_COLOUR.high, PM: SCREEN_COLOUR.medium, PL: SCREEN_COLOUR.low };
export const PRIORITY_NAME: Readonly<Record<'PH' | 'PM' | 'PL', string>> = { PH: 'High', PM: 'Medium', PL: 'Low' };
export const PRIORITIES = ['PH', 'PM', 'PL'] as const;
export type WirePriority = (typeof PRIORITIES)[number];

export const isWirePriority = (p: string): p is WirePriority => p === 'PH' || p === 'PM' || p === 'PL';

export function priorityLegend(): Array<{ colour: string; label: string; shape: 'square' }> {
  return PRIORITIES.map((p) => ({ colour: PRIORITY_COLOUR[p], label: `${PRIORITY_NAME[p]} priority`, shape: 'square' as const }));
}
