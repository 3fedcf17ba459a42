import type { DashboardQuery } from './chart';

/** Kinds of authority in words, plural: groups (the filter's choices, the chart by kind), in the filter's order. */
export const KIND_GROUP_LABELS: Record<string, string> = {
  local_authority: 'Local authorities',
  central_department: 'Central government departments',
  executive_agency: 'Executive agencies',
  ndpb: 'Non-departmental public bodies',
  nhs_body: 'NHS bodies',
  housing_association: 'Housing associations',
  police: 'Police',
  fire: 'Fire and rescue',
  other: 'Other bodies',
};

/** A kind of authority in words, singular: one authority's. */
export const KIND_LABELS: Record<string, string> = {
  local_authority: 'Local authority',
  central_department: 'Central government department',
  executive_agency: 'Executive agency',
  ndpb: 'Non-departmental public body',
  nhs_body: 'NHS body',
  housing_association: 'Housing association',
  police: 'Police',
  fire: 'Fire and rescue',
  other: 'Other public body',
};

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
