/**
 * Periods, in one place: the labels people write (2025, 2025-Q1, 2025-04, FY2025-26), the calendar quarters every
 * rollup is keyed by (their first day), the UK financial year (April to March), and the same rules as SQL expressions
 * for the queries that group by them. Dates are ISO `YYYY-MM-DD` strings throughout (never Date objects, so no time
 * zone ever shifts a day).
 */

/** The years a period may name (the catalogue's price years are 1990-2100). */
export const PERIOD_YEARS = { from: 1990, to: 2100 } as const;

export interface DateRange {
  start: string;
  end: string;
}

const pad = (n: number) => String(n).padStart(2, '0');
const lastDay = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate();

/** A period label into its first and last day: 2025-Q1 (Jan-Mar), 2025-04 (a month), FY2025-26 (Apr 2025-Mar 2026). */
export function parsePeriod(text: string): DateRange | null {
  const t = text.trim().toUpperCase();
  let m = /^(\d{4})-?Q([1-4])$/.exec(t);
  if (m) {
    const y = Number(m[1]);
    const first = (Number(m[2]) - 1) * 3 + 1;
    return { start: `${y}-${pad(first)}-01`, end: `${y}-${pad(first + 2)}-${lastDay(y, first + 2)}` };
  }
  m = /^(\d{4})-(\d{2})$/.exec(t);
  if (m && Number(m[2]) >= 1 && Number(m[2]) <= 12) {
    const y = Number(m[1]);
    const mo = Number(m[2]);
    return { start: `${y}-${pad(mo)}-01`, end: `${y}-${pad(mo)}-${lastDay(y, mo)}` };
  }
  m = /^FY(\d{4})[-/](\d{2})$/.exec(t);
  if (m && (Number(m[1]) + 1) % 100 === Number(m[2])) {
    const y = Number(m[1]);
    return { start: `${y}-04-01`, end: `${y + 1}-03-31` };
  }
  return null;
}

/** What a period parameter takes: a year, or any label parsePeriod reads; null otherwise (or outside PERIOD_YEARS). */
export function parsePeriodParameter(label: string): DateRange | null {
  const t = label.trim();
  const range = /^\d{4}$/.test(t) ? { start: `${t}-01-01`, end: `${t}-12-31` } : parsePeriod(t);
  if (!range) return null;
  const year = Number(range.start.slice(0, 4));
  return year < PERIOD_YEARS.from || year > PERIOD_YEARS.to ? null : range;
}

/** The first day of the calendar quarter holding `date`. */
export function quarterStart(date: string): string {
  const m = Number(date.slice(5, 7));
  return `${date.slice(0, 4)}-${pad(Math.floor((m - 1) / 3) * 3 + 1)}-01`;
}

/** The first day of the calendar quarter holding `now` (UTC). */
export function currentQuarterStart(now = new Date()): string {
  return quarterStart(now.toISOString().slice(0, 10));
}

/** The last day of the last calendar quarter that has ended by `today` (2026-11-22 -> 2026-09-30; 2026-10-01 -> 2026-09-30). */
/** The day `n` days after `day` (YYYY-MM-DD; n may be negative). */
export function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

export function lastClosedQuarterEnd(today: string): string {
  const start = quarterStart(today);
  const end = new Date(Date.UTC(Number(start.slice(0, 4)), Number(start.slice(5, 7)) - 1, 0)); // day 0: the last day of the month before
  return end.toISOString().slice(0, 10);
}

// ---- the same rules in SQL ----

/** The end of the last closed calendar quarter, by the database's clock. */
export const LAST_CLOSED_QUARTER_SQL = `(date_trunc('quarter', current_date::timestamp)::date - 1)`;

export const PERIOD_TYPES = ['quarter', 'year', 'fy'] as const;
export type PeriodType = (typeof PERIOD_TYPES)[number];

/** The label of the period of type `type` holding the quarter (or date) in column `q`: 2025-Q1, 2025, or FY2025-26. */
export function periodLabelSql(q: string, type: PeriodType): string {
  if (type === 'quarter') return `to_char(${q}, 'YYYY-"Q"Q')`;
  if (type === 'year') return `extract(year from ${q})::int::text`;
  const start = `(extract(year from ${q})::int - case when extract(month from ${q}) < 4 then 1 else 0 end)`;
  return `'FY' || ${start}::text || '-' || lpad(((${start} + 1) % 100)::text, 2, '0')`;
}
