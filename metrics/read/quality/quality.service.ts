import { Injectable } from '@nestjs/common';
import { DerivedDataService } from '../../derive/derived-data.service';
import { lastClosedQuarterEnd } from '../../platform/periods';
import { EVERYTHING, invalidParameter, parseReadFilter, toList, withinScope, type ReadFilterQuery, type ReadScope } from '../../reference/read-filter/read-filter';
import { ReadFilterRepository } from '../../reference/read-filter/read-filter.repository';
import { ROW_FILTERS } from '../row-filter';
import { OUTCOME_CHECKS, QUALITY_CHECKS, QualityRepository, type OutcomeCheck, type QualityCheck } from './quality.repository';
import { MODIFIED_Z_FACTOR, OUTLIER_THRESHOLD } from '../../derive/quality/outliers';

export interface QualityQuery extends ReadFilterQuery {
  /** checks: repeated, or comma-separated */
  check?: string | string[];
  /** The day closed quarters are judged on (default today, UTC) */
  as_of?: string;
  limit: number;
  offset: number;
}

export const QUALITY_RULES = {
  outlier: `modified z-score of value per £ of contract value within a measure: x = nominal £ (quantity_canonical x the measure's nominal factor for the year of the period end; record_only measures: quantity) / contract value_gbp; z = ${MODIFIED_Z_FACTOR} (x - median) / MAD over the latest outcomes of the measure with a contract value; flagged when |z| > ${OUTLIER_THRESHOLD}; a measure whose MAD is 0 has no flags`,
  duplicate_evidence:
    'the same evidence reference (trimmed, case-insensitive) on latest outcomes of two or more contracts; an exchange delivery (exchange-match-<id>) claimed by any outcome but its own',
  outside_contract: "a latest outcome whose period starts before the contract's start date or ends after its end date",
  missing_return:
    'an awarded contract with commitments and no return (a latest outcome whose period overlaps the quarter) for a closed calendar quarter of its term',
} as const;

/** Data quality: which outcome rows are suspicious, and which returns are missing. */
@Injectable()
export class QualityService {
  constructor(
    private readonly quality: QualityRepository,
    private readonly filters: ReadFilterRepository,
    private readonly derived: DerivedDataService,
  ) {}

  /** The request read once: the filter within the caller's scope, the checks asked for, the day quarters are judged on. */
  private async prepare(query: Omit<QualityQuery, 'limit' | 'offset'>, scope: ReadScope) {
    const filter = await this.filters.resolve(withinScope(parseReadFilter(query, ROW_FILTERS), scope));
    const requested = toList(query.check, 'check') ?? [];
    const unknown = requested.find((c) => !(QUALITY_CHECKS as readonly string[]).includes(c));
    if (unknown) throw invalidParameter('check', `check: ${unknown} is not one of ${QUALITY_CHECKS.join(', ')}`, unknown);
    const checks: QualityCheck[] = requested.length > 0 ? QUALITY_CHECKS.filter((c) => requested.includes(c)) : [...QUALITY_CHECKS];
    const outcomeChecks = checks.filter((c): c is OutcomeCheck => (OUTCOME_CHECKS as readonly string[]).includes(c));
    const asOf = query.as_of ?? new Date().toISOString().slice(0, 10);
    const lastClosedEnd = lastClosedQuarterEnd(asOf);
    if (outcomeChecks.includes('outlier')) await this.derived.ensureOutliersCurrent();
    return { filter, checks, outcomeChecks, asOf, lastClosedEnd };
  }

  /** The flagged rows and missing returns the caller may read (`scope`: a submitter key reads its authorities). */
  async list(query: QualityQuery, scope: ReadScope = EVERYTHING) {
    const { filter, checks, outcomeChecks, asOf, lastClosedEnd } = await this.prepare(query, scope);
    const counts: Record<string, number> = await this.quality.countFlags(filter, outcomeChecks);
    const data = await this.quality.listFlags(filter, outcomeChecks, query.limit, query.offset);
    let missing: { data: unknown[]; page: { limit: number; offset: number; total: number } } | null = null;
    if (checks.includes('missing_return')) {
      const total = await this.quality.countMissing(filter, lastClosedEnd);
      counts.missing_return = total;
      const rows = total > query.offset ? await this.quality.listMissing(filter, lastClosedEnd, query.limit, query.offset) : [];
      missing = { data: rows, page: { limit: query.limit, offset: query.offset, total } };
    }
    return {
      checks,
      rules: Object.fromEntries(checks.map((c) => [c, QUALITY_RULES[c]])),
      as_of: asOf,
      last_closed_quarter_end: lastClosedEnd,
      counts,
      data,
      page: { limit: query.limit, offset: query.offset, total: outcomeChecks.reduce((n, c) => n + (counts[c] ?? 0), 0) },
      missing_returns: missing,
      outlier_stats: outcomeChecks.includes('outlier') ? await this.quality.outlierStats(filter) : undefined,
    };
  }

  /**
   * What `list` counts, by calendar quarter and not paged (for the dashboards): each check's flags by the quarter of
   * the flagged return's period end, and missing returns by their quarter; the same checks, filters and scope, so
   * each check's quarters sum to its count in `list`.
   */
  async countsByQuarter(query: Omit<QualityQuery, 'limit' | 'offset'>, scope: ReadScope = EVERYTHING) {
    const { filter, checks, outcomeChecks, asOf, lastClosedEnd } = await this.prepare(query, scope);
    const rows: Array<{ check: QualityCheck; quarter: string; n: number }> = await this.quality.countFlagsByQuarter(filter, outcomeChecks);
    if (checks.includes('missing_return')) {
      for (const r of await this.quality.countMissingByQuarter(filter, lastClosedEnd)) rows.push({ check: 'missing_return', ...r });
    }
    const counts: Record<string, number> = Object.fromEntries(checks.map((c) => [c, rows.filter((r) => r.check === c).reduce((n, r) => n + r.n, 0)]));
    return { checks, rules: Object.fromEntries(checks.map((c) => [c, QUALITY_RULES[c]])), as_of: asOf, last_closed_quarter_end: lastClosedEnd, counts, rows };
  }
}
