import { DomainError } from '../../platform/errors';
import { parsePeriodParameter, PERIOD_YEARS, quarterStart } from '../../platform/periods';
import { AUTHORITY_KINDS, NATIONS } from '../authorities/authority-kinds';
import { CATEGORIES } from '../catalogue/framework-definition';

/**
 * The one read filter: the query vocabulary every read takes (the measures summary, the implementation indicators,
 * benchmarks, exports, data quality, and the dashboards and reports), parsed one way here and resolved against the
 * reference data one way (ReadFilterRepository). Each read names the fields it takes; a field it does not take is
 * refused by the HTTP layer like any unknown parameter.
 *
 * - Lists (authority, kind, region, nation, department, sector, theme, measure, category): one value, several
 *   comma-separated, or the parameter repeated; at most LIST_LIMIT values.
 * - Closed lists (kind, nation, category) and the form of a sector (a two-digit CPV division) are checked here: 400.
 * - Names of things (authority, department, sector, region, theme, measure, framework) are looked up: an unknown one is
 *   404 naming it. Regions, nations and kinds match whatever their case.
 * - framework: `code` (every version of it; a £ figure reads its latest version, £ being summed within one version)
 *   or `code@version`.
 * - from, to: a year (2025), a quarter (2025-Q1), a month (2025-04) or a financial year (FY2025-26); from is its
 *   first day, to its last.
 */

export const LIST_FIELDS = ['authority', 'kind', 'region', 'nation', 'department', 'sector', 'theme', 'measure', 'category'] as const;
export type ListField = (typeof LIST_FIELDS)[number];
export const FILTER_FIELDS = [...LIST_FIELDS, 'framework', 'from', 'to'] as const;
export type FilterField = (typeof FILTER_FIELDS)[number];

/** The filter as a client sends it. */
export type ReadFilterQuery = { [F in ListField]?: string | string[] } & { framework?: string; from?: string; to?: string };

/** The largest number of values a list parameter takes. */
export const LIST_LIMIT = 500;

/** `code` or `code@version`. */
export const FRAMEWORK_SPEC = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}(@[^@\s]{1,64})?$/;

export const PERIOD_FORMS = 'a year (2025), a quarter (2025-Q1), a month (2025-04) or a financial year (FY2025-26)';

/** The filter as parsed: lists of what was asked for, checked for form (not yet looked up). */
export interface ReadFilter {
  authorities?: string[];
  kinds?: string[];
  regions?: string[];
  nations?: string[];
  departments?: string[];
  sectors?: string[];
  themes?: string[];
  measures?: string[];
  categories?: string[];
  framework?: { spec: string; code: string; version?: string };
  /** The first day of `from` and the last day of `to` (inclusive). */
  fromDate?: string;
  toDate?: string;
}

/** The key of each list field in ReadFilter. */
const LIST_KEYS: Record<ListField, keyof ReadFilter> = {
  authority: 'authorities',
  kind: 'kinds',
  region: 'regions',
  nation: 'nations',
  department: 'departments',
  sector: 'sectors',
  theme: 'themes',
  measure: 'measures',
  category: 'categories',
};

/** Values a closed list takes, matched whatever their case and given back as the list spells them. */
const CLOSED: Partial<Record<ListField, readonly string[]>> = { kind: AUTHORITY_KINDS, nation: NATIONS, category: CATEGORIES };

/** A bad query parameter: 400, its details in the shape the validation pipe gives (a list naming each field). */
export function invalidParameter(field: string, message: string, value?: unknown): DomainError {
  return new DomainError('invalid_parameter', message, [{ field, message, ...(value !== undefined ? { value } : {}) }]);
}

/** A name that names nothing: 404, naming the parameter and the value. */
export function unknownValue(field: string, what: string, value: string): DomainError {
  return new DomainError('not_found', `No ${what} ${value}`, [{ field, message: `no ${what} ${value}`, value }]);
}

/**
 * `a,b` or `?x=a&x=b` into a list. Nothing (`x=`, as a form sends an empty field) is undefined: no filter. A value that
 * names nothing but separators (`x=,,,`) is a 400 naming the field: it must never widen a read to everything.
 */
export function toList(v: string | string[] | undefined, field: string): string[] | undefined {
  if (v === undefined) return undefined;
  const given = (Array.isArray(v) ? v : [v]).map(String);
  const list = given.flatMap((x) => x.split(',')).map((x) => x.trim()).filter(Boolean);
  if (list.length > 0) return list;
  if (given.every((x) => x === '')) return undefined;
  throw invalidParameter(field, `${field} names no value: give one or more values separated by commas`, given.join(','));
}

function list(field: ListField, raw: string | string[] | undefined): string[] | undefined {
  const given = toList(raw, field);
  if (!given) return undefined;
  const values = [...new Set(given)];
  if (values.length > LIST_LIMIT) throw invalidParameter(field, `${field} takes at most ${LIST_LIMIT} values`);
  const closed = CLOSED[field];
  if (closed) {
    return values.map((v) => {
      const match = closed.find((c) => c.toLowerCase() === v.toLowerCase());
      if (!match) throw invalidParameter(field, `${field}: ${v} is not one of ${closed.join(', ')}`, v);
      return match;
    });
  }
  if (field === 'sector') {
    const bad = values.find((v) => !/^\d{2}$/.test(v));
    if (bad !== undefined) throw invalidParameter(field, `${field}: ${bad} is not a two-digit CPV division`, bad);
  }
  return values;
}

function period(field: 'from' | 'to', label: string): { start: string; end: string } {
  const range = parsePeriodParameter(label);
  if (!range) throw invalidParameter(field, `${field} must be ${PERIOD_FORMS} between ${PERIOD_YEARS.from} and ${PERIOD_YEARS.to}`, label);
  return range;
}

/** Reads the fields a read takes from its query (the others are ignored: the HTTP layer refuses them). */
export function parseReadFilter(query: ReadFilterQuery, fields: readonly FilterField[]): ReadFilter {
  const filter: ReadFilter = {};
  for (const field of LIST_FIELDS) {
    if (!fields.includes(field)) continue;
    const values = list(field, query[field]);
    if (values) (filter[LIST_KEYS[field]] as string[]) = values;
  }
  if (fields.includes('framework') && query.framework !== undefined) {
    if (!FRAMEWORK_SPEC.test(query.framework)) throw invalidParameter('framework', 'framework must be a code or code@version', query.framework);
    const [code, version] = query.framework.split('@');
    filter.framework = { spec: query.framework, code, version };
  }
  if (fields.includes('from') && query.from) filter.fromDate = period('from', query.from).start;
  if (fields.includes('to') && query.to) filter.toDate = period('to', query.to).end;
  if (filter.fromDate && filter.toDate && filter.fromDate > filter.toDate) {
    throw invalidParameter('from', `from (${query.from}) is after to (${query.to})`, query.from);
  }
  return filter;
}

/**
 * What a caller may read of supplier-level data: the authorities whose rows it sees (null: every one). The edge
 * decides it from the caller's key (a submitter key sees the authorities it writes for); reads apply it here.
 */
export interface ReadScope {
  authorities: string[] | null;
}

export const EVERYTHING: ReadScope = { authorities: null };

/** Whether a caller with this scope may read rows of this authority. */
export function inScope(scope: ReadScope, authorityCode: string): boolean {
  return scope.authorities === null || scope.authorities.includes(authorityCode);
}

/**
 * A filter narrowed to what the caller may read: no authority asked for reads the caller's authorities; an authority
 * asked for outside them is a 403 naming it (never a silently empty answer).
 */
export function withinScope(filter: ReadFilter, scope: ReadScope): ReadFilter {
  if (scope.authorities === null) return filter;
  if (!filter.authorities) return { ...filter, authorities: scope.authorities };
  const outside = filter.authorities.filter((a) => !scope.authorities!.includes(a));
  if (outside.length > 0) throw notInScope(outside, scope);
  return filter;
}

export function notInScope(authorities: string[], scope: ReadScope): DomainError {
  return new DomainError('authority_not_allowed', `This key may read supplier-level data of ${scope.authorities?.join(', ')} only, not of ${authorities.join(', ')}.`, {
    field: 'authority',
    not_allowed: authorities,
    allowed: scope.authorities,
  });
}

/** The filter looked up: ids of what it names, regions as the data spells them, and the period's bounds. */
export interface ResolvedFilter {
  authorityIds?: number[];
  /** Central government departments (a body counts under itself when a department, else under its parent department). */
  departmentIds?: number[];
  kinds?: string[];
  regions?: string[];
  nations?: string[];
  sectors?: string[];
  categories?: string[];
  /** Every version of the framework named (or the one version named). */
  frameworkIds?: number[];
  themeIds?: number[];
  measureIds?: number[];
  fromDate?: string;
  toDate?: string;
}

/** A resolved filter's period by calendar quarter (rollups are keyed by a quarter's first day): the first quarter and the last day. */
export function quarterBounds(f: Pick<ResolvedFilter, 'fromDate' | 'toDate'>): { fromQuarter?: string; toDate?: string } {
  return { fromQuarter: f.fromDate ? quarterStart(f.fromDate) : undefined, toDate: f.toDate };
}

/** The filters a read answers with: what was asked for, as parsed (codes and labels, not ids). */
export function describeFilter(f: ReadFilter): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries({ ...f, framework: f.framework?.spec }).filter(([, v]) => v !== undefined),
  );
}
