import { DomainError } from '../../metrics/platform/errors';
import { LIST_LIMIT, parseReadFilter, quarterBounds, toList, FILTER_FIELDS } from '../../metrics/reference/read-filter/read-filter';

const fail = (query: Record<string, unknown>) => {
  try {
    parseReadFilter(query, FILTER_FIELDS);
  } catch (err) {
    return { code: (err as DomainError).code, details: (err as DomainError).details };
  }
  return null;
};

describe('the one read filter', () => {
  it('reads lists comma-separated or repeated, without blanks or repeats', () => {
    expect(toList('a, b,,c', 'authority')).toEqual(['a', 'b', 'c']);
    expect(toList(['a', 'b,c'], 'authority')).toEqual(['a', 'b', 'c']);
    expect(toList('', 'authority')).toBeUndefined(); // an empty form field: no filter
    expect(toList(['', ''], 'authority')).toBeUndefined();
    expect(parseReadFilter({ authority: ['E08000009', 'E08000009,E08000003'] }, FILTER_FIELDS)).toEqual({ authorities: ['E08000009', 'E08000003'] });
  });

  it('refuses a list of separators only: it must never widen a read to everything', () => {
    expect(() => toList(',,,', 'authority')).toThrow(DomainError);
    expect(fail({ authority: ',,,' })).toEqual({
      code: 'invalid_parameter',
      details: [{ field: 'authority', message: 'authority names no value: give one or more values separated by commas', value: ',,,' }],
    });
    expect(fail({ sector: [' , ', ''] })).toMatchObject({ code: 'invalid_parameter', details: [{ field: 'sector' }] });
  });

  it('gives closed lists as they are spelt, whatever the case asked', () => {
    expect(parseReadFilter({ nation: 'wales,ENGLAND', kind: 'Local_Authority', category: 'social' }, FILTER_FIELDS)).toEqual({
      nations: ['Wales', 'England'],
      kinds: ['local_authority'],
      categories: ['social'],
    });
  });

  it('refuses with one wording, naming the parameter and the value', () => {
    expect(fail({ nation: 'France' })).toEqual({
      code: 'invalid_parameter',
      details: [{ field: 'nation', message: 'nation: France is not one of England, Scotland, Wales, Northern Ireland', value: 'France' }],
    });
    expect(fail({ sector: '8' })).toMatchObject({ code: 'invalid_parameter', details: [{ field: 'sector', value: '8' }] });
    expect(fail({ framework: ' x' })).toMatchObject({ details: [{ field: 'framework' }] });
    expect(fail({ from: '2025-Q5' })).toMatchObject({ details: [{ field: 'from', value: '2025-Q5' }] });
    expect(fail({ to: '0000' })).toMatchObject({ details: [{ field: 'to' }] });
    expect(fail({ from: '2026', to: '2025' })).toMatchObject({ details: [{ field: 'from', message: 'from (2026) is after to (2025)' }] });
  });

  it('takes at most LIST_LIMIT values of a list', () => {
    const many = Array.from({ length: LIST_LIMIT + 1 }, (_, i) => `E${String(i).padStart(8, '0')}`).join(',');
    expect(fail({ authority: many })).toMatchObject({ details: [{ field: 'authority', message: `authority takes at most ${LIST_LIMIT} values` }] });
    expect(parseReadFilter({ authority: many.split(',').slice(0, LIST_LIMIT) }, FILTER_FIELDS).authorities).toHaveLength(LIST_LIMIT);
  });

  it('reads every period form to its first and last day, and by quarter for the rollups', () => {
    const f = (from: string, to: string) => parseReadFilter({ from, to }, FILTER_FIELDS);
    expect(f('2025', '2025')).toEqual({ fromDate: '2025-01-01', toDate: '2025-12-31' });
    expect(f('2025-Q2', '2025-05')).toEqual({ fromDate: '2025-04-01', toDate: '2025-05-31' });
    expect(f('FY2024-25', 'FY2024-25')).toEqual({ fromDate: '2024-04-01', toDate: '2025-03-31' });
    expect(quarterBounds(f('2025-05', '2025-05'))).toEqual({ fromQuarter: '2025-04-01', toDate: '2025-05-31' });
  });

  it('reads only the fields a read takes', () => {
    expect(parseReadFilter({ authority: 'E08000009', theme: 'T1', from: '2025' }, ['authority'])).toEqual({ authorities: ['E08000009'] });
    expect(parseReadFilter({ framework: 'svm-open@2026.1' }, ['framework'])).toEqual({ framework: { spec: 'svm-open@2026.1', code: 'svm-open', version: '2026.1' } });
  });
});
