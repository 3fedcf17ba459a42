import { parsePeriod } from '../../platform/periods';
import { REACHES, RESOURCE_KINDS } from '../../reference/exchange-vocabulary';

/**
 * Row-local checks of import rows: each field read from text (CSV), JSON values or Arrow values into its normalised
 * text form, or a rejection naming the field. Pure functions; the checks that need the database (unknown contract or
 * measure, units, permissions, duplicates) run afterwards, set-based, in SQL.
 */
export const IMPORT_KINDS = ['contracts', 'commitments', 'outcomes', 'payments', 'needs', 'pledges'] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];
/** The imports of a contract's lines: they name a contract, a measure and a period. */
export const LINE_KINDS: readonly ImportKind[] = ['commitments', 'outcomes'];
/** The exchange's imports: community organisations' needs, suppliers' pledges (metrics/ingest/exchange). */
export const EXCHANGE_KINDS: readonly ImportKind[] = ['needs', 'pledges'];
/** The imports whose rows name a measure (in a framework) and a quantity in a unit that converts to the measure's. */
export const MEASURE_KINDS: readonly ImportKind[] = [...LINE_KINDS, ...EXCHANGE_KINDS];
/** The most authorities a pledge's places list (as the single pledge route takes). */
const MAX_PLACES = 50;

export interface RowError {
  field: string;
  code: string;
  message: string;
  value: string | null;
}

type FieldType = 'text' | 'decimal' | 'date' | 'bool' | 'scale' | 'stage' | 'percent' | 'quantity' | 'resource_kind' | 'reach' | 'places';

interface FieldSpec {
  name: string;
  type: FieldType;
  required?: boolean;
  max?: number;
  description: string;
}

const PERIOD_FIELDS: FieldSpec[] = [
  { name: 'period', type: 'text', description: 'a quarter 2025-Q1 (calendar), a month 2025-04, a financial year FY2025-26; or give period_start and period_end' },
  { name: 'period_start', type: 'date', description: 'first day of the period (YYYY-MM-DD or DD/MM/YYYY), with period_end, instead of period' },
  { name: 'period_end', type: 'date', description: 'last day of the period' },
];

/** The column contract of each import (published in the README and the OpenAPI description). */
export const IMPORT_COLUMNS: Record<ImportKind, FieldSpec[]> = {
  contracts: [
    { name: 'reference', type: 'text', required: true, max: 200, description: "the contract's unique reference (an OCDS ocid, or the buyer's own)" },
    { name: 'authority', type: 'text', required: true, max: 64, description: 'code of the buying authority (GSS code, GB-GOR-<id>)' },
    { name: 'title', type: 'text', required: true, max: 1000, description: 'title' },
    { name: 'description', type: 'text', max: 10000, description: 'description' },
    { name: 'supplier_scheme', type: 'text', max: 40, description: 'identifier scheme of the supplier, e.g. GB-COH (Companies House)' },
    { name: 'supplier_id', type: 'text', max: 100, description: 'identifier of the supplier in that scheme' },
    { name: 'supplier_name', type: 'text', max: 500, description: 'name of the supplier (required for an awarded contract)' },
    { name: 'supplier_scale', type: 'scale', description: 'sme or large' },
    { name: 'supplier_vcse', type: 'bool', description: 'the supplier is a voluntary, community or social enterprise' },
    { name: 'cpv', type: 'text', max: 12, description: 'main CPV code, e.g. 85311000-2 (its division is the sector)' },
    { name: 'value_gbp', type: 'decimal', description: 'contract value in pounds' },
    { name: 'award_date', type: 'date', description: 'award date' },
    { name: 'start_date', type: 'date', description: 'start date' },
    { name: 'end_date', type: 'date', description: 'end date' },
    { name: 'stage', type: 'stage', description: 'awarded (default when a supplier is named) or pipeline' },
    { name: 'is_services', type: 'bool', description: 'a services contract' },
    { name: 'above_threshold', type: 'bool', description: 'above the procurement threshold' },
    { name: 'in_scope', type: 'bool', description: 'in scope of the Social Value Act' },
    { name: 'sv_evaluated', type: 'bool', description: 'social value was evaluated at award' },
    { name: 'sv_weighting_pct', type: 'percent', description: 'weighting of social value in the award, 0 to 100' },
  ],
  commitments: [
    { name: 'contract', type: 'text', required: true, max: 200, description: 'reference of the contract' },
    { name: 'framework', type: 'text', max: 100, description: 'framework code (or code@version) of the measure; default: the default framework' },
    { name: 'measure', type: 'text', required: true, max: 64, description: 'measure code' },
    { name: 'target_quantity', type: 'decimal', required: true, description: 'quantity promised' },
    { name: 'unit', type: 'text', required: true, max: 40, description: "unit of the quantity: the measure's or one it accepts" },
    ...PERIOD_FIELDS,
  ],
  outcomes: [
    { name: 'contract', type: 'text', required: true, max: 200, description: 'reference of the contract' },
    { name: 'framework', type: 'text', max: 100, description: 'framework code (or code@version) of the measure; default: the default framework' },
    { name: 'measure', type: 'text', required: true, max: 64, description: 'measure code' },
    ...PERIOD_FIELDS,
    { name: 'quantity', type: 'decimal', required: true, description: 'quantity delivered' },
    { name: 'unit', type: 'text', required: true, max: 40, description: "unit of the quantity: the measure's or one it accepts" },
    { name: 'evidence_ref', type: 'text', max: 500, description: 'reference to the evidence held' },
  ],
  // the payments compliance notice (Procurement Act 2023 s.69, Procurement Regulations 2024 reg. 38): one row per
  // authority and six-month period
  payments: [
    { name: 'authority', type: 'text', required: true, max: 64, description: 'code of the contracting authority (GSS code, GB-GOR-<id>)' },
    { name: 'period_start', type: 'date', required: true, description: 'first day of the reporting period (six months: 1 April to 30 September, 1 October to 31 March)' },
    { name: 'period_end', type: 'date', required: true, description: 'last day of the reporting period (after period_start)' },
    { name: 'average_days_to_pay', type: 'decimal', required: true, description: 'average number of days taken to pay an invoice in the period' },
    { name: 'pct_paid_1_30', type: 'percent', required: true, description: '% of invoices paid within 1 to 30 days (0 to 100; the three bands add up to 100, within 0.5)' },
    { name: 'pct_paid_31_60', type: 'percent', required: true, description: '% of invoices paid within 31 to 60 days' },
    { name: 'pct_paid_61_plus', type: 'percent', required: true, description: '% of invoices paid in 61 days or more' },
    { name: 'pct_not_paid_when_due', type: 'percent', required: true, description: '% of invoices not paid within the agreed terms (0 to 100)' },
  ],
  // the exchange (metrics/ingest/exchange/exchange.service.ts: postNeed, postPledge take the same fields, one at a time)
  needs: [
    { name: 'organisation', type: 'text', required: true, max: 80, description: 'org-id identifier of the community organisation registered on the exchange, e.g. GB-CHC-1234567' },
    { name: 'reference', type: 'text', required: true, max: 100, description: "the organisation's own reference of the need, unique per organisation: sending it again updates the need" },
    { name: 'title', type: 'text', required: true, max: 200, description: 'what is asked for' },
    { name: 'description', type: 'text', max: 4000, description: 'more about it' },
    { name: 'resource_kind', type: 'resource_kind', required: true, description: RESOURCE_KINDS.join(', ') },
    { name: 'quantity', type: 'quantity', required: true, description: 'quantity asked for, above 0 (at most 6 decimal places)' },
    { name: 'unit', type: 'text', required: true, max: 40, description: "unit of the quantity: the measure's or one it accepts" },
    { name: 'measure', type: 'text', required: true, max: 64, description: 'measure code the need advances' },
    { name: 'framework', type: 'text', max: 100, description: 'framework code (or code@version) of the measure; default: the default framework' },
    { name: 'authority', type: 'text', required: true, max: 64, description: 'code of the authority where the need is (GSS code)' },
    { name: 'needed_by', type: 'date', description: 'the day it is needed by (not in the past)' },
  ],
  pledges: [
    { name: 'contract', type: 'text', required: true, max: 200, description: 'reference of the contract the pledge is made against (its supplier pledges)' },
    { name: 'reference', type: 'text', required: true, max: 100, description: "the supplier's own reference of the pledge, unique per supplier: sending it again updates the pledge" },
    { name: 'title', type: 'text', max: 200, description: 'what is offered' },
    { name: 'resource_kind', type: 'resource_kind', required: true, description: RESOURCE_KINDS.join(', ') },
    { name: 'quantity', type: 'quantity', required: true, description: 'quantity offered, above 0 (at most 6 decimal places); more than the contract commits is accepted' },
    { name: 'unit', type: 'text', required: true, max: 40, description: "unit of the quantity: the measure's or one it accepts" },
    { name: 'measure', type: 'text', required: true, max: 64, description: 'measure code of the commitment the pledge delivers' },
    { name: 'framework', type: 'text', max: 100, description: 'framework code (or code@version) of the measure; default: the default framework' },
    { name: 'places', type: 'places', description: "authority codes where it is offered, separated by ';'; default: the contract's authority" },
    { name: 'reach', type: 'reach', description: `how far from its places it reaches: ${REACHES.join(', ')} (default neighbours)` },
    { name: 'available_from', type: 'date', description: 'first day it is available; default: the day of the import (a pledge held keeps its own)' },
    { name: 'available_to', type: 'date', description: 'last day it is available (not before available_from); default: a year after available_from' },
  ],
};

/** Whether an import of this kind may give its period as a label (2025-Q1...) instead of period_start and period_end. */
export const takesPeriodLabel = (kind: ImportKind): boolean => IMPORT_COLUMNS[kind].some((f) => f.name === 'period');

/** The three bands of a payments return, which add up to 100 within this rounding. */
export const PAYMENT_BANDS = ['pct_paid_1_30', 'pct_paid_31_60', 'pct_paid_61_plus'] as const;
export const PAYMENT_BANDS_TOLERANCE = '0.5';
/** The largest average days to pay payment_compliance holds (numeric(8, 2)). */
const MAX_AVERAGE_DAYS = 999999.99;

/** What each kind writes to its staging table: the normalised fields (periods resolved into start and end). */
export function stagedColumns(kind: ImportKind): string[] {
  const names = IMPORT_COLUMNS[kind].map((f) => f.name).filter((n) => n !== 'period');
  return names;
}

const DATE_ISO = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_UK = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;

function isoDate(y: number, m: number, d: number): string | null {
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return null;
  return date.toISOString().slice(0, 10);
}

export function parseDate(text: string): string | null {
  const iso = DATE_ISO.exec(text);
  if (iso) return isoDate(Number(iso[1]), Number(iso[2]), Number(iso[3]));
  const uk = DATE_UK.exec(text);
  if (uk) return isoDate(Number(uk[3]), Number(uk[2]), Number(uk[1]));
  return null;
}

const TRUE = new Set(['true', 't', 'yes', 'y', '1']);
const FALSE = new Set(['false', 'f', 'no', 'n', '0']);

/** A value of any source format as trimmed text, or null when empty. */
export function asText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value.trim() === '' ? null : value.trim();
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'NaN';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'invalid' : value.toISOString().slice(0, 10);
  return JSON.stringify(value);
}

function normalise(spec: FieldSpec, text: string): { value: string } | { code: string; message: string } {
  switch (spec.type) {
    case 'text':
      return text.length > (spec.max ?? 1000)
        ? { code: 'too_long', message: `${spec.name} is longer than ${spec.max ?? 1000} characters` }
        : { value: text };
    case 'decimal':
    case 'percent': {
      if (/^-\s*\d/.test(text)) return { code: 'negative', message: `${spec.name} must not be negative` };
      const m = /^\+?(\d{1,18})(\.\d{1,12})?$/.exec(text) ?? /^\+?(\d{0,18})(\.\d{1,12})$/.exec(text);
      if (!m) return { code: 'not_a_number', message: `${spec.name} must be a number such as 12.5 (got "${text}")` };
      if (spec.type === 'percent' && Number(text) > 100) return { code: 'out_of_range', message: `${spec.name} must be from 0 to 100` };
      return { value: text.replace(/^\+/, '') };
    }
    case 'date': {
      const d = parseDate(text);
      return d ? { value: d } : { code: 'invalid_date', message: `${spec.name} must be a date YYYY-MM-DD or DD/MM/YYYY (got "${text}")` };
    }
    case 'bool': {
      const v = text.toLowerCase();
      if (TRUE.has(v)) return { value: 'true' };
      if (FALSE.has(v)) return { value: 'false' };
      return { code: 'invalid_boolean', message: `${spec.name} must be true or false (got "${text}")` };
    }
    case 'scale': {
      const v = text.toLowerCase();
      return v === 'sme' || v === 'large' ? { value: v } : { code: 'invalid_value', message: `${spec.name} must be sme or large` };
    }
    case 'stage': {
      const v = text.toLowerCase();
      return v === 'awarded' || v === 'pipeline' ? { value: v } : { code: 'invalid_value', message: `${spec.name} must be awarded or pipeline` };
    }
    case 'quantity': {
      // as the exchange's single routes take it: above 0, up to 15 digits and 6 decimal places (numeric(24, 6))
      if (/^-\s*\d/.test(text)) return { code: 'negative', message: `${spec.name} must be above 0` };
      const m = /^\+?(\d{1,15})(\.\d{1,6})?$/.exec(text) ?? /^\+?(\d{0,15})(\.\d{1,6})$/.exec(text);
      if (!m) return { code: 'not_a_number', message: `${spec.name} must be a number above 0 with at most 6 decimal places (got "${text}")` };
      if (!/[1-9]/.test(text)) return { code: 'out_of_range', message: `${spec.name} must be above 0` };
      return { value: text.replace(/^\+/, '') };
    }
    case 'resource_kind':
    case 'reach': {
      const v = text.toLowerCase();
      const allowed: readonly string[] = spec.type === 'reach' ? REACHES : RESOURCE_KINDS;
      return allowed.includes(v) ? { value: v } : { code: 'invalid_value', message: `${spec.name} must be one of ${allowed.join(', ')}` };
    }
    case 'places': {
      const codes = [...new Set(text.split(/[;,]/).map((c) => c.trim()).filter((c) => c !== ''))];
      if (codes.length === 0) return { code: 'invalid_value', message: `${spec.name} lists no authority` };
      if (codes.length > MAX_PLACES) return { code: 'invalid_value', message: `${spec.name} lists more than ${MAX_PLACES} authorities` };
      if (codes.some((c) => c.length > 64)) return { code: 'too_long', message: `${spec.name} has an authority code longer than 64 characters` };
      return { value: codes.join(';') };
    }
  }
}

export type CheckedRow = { values: Record<string, string | null> } | { error: RowError };

/** Checks one row of an import: its normalised values, or the first problem found, naming the field. */
export function checkRow(kind: ImportKind, record: Record<string, unknown>): CheckedRow {
  const values: Record<string, string | null> = {};
  let label: string | null = null;
  for (const spec of IMPORT_COLUMNS[kind]) {
    const raw = record[spec.name];
    // a JSON pledge may list its places as an array of codes, as the single pledge route takes them
    const text = asText(spec.type === 'places' && Array.isArray(raw) && raw.every((c) => typeof c === 'string') ? raw.join(';') : raw);
    let value: string | null = null;
    if (text === null) {
      if (spec.required) return { error: { field: spec.name, code: 'required', message: `${spec.name} is required`, value: null } };
    } else {
      const result = normalise(spec, text);
      if ('code' in result) return { error: { field: spec.name, code: result.code, message: result.message, value: text.slice(0, 200) } };
      value = result.value;
    }
    // the period label is read into period_start and period_end below, not staged (one object shape for every row)
    if (spec.name === 'period') label = value;
    else values[spec.name] = value;
  }
  if (kind === 'payments') {
    const problem = checkPayments(values);
    if (problem) return { error: problem };
  } else if (LINE_KINDS.includes(kind)) {
    if (label !== null) {
      const period = periodOf(label);
      if (!period) {
        return { error: { field: 'period', code: 'invalid_period', message: `period must be like 2025-Q1, 2025-04 or FY2025-26 (got "${label}")`, value: label } };
      }
      if ((values.period_start && values.period_start !== period.start) || (values.period_end && values.period_end !== period.end)) {
        return { error: { field: 'period', code: 'invalid_period', message: 'period disagrees with period_start/period_end', value: label } };
      }
      values.period_start = period.start;
      values.period_end = period.end;
    } else if (!values.period_start || !values.period_end) {
      return { error: { field: 'period', code: 'required', message: 'give period, or both period_start and period_end', value: null } };
    }
    if (values.period_end! < values.period_start!) {
      return { error: { field: 'period_end', code: 'invalid_period', message: 'period_end is before period_start', value: values.period_end } };
    }
  } else if (kind === 'pledges') {
    if (values.available_from && values.available_to && values.available_to < values.available_from) {
      return { error: { field: 'available_to', code: 'invalid_date', message: `available_to ${values.available_to} is before available_from ${values.available_from}`, value: values.available_to } };
    }
  } else if (kind === 'contracts') {
    if (values.start_date && values.end_date && values.end_date < values.start_date) {
      return { error: { field: 'end_date', code: 'invalid_date', message: 'end_date is before start_date', value: values.end_date } };
    }
    if ((values.supplier_scheme === null) !== (values.supplier_id === null)) {
      return { error: { field: values.supplier_scheme ? 'supplier_id' : 'supplier_scheme', code: 'required', message: 'give supplier_scheme and supplier_id together', value: null } };
    }
    if (values.supplier_scheme && !/^[A-Z]{2}-[A-Z0-9-]+$/.test(values.supplier_scheme.toUpperCase())) {
      return { error: { field: 'supplier_scheme', code: 'invalid_value', message: 'supplier_scheme must be an org-id scheme such as GB-COH', value: values.supplier_scheme } };
    }
    if (values.supplier_scheme) values.supplier_scheme = values.supplier_scheme.toUpperCase();
    const stage = values.stage ?? (values.supplier_name || values.supplier_id ? 'awarded' : 'pipeline');
    if (stage === 'awarded' && !values.supplier_name) {
      return { error: { field: 'supplier_name', code: 'required', message: 'an awarded contract needs its supplier_name', value: null } };
    }
    values.stage = stage;
    if (values.cpv) {
      const m = /^(\d{8})(-\d)?$/.exec(values.cpv);
      if (!m) return { error: { field: 'cpv', code: 'invalid_value', message: 'cpv must be 8 digits, optionally with -check digit', value: values.cpv } };
      values.cpv = m[1];
    }
  }
  return { values };
}

/**
 * The payments reporting period (regulation 38: six months, 1 April to 30 September or 1 October to 31 March) that
 * starts on a date, or null when none does.
 */
export function paymentPeriodOf(start: string): { start: string; end: string } | null {
  const m = /^(\d{4})-(04|10)-01$/.exec(start);
  if (!m) return null;
  const year = Number(m[1]);
  return { start, end: m[2] === '04' ? `${year}-09-30` : `${year + 1}-03-31` };
}

/** Exact decimal text (as normalised above: digits, an optional fraction of up to 12 places) in millionths of millionths. */
function scaled(text: string): bigint {
  const [whole, fraction = ''] = text.split('.');
  return BigInt(whole || '0') * 10n ** 12n + BigInt(fraction.padEnd(12, '0'));
}

/**
 * The checks of a payments return row beyond each field's own: the period runs forward and is a reporting period of
 * the regulation, the average is one payment_compliance can hold, and the three bands add up to 100 within the
 * rounding of published figures (exactly, in decimals, as sent). The figures are stored to 2 places, as published.
 */
function checkPayments(values: Record<string, string | null>): RowError | null {
  if (values.period_end! <= values.period_start!) {
    return { field: 'period_end', code: 'invalid_period', message: 'period_end must be after period_start', value: values.period_end };
  }
  const period = paymentPeriodOf(values.period_start!);
  if (!period) {
    return { field: 'period_start', code: 'invalid_period', message: `a payments reporting period starts on 1 April or 1 October (got ${values.period_start})`, value: values.period_start };
  }
  if (period.end !== values.period_end) {
    return { field: 'period_end', code: 'invalid_period', message: `the reporting period starting ${period.start} ends on ${period.end} (got ${values.period_end})`, value: values.period_end };
  }
  if (Number(values.average_days_to_pay) > MAX_AVERAGE_DAYS) {
    return { field: 'average_days_to_pay', code: 'out_of_range', message: `average_days_to_pay must be at most ${MAX_AVERAGE_DAYS}`, value: values.average_days_to_pay };
  }
  const sum = PAYMENT_BANDS.reduce((total, band) => total + scaled(values[band]!), 0n);
  const off = sum - scaled('100');
  if (off > scaled(PAYMENT_BANDS_TOLERANCE) || -off > scaled(PAYMENT_BANDS_TOLERANCE)) {
    const text = PAYMENT_BANDS.map((b) => values[b]).join(' + ');
    const total = `${sum / 10n ** 12n}.${(sum % 10n ** 12n).toString().padStart(12, '0')}`.replace(/\.?0+$/, '');
    return {
      field: 'pct_paid_61_plus',
      code: 'bands_not_100',
      message: `pct_paid_1_30 + pct_paid_31_60 + pct_paid_61_plus must add up to 100 (within ${PAYMENT_BANDS_TOLERANCE}): ${text} = ${total}`,
      value: `${text} = ${total}`,
    };
  }
  return null;
}

/** One CSV field for COPY: NULL is an empty unquoted field, text is always quoted. */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  const s = String(value);
  return s.includes('"') ? `"${s.replace(/"/g, '""')}"` : `"${s}"`;
}

/** Period labels read so far (a file repeats a few labels on every row): parsePeriod once per label. */
const PERIODS = new Map<string, ReturnType<typeof parsePeriod>>();
function periodOf(label: string): ReturnType<typeof parsePeriod> {
  let period = PERIODS.get(label);
  if (period === undefined) {
    period = parsePeriod(label);
    if (PERIODS.size >= 10_000) PERIODS.clear();
    PERIODS.set(label, period);
  }
  return period;
}

/** One line of the staging table's CSV: the row number, the normalised values, or the row's error. */
export function stageLine(columns: readonly string[], row: number, checked: CheckedRow): string {
  const values = 'values' in checked ? checked.values : {};
  const err = 'error' in checked ? checked.error : null;
  const cell = (c: string): string => {
    switch (c) {
      case 'row_number':
        return String(row);
      case 'err_field':
        return csvField(err?.field ?? null);
      case 'err_code':
        return csvField(err?.code ?? null);
      case 'err_message':
        return csvField(err?.message ?? null);
      case 'err_value':
        return csvField(err?.value ?? null);
      default:
        return csvField(err ? null : (values[c] ?? null));
    }
  };
  return `${columns.map(cell).join(',')}\n`;
}
