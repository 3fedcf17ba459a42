import { createHash } from 'node:crypto';
import type { Rating } from '../../derive/valuation/delivery';
import { cleanText, dateOf, ReleaseReader, type OrgRef, type Problem } from './ocds-map';

/**
 * What the Procurement Act 2023's notices publish in a release, beyond the contract itself. Pure: no database.
 * - UK7 (contract details): the KPIs, `contracts[].agreedMetrics`, or why there are none, `noAgreedMetricsRationale`;
 * - UK9 (contract performance): `contracts[].implementation.metrics[].observations[]` whose `measureClassification.id`
 *   is met, slightlyBelow, below, significantlyBelow or other, with the period assessed; mapped in that order to
 *   the statutory ratings Good, Approaching target, Requires improvement, Inadequate, Other (the order is our reading
 *   of the Cabinet Office UK extension: its text names the codes, not the ratings);
 * - performance failures (`implementation.performanceFailures[]`, OCDS performance failures and UK extensions);
 * - UK10 to UK12: contract changes (`contracts[].amendments[]`), terminations (a contract `terminated`),
 *   cancellations (a tender `cancelled` or `withdrawn`, or a `tenderCancellation` release).
 * Problems name the release's JSON path; a malformed part is reported and left out, the rest of the release kept.
 */
export interface MappedKpi {
  metric_id: string;
  title: string | null;
  description: string | null;
}

export interface MappedRating {
  metric_id: string;
  observation_id: string;
  period_start: string;
  period_end: string;
  classification: Classification;
  rating: Rating;
  notes: string | null;
  /** The supplier the contract is with (its award's first supplier), when the release says. */
  supplier: OrgRef | null;
}

export interface MappedFailure {
  failure_key: string;
  requirement: string | null;
  description: string | null;
  decision_date: string | null;
  penalty_date: string | null;
  penalty_type: string | null;
  penalty_value_gbp: string | null;
  partial_termination: string | null;
}

export interface MappedEvent {
  kind: 'change' | 'termination' | 'cancellation';
  event_key: string;
  event_date: string | null;
  description: string | null;
  rationale: string | null;
}

export interface MappedNotices {
  kpis: MappedKpi[];
  kpi_rationale: string | null;
  ratings: MappedRating[];
  failures: MappedFailure[];
  events: MappedEvent[];
}

export const CLASSIFICATIONS = ['met', 'slightlyBelow', 'below', 'significantlyBelow', 'other'] as const;
export type Classification = (typeof CLASSIFICATIONS)[number];

/** measureClassification.id to the statutory rating (s.71): the codes in the order of the ratings. */
export const RATING_OF_CLASSIFICATION: Readonly<Record<Classification, Rating>> = {
  met: 'good',
  slightlyBelow: 'approaching_target',
  below: 'requires_improvement',
  significantlyBelow: 'inadequate',
  other: 'other',
};

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** What the notices mapper needs of the release being read. */
export interface NoticeReader {
  readonly r: Obj;
  readonly releaseId: string | null;
  problem(severity: Problem['severity'], path: string, code: string, message: string, value?: unknown): void;
  /** The first supplier of the award a contract implements (by its awardID), as the release names it. */
  supplierOfAward(awardId: unknown): OrgRef | null;
}

/** A stable key for a part that has no id: the hash of what it says. */
const keyOf = (v: unknown) => createHash('sha256').update(JSON.stringify(v)).digest('hex').slice(0, 16);

/** The descriptions (else ids) of a list of classifications, joined; null when none. */
function classificationText(list: unknown): string | null {
  const parts = arr(list)
    .filter(isObj)
    .map((c) => cleanText(c.description, 500) ?? cleanText(c.id, 200))
    .filter((x): x is string => !!x);
  return parts.length ? parts.join('; ') : null;
}

export function mapNotices(read: NoticeReader): MappedNotices {
  const out: MappedNotices = { kpis: [], kpi_rationale: null, ratings: [], failures: [], events: [] };
  const r = read.r;
  const seenKpi = new Set<string>();
  arr(r.contracts).forEach((c, i) => {
    if (!isObj(c)) return;
    const cp = `contracts[${i}]`;
    // ---- UK7: KPIs, or why there are none
    arr(c.agreedMetrics).forEach((m) => {
      if (!isObj(m)) return;
      const id = cleanText(m.id, 200);
      if (!id || seenKpi.has(id)) return; // a metric without id is reported by the observations' mapping
      seenKpi.add(id);
      out.kpis.push({ metric_id: id, title: cleanText(m.title, 1000), description: cleanText(m.description) });
    });
    out.kpi_rationale ??= cleanText(c.noAgreedMetricsRationale);

    // ---- UK9: ratings of performance against each KPI
    const implementation = isObj(c.implementation) ? c.implementation : undefined;
    const supplier = read.supplierOfAward(c.awardID);
    arr(implementation?.metrics).forEach((m, j) => {
      if (!isObj(m)) return;
      const mp = `${cp}.implementation.metrics[${j}]`;
      const metricId = cleanText(m.id, 200);
      arr(m.observations).forEach((o, k) => {
        if (!isObj(o) || o.measureClassification === undefined || o.measureClassification === null) return;
        const op = `${mp}.observations[${k}]`;
        const mc = o.measureClassification;
        const code = isObj(mc) ? cleanText(mc.id, 40) : null;
        const classification = CLASSIFICATIONS.find((x) => x.toLowerCase() === code?.toLowerCase());
        if (!classification) {
          read.problem('warning', `${op}.measureClassification.id`, 'unknown_rating', `the performance rating must be one of ${CLASSIFICATIONS.join(', ')}: not kept`, isObj(mc) ? mc.id : mc);
          return;
        }
        if (!metricId) {
          read.problem('warning', `${mp}.id`, 'unidentified_metric', 'a rated metric has no id (the KPI it rates): not kept');
          return;
        }
        const period = isObj(o.period) ? o.period : {};
        const start = dateOf(period.startDate);
        const end = dateOf(period.endDate);
        if (!start || !end || end < start) {
          read.problem('warning', `${op}.period`, 'no_period', 'a performance rating needs the period assessed (startDate and endDate): not kept', o.period);
          return;
        }
        out.ratings.push({
          metric_id: metricId,
          observation_id: cleanText(o.id, 200) ?? keyOf(o),
          period_start: start,
          period_end: end,
          classification,
          rating: RATING_OF_CLASSIFICATION[classification],
          notes: cleanText(o.notes, 2000),
          supplier,
        });
      });
    });

    // ---- performance failures
    arr(implementation?.performanceFailures).forEach((f, j) => {
      if (!isObj(f)) return;
      const fp = `${cp}.implementation.performanceFailures[${j}]`;
      const value = isObj(f.penaltyValue) ? f.penaltyValue : undefined;
      let penalty: string | null = null;
      if (value && value.amount !== undefined && value.amount !== null) {
        if (typeof value.amount !== 'number' || !Number.isFinite(value.amount) || value.amount < 0) {
          read.problem('warning', `${fp}.penaltyValue.amount`, 'invalid_amount', 'the penalty is not a non-negative number: penalty value not kept', value.amount);
        } else if (String(value.currency ?? '').toUpperCase() !== 'GBP') {
          read.problem('warning', `${fp}.penaltyValue.currency`, 'non_gbp_value', 'the penalty is not in GBP: penalty value not kept', value.currency);
        } else penalty = value.amount.toFixed(2);
      }
      out.failures.push({
        failure_key: cleanText(f.id, 200) ?? keyOf(f),
        requirement: cleanText(f.requirement, 2000),
        description: cleanText(f.description),
        decision_date: dateOf(f.decisionDate),
        penalty_date: dateOf(f.penaltyDate),
        penalty_type: cleanText(f.penaltyType, 40) ?? cleanText(f.penaltyTypeEntered, 200),
        penalty_value_gbp: penalty,
        partial_termination: cleanText(f.partialTermination, 2000),
      });
    });

    // ---- UK10: changes
    arr(c.amendments).forEach((a) => {
      if (!isObj(a)) return;
      out.events.push({
        kind: 'change',
        event_key: cleanText(a.id, 200) ?? keyOf(a),
        event_date: dateOf(a.date),
        description: cleanText(a.description),
        rationale: cleanText(a.rationale, 2000) ?? classificationText(a.rationaleClassifications),
      });
    });
    // ---- UK11: termination
    if (c.status === 'terminated') {
      const period = isObj(c.period) ? c.period : {};
      out.events.push({
        kind: 'termination',
        event_key: cleanText(c.id, 200) ?? `contracts[${i}]`,
        event_date: dateOf(c.finalStatusDate) ?? dateOf(period.endDate) ?? dateOf(r.date),
        description: cleanText(c.statusDetails, 2000),
        rationale: classificationText([...arr(c.terminationRationaleClassifications), ...(isObj(c.terminationRationaleClassification) ? [c.terminationRationaleClassification] : [])]),
      });
    }
  });
  if (out.kpis.length > 0) out.kpi_rationale = null; // KPIs published: a rationale for none no longer applies

  // ---- UK12: the procurement cancelled
  const tender = isObj(r.tender) ? r.tender : undefined;
  const tags = arr(r.tag).map(String);
  if ((tender && (tender.status === 'cancelled' || tender.status === 'withdrawn')) || tags.includes('tenderCancellation')) {
    out.events.push({
      kind: 'cancellation',
      event_key: 'tender',
      event_date: dateOf(tender?.finalStatusDate) ?? dateOf(r.date),
      description: cleanText(tender?.statusDetails, 2000),
      rationale: null,
    });
  }
  return out;
}

/** Whether a release may hold notices at all (contracts, or a tender that ended): the others are not read twice. */
const mayHoldNotices = (r: Obj) => Array.isArray(r.contracts) || (isObj(r.tender) && (r.tender.status === 'cancelled' || r.tender.status === 'withdrawn')) || arr(r.tag).includes('tenderCancellation');

/** The notices of a release mapRelease accepted, with the problems found in them (paths under `path`). */
export function mapReleaseNotices(input: unknown, path: string): { notices: MappedNotices | null; problems: Problem[] } {
  if (!isObj(input) || !mayHoldNotices(input)) return { notices: null, problems: [] };
  const read = new ReleaseReader(input, path);
  read.releaseId = cleanText(input.id, 500);
  return { notices: mapNotices(read), problems: read.problems };
}
