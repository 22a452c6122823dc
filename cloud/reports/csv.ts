import type { Cell } from './report-model.js';

/**
 * One RFC 4180 line. Text that a spreadsheet would run as a formula (=, +, -, @ first) is
 * prefixed with a quote (OWASP "CSV injection"): names and conditions come from outside.
 */
export function csvLine(cells: readonly Cell[]): string {
  return cells.map(csvCell).join(',') + '\r\n';
}

function csvCell(cell: Cell): string {
  if (cell === null) return '';
  if (typeof cell === 'number') return Number.isFinite(cell) ? String(cell) : '';
  const text = /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
