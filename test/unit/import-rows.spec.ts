import { checkRow, parseDate, stageLine } from '../../metrics/ingest/imports/import-rows';
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

  it('writes staging lines: values quoted, NULL empty, errors in their own columns', () => {
    const columns = ['row_number', 'contract', 'quantity', 'err_field', 'err_code', 'err_message', 'err_value'];
    expect(stageLine(columns, 7, { values: { contract: 'A "quoted", name', quantity: null } })).toBe('7,"A ""quoted"", name",,,,,\n');
    expect(stageLine(columns, 8, { error: { field: 'quantity', code: 'negative', message: 'm', value: '-1' } })).toBe('8,,,"quantity","negative","m","-1"\n');
  });
});
