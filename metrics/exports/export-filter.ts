import { invalidParameter, periodRange } from '../measures/query-params';

/** The filters of the row-level exports and of the quality listing, as the client sends them (codes). */
export interface RowFilterQuery {
  /** authority codes: repeated, or comma-separated */
  authority?: string | string[];
  kind?: string;
  region?: string;
  nation?: string;
  sector?: string;
  measure?: string;
  theme?: string;
  /** `code` or `code@version` */
  framework?: string;
  /** A period label: 2025, 2025-Q1, 2025-04, FY2025-26 (its first day is the bound) */
  from?: string;
  /** A period label (its last day is the bound) */
  to?: string;
}

/** The same filters resolved to ids and dates (unknown codes refused with 404 before any row is read). */
export interface RowFilter {
  authorityIds?: number[];
  kind?: string;
  region?: string;
  nation?: string;
  sector?: string;
  measureIds?: number[];
  themeIds?: number[];
  frameworkIds?: number[];
  /** first day of `from` (inclusive) */
  fromDate?: string;
  /** last day of `to` (inclusive) */
  toDate?: string;
}

/**
 * from/to into inclusive dates (the first day of `from`, the last day of `to`), with the period forms of the measures
 * summary: 2025, 2025-Q1, 2025-04, FY2025-26. 400 naming the parameter when a label is not a period or the range is empty.
 */
export function periodFilter(from?: string, to?: string): { fromDate?: string; toDate?: string } {
  const fromDate = from ? periodRange(from, 'from').start : undefined;
  const toDate = to ? periodRange(to, 'to').end : undefined;
  if (fromDate && toDate && fromDate > toDate) {
    throw invalidParameter('from', `from (${from}) is after to (${to})`, from);
  }
  return { fromDate, toDate };
}
