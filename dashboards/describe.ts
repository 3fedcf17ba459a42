import type { DashboardQuery } from './chart';

const list = (v: string | string[] | undefined) => (v === undefined ? [] : (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter(Boolean));

/** The place and period of a query in words, for a chart's subtitle: "all authorities, 2025-Q1 to 2025-Q4". */
export function describePlace(query: DashboardQuery): string {
  const parts: string[] = [];
  const named = (label: string, v: string | string[] | undefined) => {
    const l = list(v);
    if (l.length > 0) parts.push(`${label} ${l.join(', ')}`);
  };
  named('kind', query.kind);
  named('region', query.region);
  named('nation', query.nation);
  named('department', query.department);
  named('sector', query.sector);
  named('theme', query.theme);
  const place = parts.length > 0 ? parts.join('; ') : 'all authorities';
  const from = list(query.from)[0];
  const to = list(query.to)[0];
  const period = from && to ? `${from} to ${to}` : from ? `from ${from}` : to ? `to ${to}` : 'all periods';
  return `${place}, ${period}`;
}
