import { FORMATS, EN_GB_NUMBER, type FormatName } from './theme';

type D3Format = typeof import('d3', { with: { 'resolution-mode': 'import' } });
let d3format: Promise<D3Format> | undefined;

/** d3-format (an ES module) with the en-GB locale: the formatter of a named format. */
export async function formatter(name: FormatName): Promise<(n: number) => string> {
  d3format ??= import('d3');
  const locale = (await d3format).formatLocale(EN_GB_NUMBER as never);
  return locale.format(FORMATS[name]);
}

/** A figure as pages print it (the same d3-format specifier the charts and table views use); no data: an en dash. */
export async function formatNumber(value: number | null, name: FormatName): Promise<string> {
  if (value === null || !Number.isFinite(value)) return '–';
  if (name === 'gbpShort') return gbpShort(value);
  return (await formatter(name))(value);
}

/** £ in the style of UK statistics for a headline: £355.4m, £1.2bn, £12,345 (d3's SI prefixes would say G for bn). */
export function gbpShort(value: number): string {
  const abs = Math.abs(value);
  const sign = value < 0 ? '-' : '';
  if (abs >= 1e9) return `${sign}£${(abs / 1e9).toFixed(1)}bn`;
  if (abs >= 1e6) return `${sign}£${(abs / 1e6).toFixed(1)}m`;
  return `${sign}£${Math.round(abs).toLocaleString('en-GB')}`;
}
