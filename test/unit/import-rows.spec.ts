import { checkRow, paymentPeriodOf, parseDate, stageLine } from '../../metrics/ingest/imports/import-rows';
import { parsePeriod } from '../../metrics/platform/periods';

describe('row checks of imports', () => {
  it('reads periods: calendar quarters, months and UK financial years', () => {
    expect(parsePeriod('2025-Q1')).toEqual({ start: '2025-01-01', end: '2025-03-31' });
    expect(parsePeriod('2024q4')).toEqual({ start: '2024-10-01', end: '2024-12-31' });
    expect(parsePeriod('2024-02')).toEqual({ start: '2024-02-01', end: '2024-02-29' }); // a leap year
    expect(parsePeriod('FY2025-26')).toEqual({ start: '2025-04-01', end: '2026-03-31' });
    for (const bad of ['2025-Q5', '2025-13', 'FY2025-27', 'Q1 2025', '']) expect(parsePeriod(bad)).toBeNull();
  });

  it('reads ISO and UK dates, and refuses impossible ones', () => {
    expect(parseDate('2024-02-29')).toBe('2024-02-29');
    expect(parseDate('31/03/2025')).toBe('2025-03-31');
    expect(parseDate('1/4/2025')).toBe('2025-04-01');
    for (const bad of ['2023-02-29', '31/04/2025', '2025-1-1', 'yesterday']) expect(parseDate(bad)).toBeNull();
  });

  it('normalises a good outcome row and names the field of a bad one', () => {
    expect(checkRow('outcomes', { contract: ' C1 ', measure: 'M', period: '2025-Q2', quantity: 2.5, unit: 'hour' })).toEqual({
      values: {
        contract: 'C1',
        framework: null,
        measure: 'M',
        period_start: '2025-04-01',
        period_end: '2025-06-30',
        quantity: '2.5',
        unit: 'hour',
        evidence_ref: null,
      },
    });
    const bad = (record: Record<string, unknown>) => ('error' in checkRow('outcomes', record) ? (checkRow('outcomes', record) as any).error : null);
    const base = { contract: 'C1', measure: 'M', period: '2025-Q2', quantity: '1', unit: 'hour' };
    expect(bad({ ...base, quantity: '-2' })).toMatchObject({ field: 'quantity', code: 'negative', value: '-2' });
    expect(bad({ ...base, quantity: '1,000' })).toMatchObject({ field: 'quantity', code: 'not_a_number' });
    expect(bad({ ...base, quantity: Number.NaN })).toMatchObject({ field: 'quantity', code: 'not_a_number' });
    expect(bad({ ...base, contract: '' })).toMatchObject({ field: 'contract', code: 'required' });
    expect(bad({ ...base, period: undefined, period_start: '2025-04-01' })).toMatchObject({ field: 'period', code: 'required' });
    expect(bad({ ...base, period: undefined, period_start: '2025-04-30', period_end: '2025-04-01' })).toMatchObject({ field: 'period_end', code: 'invalid_period' });
    expect(bad({ ...base, period_start: '2025-01-01' })).toMatchObject({ field: 'period', code: 'invalid_period' }); // disagrees
  });

  it('checks contract rows: supplier identifiers together, a supplier for an award, CPV and weighting', () => {
    const base = { reference: 'R1', authority: 'E08000009', title: 'T' };
    expect(checkRow('contracts', base)).toMatchObject({ values: { stage: 'pipeline' } });
    expect(checkRow('contracts', { ...base, supplier_name: 'S', cpv: '85311000-2', sv_weighting_pct: '10' })).toMatchObject({
      values: { stage: 'awarded', cpv: '85311000', sv_weighting_pct: '10' },
    });
    expect(checkRow('contracts', { ...base, supplier_scheme: 'GB-COH' })).toMatchObject({ error: { field: 'supplier_id', code: 'required' } });
    expect(checkRow('contracts', { ...base, stage: 'awarded' })).toMatchObject({ error: { field: 'supplier_name', code: 'required' } });
    expect(checkRow('contracts', { ...base, sv_weighting_pct: '120' })).toMatchObject({ error: { field: 'sv_weighting_pct', code: 'out_of_range' } });
    expect(checkRow('contracts', { ...base, in_scope: 'maybe' })).toMatchObject({ error: { field: 'in_scope', code: 'invalid_boolean' } });
    expect(checkRow('contracts', { ...base, start_date: '2025-04-01', end_date: '2024-04-01' })).toMatchObject({ error: { field: 'end_date' } });
  });

  it('checks payments returns: the reporting period, shares from 0 to 100, the bands adding up to 100 within 0.5', () => {
    const base = {
      authority: 'E08000009', period_start: '2025-04-01', period_end: '30/09/2025', average_days_to_pay: '21.4',
      pct_paid_1_30: '80.5', pct_paid_31_60: '15', pct_paid_61_plus: '4.5', pct_not_paid_when_due: '6.25',
    };
    expect(checkRow('payments', base)).toEqual({
      values: {
        authority: 'E08000009', period_start: '2025-04-01', period_end: '2025-09-30', average_days_to_pay: '21.4',
        pct_paid_1_30: '80.5', pct_paid_31_60: '15', pct_paid_61_plus: '4.5', pct_not_paid_when_due: '6.25',
      },
    });
    const bad = (record: Record<string, unknown>) => {
      const checked = checkRow('payments', { ...base, ...record });
      return 'error' in checked ? checked.error : null;
    };
    expect(bad({ authority: ' ' })).toMatchObject({ field: 'authority', code: 'required' });
    expect(bad({ period_start: '2025-02-30' })).toMatchObject({ field: 'period_start', code: 'invalid_date' });
    expect(bad({ period_end: '2025-03-31' })).toMatchObject({ field: 'period_end', code: 'invalid_period', message: 'period_end must be after period_start' });
    expect(bad({ period_end: '2025-04-01' })).toMatchObject({ field: 'period_end', code: 'invalid_period' }); // the same day
    expect(bad({ period_start: '2025-01-01', period_end: '2025-06-30' })).toMatchObject({ field: 'period_start', code: 'invalid_period' });
    expect(bad({ period_end: '2025-10-31' })).toMatchObject({ field: 'period_end', code: 'invalid_period', message: expect.stringContaining('ends on 2025-09-30') });
    expect(bad({ average_days_to_pay: '-3' })).toMatchObject({ field: 'average_days_to_pay', code: 'negative', value: '-3' });
    expect(bad({ average_days_to_pay: 'twenty' })).toMatchObject({ field: 'average_days_to_pay', code: 'not_a_number' });
    expect(bad({ average_days_to_pay: '1000000' })).toMatchObject({ field: 'average_days_to_pay', code: 'out_of_range' });
    expect(bad({ pct_paid_31_60: '-1' })).toMatchObject({ field: 'pct_paid_31_60', code: 'negative' });
    expect(bad({ pct_not_paid_when_due: '100.5' })).toMatchObject({ field: 'pct_not_paid_when_due', code: 'out_of_range' });
    expect(bad({ pct_paid_61_plus: '5.1' })).toMatchObject({ field: 'pct_paid_61_plus', code: 'bands_not_100', value: '80.5 + 15 + 5.1 = 100.6' });
    expect(bad({ pct_paid_61_plus: '3.9' })).toMatchObject({ field: 'pct_paid_61_plus', code: 'bands_not_100', value: '80.5 + 15 + 3.9 = 99.4' });
    // the tolerance is exact: 99.5 and 100.5 are in, whatever the decimals
    expect(bad({ pct_paid_61_plus: '4' })).toBeNull();
    expect(bad({ pct_paid_61_plus: '5.0' })).toBeNull();
    expect(bad({ pct_paid_1_30: '33.3333', pct_paid_31_60: '33.3333', pct_paid_61_plus: '33.3333' })).toBeNull();
    expect(bad({ pct_paid_1_30: '33.1', pct_paid_31_60: '33.2', pct_paid_61_plus: '33.2' })).toBeNull();
    expect(bad({ pct_paid_1_30: '33.1', pct_paid_31_60: '33.2', pct_paid_61_plus: '33.199999' })).toMatchObject({ code: 'bands_not_100' });
    expect(bad({ pct_paid_1_30: 100, pct_paid_31_60: 0, pct_paid_61_plus: 0 })).toBeNull(); // JSON numbers
    expect(paymentPeriodOf('2025-10-01')).toEqual({ start: '2025-10-01', end: '2026-03-31' });
    expect(paymentPeriodOf('2025-04-02')).toBeNull();
  });

  it('writes staging lines: values quoted, NULL empty, errors in their own columns', () => {
    const columns = ['row_number', 'contract', 'quantity', 'err_field', 'err_code', 'err_message', 'err_value'];
    expect(stageLine(columns, 7, { values: { contract: 'A "quoted", name', quantity: null } })).toBe('7,"A ""quoted"", name",,,,,\n');
    expect(stageLine(columns, 8, { error: { field: 'quantity', code: 'negative', message: 'm', value: '-1' } })).toBe('8,,,"quantity","negative","m","-1"\n');
  });
});
