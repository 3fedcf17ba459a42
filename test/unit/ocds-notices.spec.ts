import { mapReleaseNotices, RATING_OF_CLASSIFICATION } from '../../metrics/ingest/ocds/ocds-notices';
import { ratingAgreement, ratingSteps } from '../../metrics/derive/valuation/delivery';

/** The notices' mapping in the shapes the metrics and UK extensions allow, and what it warns of. Pure: no database. */
const release = (contract: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  ocid: 'ocds-x-1',
  id: 'r1',
  date: '2026-01-10T00:00:00Z',
  tag: ['contract'],
  parties: [{ id: 's1', name: 'Supplier Ltd', roles: ['supplier'] }],
  awards: [{ id: 'a1', suppliers: [{ id: 's1', name: 'Supplier Ltd' }] }],
  contracts: [{ id: 'c1', awardID: 'a1', ...contract }],
  ...extra,
});
const map = (r: unknown) => mapReleaseNotices(r, 'releases[0]');
const period = { startDate: '2025-01-01T00:00:00Z', endDate: '2025-12-31T23:59:59Z' };

describe('mapping the Procurement Act notices', () => {
  it('reads each classification as its statutory rating, in any case, with the supplier of the award', () => {
    const codes = ['met', 'SLIGHTLYBELOW', 'below', 'significantlyBelow', 'Other'];
    const { notices, problems } = map(release({ implementation: { metrics: [{ id: 'k1', observations: codes.map((id, i) => ({ id: String(i), period, measureClassification: { id } })) }] } }));
    expect(problems).toEqual([]);
    expect(notices!.ratings.map((r) => [r.classification, r.rating, r.period_start, r.period_end, r.supplier?.name])).toEqual([
      ['met', 'good', '2025-01-01', '2025-12-31', 'Supplier Ltd'],
      ['slightlyBelow', 'approaching_target', '2025-01-01', '2025-12-31', 'Supplier Ltd'],
      ['below', 'requires_improvement', '2025-01-01', '2025-12-31', 'Supplier Ltd'],
      ['significantlyBelow', 'inadequate', '2025-01-01', '2025-12-31', 'Supplier Ltd'],
      ['other', 'other', '2025-01-01', '2025-12-31', 'Supplier Ltd'],
    ]);
    expect(Object.keys(RATING_OF_CLASSIFICATION)).toHaveLength(5);
  });

  it('keys an observation without id by what it says, so the same one sent again is the same', () => {
    const obs = { period, measureClassification: { id: 'met' } };
    const one = map(release({ implementation: { metrics: [{ id: 'k1', observations: [obs] }] } })).notices!.ratings[0].observation_id;
    const two = map(release({ implementation: { metrics: [{ id: 'k1', observations: [{ ...obs }] }] } })).notices!.ratings[0].observation_id;
    expect(one).toMatch(/^[0-9a-f]{16}$/);
    expect(two).toBe(one);
  });

  it('warns, naming the path, of a rating it cannot keep, and keeps the rest', () => {
    const { notices, problems } = map(
      release({
        implementation: {
          metrics: [
            { id: 'k1', observations: [{ id: 'o1', period, measureClassification: { id: 'excellent' } }, { id: 'o2', period, measureClassification: 'met' }, { id: 'o3', measureClassification: { id: 'met' } }] },
            { observations: [{ id: 'o4', period, measureClassification: { id: 'met' } }] },
            { id: 'k3', observations: [{ id: 'o5', period: { startDate: '2025-12-31', endDate: '2025-01-01' }, measureClassification: { id: 'met' } }, { id: 'o6', period, measureClassification: { id: 'below' } }, { id: 'o7', period, measure: 12 }] },
          ],
        },
      }),
    );
    expect(problems.map((p) => [p.severity, p.code, p.path])).toEqual([
      ['warning', 'unknown_rating', 'releases[0].contracts[0].implementation.metrics[0].observations[0].measureClassification.id'],
      ['warning', 'unknown_rating', 'releases[0].contracts[0].implementation.metrics[0].observations[1].measureClassification.id'],
      ['warning', 'no_period', 'releases[0].contracts[0].implementation.metrics[0].observations[2].period'],
      ['warning', 'unidentified_metric', 'releases[0].contracts[0].implementation.metrics[1].id'],
      ['warning', 'no_period', 'releases[0].contracts[0].implementation.metrics[2].observations[0].period'],
    ]);
    // o7 is a measured value (the returns' shape), not a rating: not a notice
    expect(notices!.ratings.map((r) => r.observation_id)).toEqual(['o6']);
  });

  it('reads KPIs once each, and the rationale only when there are none', () => {
    const withKpis = map(release({ agreedMetrics: [{ id: 'k1', title: 'On time' }, { id: 'k1', title: 'dup' }, { title: 'no id' }, 'junk'], noAgreedMetricsRationale: 'n/a' })).notices!;
    expect(withKpis.kpis).toEqual([{ metric_id: 'k1', title: 'On time', description: null }]);
    expect(withKpis.kpi_rationale).toBeNull();
    expect(map(release({ noAgreedMetricsRationale: '  Framework call-off: KPIs at framework level ' })).notices!.kpi_rationale).toBe('Framework call-off: KPIs at framework level');
  });

  it('reads performance failures, warning of a penalty it cannot keep', () => {
    const { notices, problems } = map(
      release({
        implementation: {
          performanceFailures: [
            { id: 'f1', penaltyValue: { amount: 1000.5, currency: 'GBP' }, penaltyType: 'financial', decisionDate: '2025-06-01T00:00:00Z' },
            { id: 'f2', penaltyValue: { amount: 1000, currency: 'EUR' }, penaltyTypeEntered: 'service credits' },
            { id: 'f3', penaltyValue: { amount: -5, currency: 'GBP' }, partialTermination: 'Lot 2 ended' },
            { description: 'no id' },
          ],
        },
      }),
    );
    expect(notices!.failures.map((f) => [f.failure_key, f.penalty_value_gbp, f.penalty_type, f.partial_termination])).toEqual([
      ['f1', '1000.50', 'financial', null],
      ['f2', null, 'service credits', null],
      ['f3', null, null, 'Lot 2 ended'],
      [expect.stringMatching(/^[0-9a-f]{16}$/), null, null, null],
    ]);
    expect(problems.map((p) => [p.code, p.path])).toEqual([
      ['non_gbp_value', 'releases[0].contracts[0].implementation.performanceFailures[1].penaltyValue.currency'],
      ['invalid_amount', 'releases[0].contracts[0].implementation.performanceFailures[2].penaltyValue.amount'],
    ]);
  });

  it('reads changes, a termination with its reasons, and a cancellation tagged or by status', () => {
    const n = map(
      release({
        status: 'terminated',
        statusDetails: 'Ended early',
        terminationRationaleClassifications: [{ id: 'supplierDefault', description: 'Supplier default' }],
        amendments: [{ id: 'm1', date: '2025-03-01T00:00:00Z', rationaleClassifications: [{ id: 'unforeseeable' }] }],
      }),
    ).notices!;
    expect(n.events).toEqual([
      { kind: 'change', event_key: 'm1', event_date: '2025-03-01', description: null, rationale: 'unforeseeable' },
      { kind: 'termination', event_key: 'c1', event_date: '2026-01-10', description: 'Ended early', rationale: 'Supplier default' },
    ]);
    const tagged = map({ ocid: 'o', id: 'r', date: '2026-02-01T00:00:00Z', tag: ['tenderCancellation'] }).notices!;
    expect(tagged.events).toEqual([{ kind: 'cancellation', event_key: 'tender', event_date: '2026-02-01', description: null, rationale: null }]);
    expect(map({ ocid: 'o', id: 'r', date: '2026-02-01', tender: { status: 'withdrawn', statusDetails: 'Budget withdrawn' } }).notices!.events[0]).toMatchObject({ kind: 'cancellation', description: 'Budget withdrawn' });
    // a tender still active holds no notice: not read at all
    expect(map({ ocid: 'o', id: 'r', tender: { status: 'active' } }).notices).toBeNull();
  });
});

describe('agreement of official and computed ratings', () => {
  it('counts steps on Inadequate..Good, Other off the scale', () => {
    expect(ratingSteps('good', 'inadequate')).toBe(3);
    expect(ratingSteps('approaching_target', 'good')).toBe(1);
    expect(ratingSteps('other', 'good')).toBeNull();
  });

  it('cross-tabulates, counting agreement among the pairs on the scale', () => {
    const r = ratingAgreement([
      { official: 'good', computed: 'good' },
      { official: 'good', computed: 'requires_improvement' },
      { official: 'inadequate', computed: 'approaching_target' },
      { official: 'other', computed: 'good' },
    ]);
    expect(r).toMatchObject({ pairs: 4, rated: 3, agree: 1, two_or_more_apart: 2, agreement_share: 0.333333 });
    expect(r.table.good).toEqual({ good: 1, approaching_target: 0, requires_improvement: 1, inadequate: 0, other: 0 });
    expect(r.table.other.good).toBe(1);
    expect(ratingAgreement([]).agreement_share).toBeNull();
  });
});
