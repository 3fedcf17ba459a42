import { buildChart } from '../../../dashboards/chart';
import { renderSvg } from '../../../dashboards/render/svg';
import { toCsv } from '../../../dashboards/render/csv';
import { vegaLiteErrors } from '../../support/vega-schema';

const parts = {
  title: 'Trafford delivered the most',
  subtitle: '£ delivered, all authorities, 2025',
  description: 'Bars of £ delivered by authority.',
  columns: [
    { field: 'authority', title: 'Authority' },
    { field: 'gbp', title: '£', format: 'gbp' as const },
  ],
  rows: [
    { authority: 'Trafford', gbp: 1234567.8 },
    { authority: '=HYPERLINK("x")', gbp: 2000 },
  ],
  empty: 'Nothing was delivered.',
  spec: {
    mark: { type: 'bar', tooltip: true },
    encoding: {
      y: { field: 'authority', type: 'nominal', title: 'Authority' },
      x: { field: 'gbp', type: 'quantitative', title: '£ (pounds)', axis: { format: '$,.0f' } },
    },
  },
};

describe('a chart: one spec with its data inline, the same rows as CSV, one SVG renderer', () => {
  it('inlines the rows, the theme and the columns, and validates against the Vega-Lite schema', () => {
    const { spec, rows } = buildChart(parts);
    expect(spec.data).toEqual({ values: rows });
    expect(spec.description).toBe(parts.description);
    expect((spec.usermeta as { columns: unknown }).columns).toEqual(parts.columns);
    expect(vegaLiteErrors(spec)).toEqual([]);
  });

  it('says in words that there are no rows, and that spec is valid too', () => {
    const { spec, rows } = buildChart({ ...parts, rows: [] });
    expect(rows).toEqual([]);
    expect(JSON.stringify(spec)).toContain('Nothing was delivered.');
    expect(vegaLiteErrors(spec)).toEqual([]);
  });

  it('finds an invalid spec invalid (the check can fail)', () => {
    expect(vegaLiteErrors({ mark: 'bars', data: { values: [] } }).length).toBeGreaterThan(0);
  });

  it('draws SVG on the server with en-GB £ formats and its title', async () => {
    const svg = await renderSvg(buildChart(parts).spec);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('£1,000,000');
    expect(svg).toContain('Trafford delivered the most');
    expect(svg).toMatch(/<path|<rect/);
  });

  it('refuses to draw a spec that names a URL (the loader is closed to the network)', async () => {
    await expect(renderSvg({ mark: 'point', data: { url: 'http://example.com/data.json' }, encoding: {} })).rejects.toThrow(/refused to load/);
  });

  it('writes the rows as CSV with the column titles, formula-safe', () => {
    expect(toCsv(parts.columns, parts.rows)).toBe('Authority,£\r\nTrafford,1234567.8\r\n"\'=HYPERLINK(""x"")",2000\r\n');
  });
});
