import { parse } from 'csv-parse/sync';
import { trimDecimal } from '../../platform/decimal';
import { DomainError } from '../../platform/errors';

/**
 * A measures framework as data: framework -> themes -> policy outcomes -> measures -> proxy values per price year,
 * with the units each measure accepts and a crosswalk onto other frameworks' measures. The same definition is read
 * from JSON (nested) and from CSV (one row per measure and price year); README "Loading a framework" documents both.
 * A government model loaded as a framework also records, in JSON, the document it follows (title, version, date) and
 * the contracts it applies to by award date (`applies_to`); such a framework may record its structure (themes,
 * outcomes) before any measure of it can be sourced.
 */
export const CATEGORIES = ['local_economic', 'social', 'environmental'] as const;
export const VALUATIONS = ['proxy', 'wellbeing', 'record_only'] as const;

export interface ProxyValueDef {
  /** The year of the outcomes this value applies to. */
  price_year: number;
  /** £ per unit of the measure, an exact decimal string. */
  value_gbp: string;
  /** The year whose prices value_gbp is in, when not price_year itself. */
  price_base_year: number | null;
  source: string;
  licence: string;
  note: string | null;
}

export interface UnitDef {
  /** A unit a return may report in... */
  unit: string;
  /** ...and what one of it is in the measure's canonical unit (exact decimal string). */
  factor: string;
}

export interface MeasureDef {
  code: string;
  name: string;
  description: string | null;
  unit: string;
  category: (typeof CATEGORIES)[number];
  valuation: (typeof VALUATIONS)[number];
  deadweight: string;
  displacement: string;
  attribution: string;
  drop_off: string;
  duration_years: number;
  accepted_units: UnitDef[];
  proxies: ProxyValueDef[];
}

export interface PolicyOutcomeDef {
  code: string;
  name: string;
  measures: MeasureDef[];
}

export interface ThemeDef {
  code: string;
  name: string;
  outcomes: PolicyOutcomeDef[];
}

export interface CrosswalkDef {
  /** A measure of this framework... */
  measure: string;
  /** ...counts as this measure of another framework (its latest version unless `to_version`), times `factor`. */
  to_framework: string;
  to_version: string | null;
  to_measure: string;
  factor: string;
}

/** The published document whose structure a framework records (a government model), as the document names itself. */
export interface DocumentDef {
  title: string;
  /** Its edition or version as printed on it ("Edition 1.1"). */
  version: string;
  /** Its publication date, yyyy-mm-dd. */
  date: string;
}

/** The contracts a framework applies to, by award date: from awarded_from (inclusive) to before awarded_before; null is open. */
export interface AppliesToDef {
  awarded_from: string | null;
  awarded_before: string | null;
}

export interface FrameworkDef {
  code: string;
  version: string;
  name: string;
  publisher: string | null;
  licence: string;
  source: string;
  base_price_year: number;
  description: string | null;
  themes: ThemeDef[];
  crosswalk: CrosswalkDef[];
  /**
   * Absent (never null) unless given, so that a definition without them reads, exports and hashes as it did before
   * they existed (a loaded version must keep its content hash).
   */
  document?: DocumentDef;
  applies_to?: AppliesToDef;
}

export interface DefinitionProblem {
  /** Where: a JSON path (`themes[0].outcomes[1].measures[2].unit`) or a CSV row number and column. */
  path: string;
  row?: number;
  field?: string;
  message: string;
}

const DECIMAL = /^\d{1,14}(\.\d{1,12})?$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const CODE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Collects every problem of a definition rather than stopping at the first. */
class Reader {
  readonly problems: DefinitionProblem[] = [];

  constructor(private readonly where: (path: string) => Omit<DefinitionProblem, 'message'> = (path) => ({ path })) {}

  problem(path: string, message: string): void {
    this.problems.push({ ...this.where(path), message });
  }

  text(obj: Record<string, unknown>, key: string, path: string, options: { optional?: boolean; max?: number } = {}) {
    const v = obj[key];
    if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) {
      if (!options.optional) this.problem(`${path}${key}`, 'is required');
      return null;
    }
    if (typeof v !== 'string') {
      this.problem(`${path}${key}`, 'must be text');
      return null;
    }
    if (v.length > (options.max ?? 2000)) this.problem(`${path}${key}`, `is longer than ${options.max ?? 2000} characters`);
    return v.trim();
  }

  code(obj: Record<string, unknown>, key: string, path: string): string {
    const v = this.text(obj, key, path, { max: 64 });
    if (v !== null && !CODE.test(v)) {
      this.problem(`${path}${key}`, 'must be letters, digits, ".", "_" or "-" (up to 64), starting with a letter or digit');
    }
    return v ?? '';
  }

  oneOf<T extends string>(obj: Record<string, unknown>, key: string, path: string, allowed: readonly T[]): T {
    const v = this.text(obj, key, path);
    if (v !== null && !allowed.includes(v as T)) this.problem(`${path}${key}`, `must be one of ${allowed.join(', ')}`);
    return v as T;
  }

  decimal(
    obj: Record<string, unknown>,
    key: string,
    path: string,
    options: { fallback?: string; max?: string; positive?: boolean } = {},
  ): string {
    const raw = obj[key];
    if (raw === undefined || raw === null || raw === '') {
      if (options.fallback !== undefined) return options.fallback;
      this.problem(`${path}${key}`, 'is required');
      return '0';
    }
    const text = typeof raw === 'number' && Number.isFinite(raw) ? String(raw) : typeof raw === 'string' ? raw.trim() : '';
    if (!DECIMAL.test(text)) {
      this.problem(`${path}${key}`, 'must be a non-negative decimal number such as 12.5');
      return '0';
    }
    if (options.max !== undefined && Number(text) > Number(options.max)) {
      this.problem(`${path}${key}`, `must be at most ${options.max}`);
    }
    if (options.positive && Number(text) === 0) this.problem(`${path}${key}`, 'must be greater than 0');
    return trimDecimal(text);
  }

  /** A calendar date, yyyy-mm-dd, that exists. */
  date(obj: Record<string, unknown>, key: string, path: string, options: { optional?: boolean } = {}): string | null {
    const v = this.text(obj, key, path, { optional: options.optional, max: 10 });
    if (v === null) return null;
    const m = ISO_DATE.exec(v);
    const d = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : null;
    if (!m || !d || d.toISOString().slice(0, 10) !== v) {
      this.problem(`${path}${key}`, 'must be a date, yyyy-mm-dd');
      return null;
    }
    return v;
  }

  integer(obj: Record<string, unknown>, key: string, path: string, min: number, max: number, fallback?: number): number {
    const raw = obj[key];
    if ((raw === undefined || raw === null || raw === '') && fallback !== undefined) return fallback;
    const n = typeof raw === 'string' && /^\d+$/.test(raw.trim()) ? Number(raw) : raw;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
      this.problem(`${path}${key}`, `must be a whole number from ${min} to ${max}`);
      return min;
    }
    return n;
  }

  list(obj: Record<string, unknown>, key: string, path: string, optional = false): Array<Record<string, unknown>> {
    const v = obj[key];
    if (v === undefined && optional) return [];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'object' || x === null || Array.isArray(x))) {
      this.problem(`${path}${key}`, 'must be a list of objects');
      return [];
    }
    return v as Array<Record<string, unknown>>;
  }

  unique<T>(items: T[], key: (t: T) => string, path: (i: number) => string, what: string): void {
    const seen = new Map<string, number>();
    items.forEach((item, i) => {
      const k = key(item);
      if (seen.has(k)) this.problem(path(i), `duplicates the ${what} ${k} at ${path(seen.get(k)!)}`);
      else seen.set(k, i);
    });
  }

  fail(): never {
    throw new DomainError('invalid_parameter', `The framework has ${this.problems.length} problem(s): ${this.problems
      .slice(0, 3)
      .map((p) => `${p.path} ${p.message}`)
      .join('; ')}${this.problems.length > 3 ? '; ...' : ''}`, this.problems);
  }
}

function optionalYear(r: Reader, obj: Record<string, unknown>, key: string, path: string): number | null {
  return obj[key] === undefined || obj[key] === null || obj[key] === '' ? null : r.integer(obj, key, path, 1990, 2100);
}

function checkProxyCount(r: Reader, valuation: string, count: number, path: string): void {
  if (valuation === 'record_only' && count > 0) r.problem(path, 'a record_only measure has no proxy values');
  if (valuation && valuation !== 'record_only' && count === 0) {
    r.problem(path, `a ${valuation} measure needs at least one proxy value (or valuation record_only)`);
  }
}

function readMeasure(
  r: Reader,
  m: Record<string, unknown>,
  path: string,
  basePriceYear: number,
  options: { checkProxies: boolean },
): MeasureDef {
  const valuation = r.oneOf(m, 'valuation', path, VALUATIONS);
  const units = r.list(m, 'accepted_units', path, true).map((u, i) => ({
    unit: r.text(u, 'unit', `${path}accepted_units[${i}].`, { max: 40 }) ?? '',
    factor: r.decimal(u, 'factor', `${path}accepted_units[${i}].`, { positive: true }),
  }));
  const unit = r.text(m, 'unit', path, { max: 40 }) ?? '';
  units.forEach((u, i) => {
    if (u.unit === unit) r.problem(`${path}accepted_units[${i}].unit`, 'is the canonical unit itself');
  });
  r.unique(units, (u) => u.unit, (i) => `${path}accepted_units[${i}]`, 'unit');
  const proxies = r.list(m, 'proxies', path, true).map((p, i) => {
    const at = `${path}proxies[${i}].`;
    return {
      price_year: r.integer(p, 'price_year', at, 1990, 2100, basePriceYear),
      value_gbp: r.decimal(p, 'value_gbp', at),
      price_base_year: optionalYear(r, p, 'price_base_year', at),
      source: r.text(p, 'source', at) ?? '',
      licence: r.text(p, 'licence', at) ?? '',
      note: r.text(p, 'note', at, { optional: true }),
    };
  });
  r.unique(proxies, (p) => String(p.price_year), (i) => `${path}proxies[${i}]`, 'price year');
  if (options.checkProxies) checkProxyCount(r, valuation, proxies.length, `${path}proxies`);
  return {
    code: r.code(m, 'code', path),
    name: r.text(m, 'name', path, { max: 300 }) ?? '',
    description: r.text(m, 'description', path, { optional: true }),
    unit,
    category: r.oneOf(m, 'category', path, CATEGORIES),
    valuation,
    deadweight: r.decimal(m, 'deadweight', path, { fallback: '0', max: '1' }),
    displacement: r.decimal(m, 'displacement', path, { fallback: '0', max: '1' }),
    attribution: r.decimal(m, 'attribution', path, { fallback: '0', max: '1' }),
    drop_off: r.decimal(m, 'drop_off', path, { fallback: '0', max: '1' }),
    duration_years: r.integer(m, 'duration_years', path, 1, 100, 1),
    accepted_units: units,
    proxies,
  };
}

function readHeader(r: Reader, f: Record<string, unknown>) {
  return {
    code: r.code(f, 'code', ''),
    version: r.text(f, 'version', '', { max: 40 }) ?? '',
    name: r.text(f, 'name', '', { max: 300 }) ?? '',
    publisher: r.text(f, 'publisher', '', { optional: true }),
    licence: r.text(f, 'licence', '') ?? '',
    source: r.text(f, 'source', '') ?? '',
    base_price_year: r.integer(f, 'base_price_year', '', 1990, 2100),
    description: r.text(f, 'description', '', { optional: true, max: 5000 }),
  };
}

function readCrosswalk(r: Reader, f: Record<string, unknown>): CrosswalkDef[] {
  return r.list(f, 'crosswalk', '', true).map((c, i) => {
    const at = `crosswalk[${i}].`;
    return {
      measure: r.text(c, 'measure', at) ?? '',
      to_framework: r.text(c, 'to_framework', at) ?? '',
      to_version: r.text(c, 'to_version', at, { optional: true }),
      to_measure: r.text(c, 'to_measure', at) ?? '',
      factor: r.decimal(c, 'factor', at, { fallback: '1', positive: true }),
    };
  });
}

function object(r: Reader, f: Record<string, unknown>, key: string): Record<string, unknown> | undefined {
  const v = f[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) {
    r.problem(key, 'must be an object');
    return undefined;
  }
  return v as Record<string, unknown>;
}

/** The optional `document` and `applies_to` of a JSON definition: present in the result only when given. */
function readDocument(r: Reader, f: Record<string, unknown>): Pick<FrameworkDef, 'document' | 'applies_to'> {
  const out: Pick<FrameworkDef, 'document' | 'applies_to'> = {};
  const doc = object(r, f, 'document');
  if (doc) {
    out.document = {
      title: r.text(doc, 'title', 'document.', { max: 300 }) ?? '',
      version: r.text(doc, 'version', 'document.', { max: 100 }) ?? '',
      date: r.date(doc, 'date', 'document.') ?? '',
    };
  }
  const scope = object(r, f, 'applies_to');
  if (scope) {
    const from = r.date(scope, 'awarded_from', 'applies_to.', { optional: true });
    const before = r.date(scope, 'awarded_before', 'applies_to.', { optional: true });
    if (scope.awarded_from == null && scope.awarded_before == null) r.problem('applies_to', 'needs awarded_from, awarded_before or both');
    if (from && before && from >= before) r.problem('applies_to.awarded_before', 'must be after awarded_from');
    out.applies_to = { awarded_from: from, awarded_before: before };
  }
  return out;
}

function checkWhole(r: Reader, def: FrameworkDef): void {
  r.unique(def.themes, (t) => t.code, (i) => `themes[${i}]`, 'theme code');
  const measures = def.themes.flatMap((t, ti) =>
    t.outcomes.flatMap((o, oi) => o.measures.map((m, mi) => ({ m, path: `themes[${ti}].outcomes[${oi}].measures[${mi}]` }))),
  );
  // Only a framework recording the structure of a published document may have no measures (yet): it values nothing
  if (measures.length === 0 && !def.document) r.problem('themes', 'the framework has no measures');
  if (def.document && def.themes.length === 0) r.problem('themes', 'the framework has no themes');
  r.unique(measures, (x) => x.m.code, (i) => measures[i].path, 'measure code');
  const codes = new Set(measures.map((x) => x.m.code));
  def.crosswalk.forEach((c, i) => {
    if (c.measure && !codes.has(c.measure)) r.problem(`crosswalk[${i}].measure`, `${c.measure} is not a measure of this framework`);
  });
}

/** Reads a framework from its JSON form; throws invalid_parameter listing every problem by path. */
export function frameworkFromJson(input: unknown): FrameworkDef {
  const r = new Reader();
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    r.problem('', 'a framework is a JSON object');
    r.fail();
  }
  const f = input as Record<string, unknown>;
  const header = readHeader(r, f);
  const themes = r.list(f, 'themes', '').map((t, ti) => {
    const tp = `themes[${ti}].`;
    const outcomes = r.list(t, 'outcomes', tp).map((o, oi) => {
      const op = `${tp}outcomes[${oi}].`;
      return {
        code: r.code(o, 'code', op),
        name: r.text(o, 'name', op, { max: 300 }) ?? '',
        measures: r
          .list(o, 'measures', op)
          .map((m, mi) => readMeasure(r, m, `${op}measures[${mi}].`, header.base_price_year, { checkProxies: true })),
      };
    });
    r.unique(outcomes, (o) => o.code, (i) => `${tp}outcomes[${i}]`, 'outcome code');
    return { code: r.code(t, 'code', tp), name: r.text(t, 'name', tp, { max: 300 }) ?? '', outcomes };
  });
  const def: FrameworkDef = { ...header, themes, crosswalk: readCrosswalk(r, f), ...readDocument(r, f) };
  checkWhole(r, def);
  if (r.problems.length > 0) r.fail();
  return def;
}

/** The columns of the CSV form: one row per measure and price year (the measure's columns repeat on each). */
export const FRAMEWORK_CSV_COLUMNS = [
  'theme_code',
  'theme_name',
  'outcome_code',
  'outcome_name',
  'measure_code',
  'measure_name',
  'description',
  'unit',
  'category',
  'valuation',
  'deadweight',
  'displacement',
  'attribution',
  'drop_off',
  'duration_years',
  'accepted_units',
  'price_year',
  'value_gbp',
  'value_source',
  'value_licence',
] as const;

/** Columns a CSV may add: the price base of a value when it is not its price year, and a note on the value. */
export const FRAMEWORK_CSV_OPTIONAL_COLUMNS = ['value_price_base_year', 'value_note'] as const;

/**
 * Reads a framework from its CSV form plus its header fields (code, version, name, licence, source, base_price_year:
 * query parameters of the upload, or options of the CLI). `accepted_units` is `unit=factor` pairs separated by `;`.
 * Problems name the CSV row (the header is row 1) and column.
 */
export function frameworkFromCsv(text: string, header: Record<string, unknown>): FrameworkDef {
  let rows: Array<Record<string, string>>;
  try {
    rows = parse(text, { columns: true, skip_empty_lines: true, bom: true, trim: true, relax_column_count: false });
  } catch (err) {
    throw new DomainError('invalid_parameter', `The CSV cannot be read: ${(err as Error).message}`);
  }
  const r = new Reader((path) => {
    const m = /^row (\d+)\.(.+)$/.exec(path);
    return m ? { path, row: Number(m[1]), field: m[2] } : { path };
  });
  const headerFields = readHeader(r, header);
  const missing = FRAMEWORK_CSV_COLUMNS.filter((c) => rows.length > 0 && !(c in rows[0]));
  if (rows.length === 0) r.problem('csv', 'has no rows');
  if (missing.length > 0) r.problem('csv', `lacks the column(s) ${missing.join(', ')}`);
  if (r.problems.length > 0) r.fail();

  const themes = new Map<string, ThemeDef>();
  const measures = new Map<string, { m: MeasureDef; row: number; proxies: Array<Record<string, unknown>> }>();
  rows.forEach((row, i) => {
    const rowNumber = i + 2;
    const at = `row ${rowNumber}.`;
    const units = (row.accepted_units ?? '')
      .split(';')
      .map((s) => s.trim())
      .filter(Boolean)
      .map((pair) => {
        const [unit, factor] = pair.split('=').map((s) => s.trim());
        return { unit, factor };
      });
    const existing = measures.get(row.measure_code);
    const proxy =
      row.price_year || row.value_gbp
        ? {
            price_year: row.price_year,
            value_gbp: row.value_gbp,
            price_base_year: row.value_price_base_year,
            source: row.value_source,
            licence: row.value_licence,
            note: row.value_note,
          }
        : undefined;
    if (existing) {
      if (proxy) existing.proxies.push({ ...proxy, __row: rowNumber });
      return;
    }
    const m = readMeasure(
      r,
      {
        code: row.measure_code,
        name: row.measure_name,
        description: row.description,
        unit: row.unit,
        category: row.category,
        valuation: row.valuation,
        deadweight: row.deadweight,
        displacement: row.displacement,
        attribution: row.attribution,
        drop_off: row.drop_off,
        duration_years: row.duration_years,
        accepted_units: units,
        proxies: [],
      },
      at,
      headerFields.base_price_year,
      { checkProxies: false }, // a measure's proxy values are spread over its rows: counted once all are read
    );
    measures.set(row.measure_code, { m, row: rowNumber, proxies: proxy ? [{ ...proxy, __row: rowNumber }] : [] });
    let theme = themes.get(row.theme_code);
    if (!theme) {
      theme = { code: r.code(row, 'theme_code', at), name: r.text(row, 'theme_name', at) ?? '', outcomes: [] };
      themes.set(row.theme_code, theme);
    }
    let outcome = theme.outcomes.find((o) => o.code === row.outcome_code);
    if (!outcome) {
      outcome = { code: r.code(row, 'outcome_code', at), name: r.text(row, 'outcome_name', at) ?? '', measures: [] };
      theme.outcomes.push(outcome);
    }
    outcome.measures.push(m);
  });
  for (const { m, row, proxies } of measures.values()) {
    m.proxies = proxies.map((p) => {
      const at = `row ${p.__row}.`;
      return {
        price_year: r.integer(p, 'price_year', at, 1990, 2100, headerFields.base_price_year),
        value_gbp: r.decimal(p, 'value_gbp', at),
        price_base_year: optionalYear(r, p, 'price_base_year', at),
        source: r.text(p, 'source', at) ?? '',
        licence: r.text(p, 'licence', at) ?? '',
        note: r.text(p, 'note', at, { optional: true }),
      };
    });
    r.unique(m.proxies, (p) => String(p.price_year), (i) => `row ${proxies[i].__row}.price_year`, 'price year of the measure');
    checkProxyCount(r, m.valuation, m.proxies.length, `row ${row}.value_gbp`);
  }
  const def: FrameworkDef = { ...headerFields, themes: [...themes.values()], crosswalk: [] };
  checkWhole(r, def);
  if (r.problems.length > 0) r.fail();
  return def;
}

export type FrameworkFormat = 'json' | 'csv';

/** The format of a framework sent with this content type (JSON, or CSV with the framework's fields given apart). */
export function frameworkFormat(contentType: string | undefined): FrameworkFormat {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'application/json') return 'json';
  if (type === 'text/csv' || type === 'application/csv') return 'csv';
  throw new DomainError('unsupported_media_type', 'Send a framework as application/json or as text/csv', {
    content_type: contentType ?? null,
    accepted: ['application/json', 'text/csv'],
  });
}

/** Reads a framework in either of its formats (CSV takes its header fields separately). */
export function readFramework(format: FrameworkFormat, body: unknown, header: Record<string, unknown>): FrameworkDef {
  if (format === 'csv') {
    if (typeof body !== 'string') throw new DomainError('invalid_parameter', 'A CSV framework is sent as text/csv');
    return frameworkFromCsv(body, header);
  }
  return frameworkFromJson(body);
}
