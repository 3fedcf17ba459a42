import { EN_GB_TIME } from './theme';

/** Dates as the contract and quality pages print them (pure helpers of contract.board.ts and quality.board.ts). */

const pad = (n: number) => String(n).padStart(2, '0');

/** The last day of the month `m` (1..12) of year `y`. */
function monthEnd(y: number, m: number): string {
  return `${y}-${pad(m)}-${pad(new Date(Date.UTC(y, m, 0)).getUTCDate())}`;
}

/** The calendar quarter holding a date: 2025-05-12 -> 2025-Q2. */
export function quarterLabel(date: string): string {
  return `${date.slice(0, 4)}-Q${Math.floor((Number(date.slice(5, 7)) - 1) / 3) + 1}`;
}

/**
 * A return's or commitment's period in words: a calendar quarter (2025-Q1), a month (2025-04), a calendar year
 * (2025), a financial year (FY2025-26), else its two days (2025-04-15 to 2025-07-14).
 */
export function periodLabel(start: string, end: string): string {
  const y = Number(start.slice(0, 4));
  const m = Number(start.slice(5, 7));
  if (start.slice(8, 10) === '01') {
    if (end === monthEnd(y, m)) return `${y}-${pad(m)}`;
    if ((m - 1) % 3 === 0 && end === monthEnd(y, m + 2)) return quarterLabel(start);
    if (m === 1 && end === `${y}-12-31`) return String(y);
    if (m === 4 && end === `${y + 1}-03-31`) return `FY${y}-${pad((y + 1) % 100)}`;
  }
  return `${start} to ${end}`;
}

/** A day as en-GB prints it: 2025-04-01 -> 1 April 2025; none: an en dash. */
export function dayLabel(date: string | null | undefined): string {
  if (!date || !/^\d{4}-\d{2}-\d{2}/.test(date)) return '–';
  return `${Number(date.slice(8, 10))} ${EN_GB_TIME.months[Number(date.slice(5, 7)) - 1]} ${date.slice(0, 4)}`;
}
