/**
 * PostgreSQL write-ahead log positions ("16/B374D848"): where a write sits in the primary's log,
 * and how far a standby has replayed it. Compared as 64-bit numbers.
 */
const LSN_TEXT = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/;

/** The position as a number, or null when the text is not an LSN. */
export function parseLsn(text: string): bigint | null {
  const match = LSN_TEXT.exec(text);
  if (!match) return null;
  return (BigInt(`0x${match[1]}`) << 32n) | BigInt(`0x${match[2]}`);
}

/** The position as PostgreSQL writes it (upper case hex, no leading zeros). */
export function formatLsn(lsn: bigint): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xffffffffn).toString(16).toUpperCase()}`;
}
