import {
  DEFAULT_RATING_THRESHOLDS,
  deliveredInWindow,
  deliveredToDate,
  deliveryRating,
  deliveryRatio,
  elapsedDays,
  expectedToDate,
  measureDelivery,
  overallRating,
  parseRatingThresholds,
  periodDays,
} from '../../metrics/derive/valuation/delivery';
import { lastClosedQuarterEnd, quarterStart } from '../../metrics/platform/periods';

const T = DEFAULT_RATING_THRESHOLDS;

describe('expected to date', () => {
  it('pro-rates a commitment covering the whole contract by elapsed days', () => {
    // contract term 2024-04-01 .. 2028-03-31: 365 + 365 + 365 + 366 (29 Feb 2028) = 1461 days
    const term = { start: '2024-04-01', end: '2028-03-31' };
    expect(periodDays(term)).toBe(1461);
    // as of 2024-12-31: Apr 30 + May 31 + Jun 30 + Jul 31 + Aug 31 + Sep 30 + Oct 31 + Nov 30 + Dec 31 = 275 days
    expect(elapsedDays(term, '2024-12-31')).toBe(275);
    // 1,200,000 x 275 / 1461 = 330,000,000 / 1461 = 225,872 remainder 1,008; 1,008 / 1461 = 0.6899384... -> 225872.689938
    expect(expectedToDate('1200000', term, '2024-12-31').toFixed()).toBe('225872.689938');
    // clamped: nothing before the start, the whole target after the end
    expect(expectedToDate('1200000', term, '2024-03-31').toFixed()).toBe('0');
    expect(expectedToDate('1200000', term, '2024-04-01').toFixed()).toBe('821.355236'); // 1,200,000 / 1461 = 821.3552361...
    expect(expectedToDate('1200000', term, '2030-01-01').toFixed()).toBe('1200000');
  });

  it('counts per-period commitments whole once ended, pro-rata while running, 0 before they start', () => {
    const asOf = '2025-06-30';
    expect(expectedToDate('10', { start: '2024-04-01', end: '2025-03-31' }, asOf).toFixed()).toBe('10'); // FY2024-25 ended
    // FY2025-26 (365 days) running: Apr 30 + May 31 + Jun 30 = 91 days; 12 x 91 / 365 = 1092 / 365 = 2.9917808... -> 2.991781
    expect(expectedToDate('12', { start: '2025-04-01', end: '2026-03-31' }, asOf).toFixed()).toBe('2.991781');
    expect(expectedToDate('8', { start: '2026-04-01', end: '2027-03-31' }, asOf).toFixed()).toBe('0'); // FY2026-27 not started
  });

  it('counts a return delivered whole once its period ended, pro-rata while it runs', () => {
    expect(deliveredToDate('30', { start: '2025-01-01', end: '2025-03-31' }, '2025-06-30').toFixed()).toBe('30');
    // a yearly return of 365 for FY2025-26, as of 2025-06-30: 365 x 91 / 365 = 91
    expect(deliveredToDate('365', { start: '2025-04-01', end: '2026-03-31' }, '2025-06-30').toFixed()).toBe('91');
    // the part of a quarterly return (90 days, Jan-Mar 2025) inside a window starting 2025-02-01: Feb 28 + Mar 31 = 59 days;
    // 30 x 59 / 90 = 19.666666... -> 19.666667
    expect(deliveredInWindow('30', { start: '2025-01-01', end: '2025-03-31' }, { start: '2025-02-01', end: '2025-06-30' }).toFixed()).toBe('19.666667');
    expect(deliveredInWindow('30', { start: '2025-01-01', end: '2025-03-31' }, { start: '2025-07-01', end: '2025-06-30' }).toFixed()).toBe('0');
  });
});

describe('delivery ratio and rating', () => {
  it('divides delivered by expected, null when nothing is expected', () => {
    expect(deliveryRatio('45', '60')?.toFixed()).toBe('0.75'); // 45 / 60
    expect(deliveryRatio('5', '0')).toBeNull();
  });

  it('rates on the Procurement Act 2023 scale with the default thresholds 0.95, 0.80, 0.50', () => {
    expect(deliveryRating('95', '100', T)).toBe('good'); // 95 >= 0.95 x 100 = 95 exactly
    expect(deliveryRating('130', '100', T)).toBe('good');
    expect(deliveryRating('94.999999', '100', T)).toBe('approaching_target'); // < 95, >= 80
    expect(deliveryRating('80', '100', T)).toBe('approaching_target');
    expect(deliveryRating('79.99', '100', T)).toBe('requires_improvement');
    expect(deliveryRating('50', '100', T)).toBe('requires_improvement');
    expect(deliveryRating('49.9', '100', T)).toBe('inadequate');
    expect(deliveryRating('0', '100', T)).toBe('inadequate');
    expect(deliveryRating('10', '0', T)).toBe('other'); // nothing expected yet
    expect(deliveryRating('10', '5', T, false)).toBe('other'); // no commitment
    // 2.991781 expected, 2.4 delivered: 2.4 >= 0.80 x 2.991781 = 2.3934248, < 0.95 x 2.991781 = 2.84219195
    expect(deliveryRating('2.4', '2.991781', T)).toBe('approaching_target');
  });

  it('uses configured thresholds', () => {
    const strict = { good: '1', approaching_target: '0.9', requires_improvement: '0.6' };
    expect(deliveryRating('95', '100', strict)).toBe('approaching_target');
    expect(deliveryRating('59', '100', strict)).toBe('inadequate');
  });

  it('rates a contract by its worst measure with something expected', () => {
    expect(overallRating(['good', 'approaching_target', 'other'])).toBe('approaching_target');
    expect(overallRating(['good', 'inadequate', 'requires_improvement'])).toBe('inadequate');
    expect(overallRating(['other', 'other'])).toBe('other');
    expect(overallRating([])).toBe('other');
  });

  it('puts it together for one contract and measure', () => {
    // commitments: FY2024-25 target 10 (ended: 10), FY2025-26 target 12 (2.991781 as of 2025-06-30): expected 12.991781
    // returns: 2025-Q1 6 (whole), 2025-Q2 5 (ends on the as-of date: whole), 2025-Q3 4 (not started: 0): delivered 11
    // ratio 11 / 12.991781 = 0.8466892... -> 0.846689; 11 >= 0.80 x 12.991781 = 10.3934248 and < 0.95 x = 12.34219195
    const m = measureDelivery(
      'SVM-VOL-HOURS',
      [
        { measure: 'SVM-VOL-HOURS', period_start: '2024-04-01', period_end: '2025-03-31', target_canonical: '10' },
        { measure: 'SVM-VOL-HOURS', period_start: '2025-04-01', period_end: '2026-03-31', target_canonical: '12' },
      ],
      [
        { measure: 'SVM-VOL-HOURS', period_start: '2025-01-01', period_end: '2025-03-31', quantity_canonical: '6' },
        { measure: 'SVM-VOL-HOURS', period_start: '2025-04-01', period_end: '2025-06-30', quantity_canonical: '5' },
        { measure: 'SVM-VOL-HOURS', period_start: '2025-07-01', period_end: '2025-09-30', quantity_canonical: '4' },
      ],
      '2025-06-30',
      T,
    );
    expect(m).toEqual({
      measure: 'SVM-VOL-HOURS',
      commitments: 2,
      committed: '22',
      expected: '12.991781',
      delivered: '11',
      ratio: '0.846689',
      rating: 'approaching_target',
    });
  });
});

describe('thresholds and quarters', () => {
  it('parses DELIVERY_RATING_THRESHOLDS: three decimals in (0, 10], strictly descending', () => {
    expect(parseRatingThresholds('0.95,0.80,0.50')).toEqual({ good: '0.95', approaching_target: '0.8', requires_improvement: '0.5' });
    expect(parseRatingThresholds(' 1 , 0.9 , 0.6 ')).toEqual({ good: '1', approaching_target: '0.9', requires_improvement: '0.6' });
    expect(parseRatingThresholds('0.5,0.8,0.95')).toMatch(/descending/);
    expect(parseRatingThresholds('0.95,0.95,0.5')).toMatch(/descending/);
    expect(parseRatingThresholds('0.95,0.8')).toMatch(/three numbers/);
    expect(parseRatingThresholds('0.95,0.8,0')).toMatch(/greater than 0/);
    expect(parseRatingThresholds('11,0.8,0.5')).toMatch(/at most 10/);
    expect(parseRatingThresholds('good,0.8,0.5')).toMatch(/decimal numbers/);
  });

  it('finds the end of the last closed calendar quarter', () => {
    expect(lastClosedQuarterEnd('2026-11-22')).toBe('2026-09-30');
    expect(lastClosedQuarterEnd('2026-10-01')).toBe('2026-09-30');
    expect(lastClosedQuarterEnd('2026-09-30')).toBe('2026-06-30');
    expect(lastClosedQuarterEnd('2026-02-14')).toBe('2025-12-31');
    expect(quarterStart('2026-09-30')).toBe('2026-07-01');
    expect(quarterStart('2025-12-31')).toBe('2025-10-01');
  });
});
