import { chartRule } from '../../../api/dashboards/dashboards.controller';
import { cookieValue } from '../../../api/auth/sessions';
import { DASHBOARDS, parseChartFile } from '../../../dashboards/catalogue';
import { subtitleLines } from '../../../dashboards/chart';
import { periodChoices } from '../../../dashboards/filter-choices';
import { formatNumber, gbpShort } from '../../../dashboards/format';
import { pagePath, queryString } from '../../../dashboards/pages/pages.service';
import { quantityText } from '../../../dashboards/pages/exchange-pages.service';
import { pageId } from '../../../api/exchange/exchange-pages.controller';

describe('the pages: what they are made of', () => {
  it('names each chart file and refuses anything else', () => {
    expect(parseChartFile('ratings.vl.json')).toEqual({ chart: 'ratings', format: 'vl.json' });
    expect(parseChartFile('hex-map.svg')).toEqual({ chart: 'hex-map', format: 'svg' });
    expect(parseChartFile('ratings.csv')).toEqual({ chart: 'ratings', format: 'csv' });
    for (const bad of ['ratings.png', 'ratings', '../x.svg', 'Ratings.svg', 'a.vl.json.svg.csv']) expect(parseChartFile(bad)).toBeUndefined();
  });

  it('gives each chart file the access rule of its chart in the catalogue', () => {
    expect(chartRule({ name: 'national', file: 'ratings.vl.json' })).toEqual({ audience: 'public' });
    expect(chartRule({ name: 'contract', file: 'commitments.svg' })).toEqual({ audience: 'supplier-data' });
    expect(chartRule({ name: 'sectors', file: 'top-suppliers.csv' })).toEqual({ audience: 'supplier-data' });
    // nothing by that name: public, and then a 404 from the handler
    expect(chartRule({ name: 'nowhere', file: 'x.svg' })).toEqual({ audience: 'public' });
    // every supplier-level chart is one: the catalogue names each audience
    const supplier = DASHBOARDS.flatMap((d) => d.charts.filter((c) => c.access === 'supplier-data').map((c) => `${d.name}/${c.name}`));
    expect(supplier).toEqual(['authority/contracts', 'sectors/top-suppliers', 'quality/missing-returns', 'quality/flags', 'quality/batches', 'contract/commitments', 'contract/returns', 'contract/evidence', 'contract/official-ratings']);
  });

  it('formats figures in en-GB, as the charts do', async () => {
    expect(await formatNumber(1234567.8, 'gbp')).toBe('£1,234,568');
    expect(await formatNumber(0.4523, 'pct')).toBe('45.2%');
    expect(await formatNumber(12345, 'int')).toBe('12,345');
    expect(await formatNumber(null, 'pct')).toBe('–');
    expect(gbpShort(355380423)).toBe('£355.4m');
    expect(gbpShort(1.25e9)).toBe('£1.3bn');
    expect(gbpShort(-4200)).toBe('-£4,200');
  });

  it('offers periods from 2020 to this year, newest first', () => {
    const groups = periodChoices(new Date('2026-12-05'));
    expect(groups.map((g) => g.label)).toEqual(['Calendar years', 'Financial years', 'Quarters']);
    expect(groups[0].choices[0]).toEqual({ value: '2026', label: '2026' });
    expect(groups[0].choices.at(-1)).toEqual({ value: '2020', label: '2020' });
    expect(groups[1].choices[0]).toEqual({ value: 'FY2026-27', label: 'Financial year 2026-27' });
    expect(groups[2].choices.slice(0, 2).map((c) => c.value)).toEqual(['2026-Q4', '2026-Q3']);
  });

  it('builds addresses: the query string, the page path', () => {
    expect(queryString({ region: 'North West', kind: ['a', 'b'], from: '', to: undefined })).toBe('region=North+West&kind=a&kind=b');
    const authority = DASHBOARDS.find((d) => d.name === 'authority')!;
    expect(pagePath(authority, 'E08000009')).toBe('/dashboards/authority/E08000009');
    expect(pagePath(DASHBOARDS[0])).toBe('/dashboards/national');
  });

  it('breaks a long subtitle into lines', () => {
    const lines = subtitleLines('a'.repeat(30) + ' ' + 'b'.repeat(80) + ' c', 100);
    expect(lines).toEqual(['a'.repeat(30), 'b'.repeat(80) + ' c']);
    expect(subtitleLines('short')).toEqual(['short']);
  });

  it('reads one cookie of a Cookie header', () => {
    expect(cookieValue({ headers: { cookie: 'a=1; svm_session=12.34.x%2By; b=2' } } as never, 'svm_session')).toBe('12.34.x+y');
    expect(cookieValue({ headers: {} } as never, 'svm_session')).toBeUndefined();
    expect(cookieValue({ headers: { cookie: 'xsvm_session=1' } } as never, 'svm_session')).toBeUndefined();
  });

  it('gives every exchange chart public access (aggregates), and reads the ids of the exchange pages', () => {
    const exchange = DASHBOARDS.find((d) => d.name === 'exchange')!;
    expect(exchange.charts.map((c) => [c.name, c.access])).toEqual([
      ['funnel', 'public'],
      ['by-quarter', 'public'],
      ['unmet-map', 'public'],
      ['by-theme', 'public'],
      ['by-region', 'public'],
    ]);
    expect(chartRule({ name: 'exchange', file: 'unmet-map.svg' })).toEqual({ audience: 'public' });
    expect(pagePath(exchange)).toBe('/dashboards/exchange');
    expect(pageId('42', 'need')).toBe(42);
    for (const bad of ['0', '-1', '1.5', 'abc', '1e3', '0042', '9'.repeat(16)]) expect(() => pageId(bad, 'need')).toThrow(expect.objectContaining({ code: 'invalid_parameter' }));
    expect(quantityText('1234.500000')).toBe('1,234.5');
    expect(quantityText('12.000000')).toBe('12');
    expect(quantityText(null)).toBe('–');
  });
});
