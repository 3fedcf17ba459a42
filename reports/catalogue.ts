import { DomainError } from '../metrics/platform/errors';
import { lastClosedQuarterEnd, parsePeriodParameter, PERIOD_YEARS } from '../metrics/platform/periods';

/**
 * The reports: each a folder of reports/types with a Handlebars template, its styles and a view-model builder reading
 * the metrics services. This list is what the API, the pages, the schedules and the CLI accept: a report's name, what
 * it is for, and the parameters it takes.
 */
export const REPORT_NAMES = ['national', 'authority', 'evidence'] as const;
export type ReportName = (typeof REPORT_NAMES)[number];

export const REPORT_PARAMS = ['period', 'authority', 'basis', 'theme', 'region', 'sector', 'kind'] as const;
export type ReportParam = (typeof REPORT_PARAMS)[number];

export interface ReportEntry {
  name: ReportName;
  title: string;
  /** Who it is for and what it answers. */
  purpose: string;
  /** The parameters it takes (others are refused with a 400 naming them); `authority` is required where listed. */
  params: readonly ReportParam[];
  required: readonly ReportParam[];
}

export const REPORTS: readonly ReportEntry[] = [
  {
    name: 'national',
    title: 'Social value: national implementation report',
    purpose:
      'For a monitoring unit: how the Act is implemented across public bodies: the implementation indicators and their trend, by kind of authority, department and region, the map, leaders and laggards, delivery against commitment, data quality.',
    params: ['period', 'basis'],
    required: [],
  },
  {
    name: 'authority',
    title: 'Social value: authority benchmark report',
    purpose:
      'For a council or department: where it stands on each indicator against its peer group, what its contracts delivered against their commitments, and what changed since the previous period.',
    params: ['period', 'authority', 'basis'],
    required: ['authority'],
  },
  {
    name: 'evidence',
    title: 'Social value: evidence report',
    purpose:
      'For umbrella bodies: outcomes by theme and category, £ nominal, real and net side by side, the SME and VCSE share, the local-economic, social and environmental split, and the largest deliveries, with methodology and sources spelled out.',
    params: ['period', 'theme', 'region', 'sector', 'kind'],
    required: [],
  },
];

export function findReport(name: string): ReportEntry | undefined {
  return REPORTS.find((r) => r.name === name);
}

/** A report's parameters, checked: the period is always set (default: the last closed quarter). */
export interface ReportParams {
  period: string;
  authority?: string;
  basis?: 'nominal' | 'real' | 'net';
  theme?: string;
  region?: string;
  sector?: string;
  kind?: string;
}

/** The period a report covers: its label and first and last day. */
export interface ReportPeriod {
  label: string;
  start: string;
  end: string;
}

const invalid = (field: string, message: string, value?: unknown) => new DomainError('invalid_parameter', message, { field, value });

export const PERIOD_HELP = 'a quarter (2025-Q4), a year (2025), a month (2025-11) or a financial year (FY2025-26)';

/** The last closed calendar quarter, as a label (2025-Q3). */
export function lastClosedQuarter(today = new Date().toISOString().slice(0, 10)): string {
  const end = lastClosedQuarterEnd(today);
  return `${end.slice(0, 4)}-Q${Math.ceil(Number(end.slice(5, 7)) / 3)}`;
}

/** The period of a label, refused (400 naming `period`) when unreadable or not yet over. */
export function reportPeriod(label: string, today = new Date().toISOString().slice(0, 10)): ReportPeriod {
  const range = parsePeriodParameter(label);
  if (!range) throw invalid('period', `period must be ${PERIOD_HELP}, between ${PERIOD_YEARS.from} and ${PERIOD_YEARS.to}`, label);
  if (range.start > today) throw invalid('period', `period ${label} is out of range: it has not started yet (today is ${today})`, label);
  return { label: label.trim().toUpperCase().replace(/^(\d{4})Q/, '$1-Q'), ...range };
}

/**
 * A report's name and parameters as a client sends them (query string, JSON body, CLI flags, a schedule), checked: an
 * unknown report is a 404 naming the reports; an unknown or malformed parameter, a missing required one, a bad period,
 * a 400 naming the field. Whether an authority, theme, region or sector exists is checked by the builder's reads.
 */
export function parseReportParams(name: string, raw: Record<string, unknown>, today?: string): { entry: ReportEntry; params: ReportParams } {
  const entry = findReport(name);
  if (!entry) throw new DomainError('invalid_parameter', `No report ${name}: the reports are ${REPORT_NAMES.join(', ')}`, { field: 'report', value: name, reports: REPORT_NAMES });
  const params: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (value === undefined || value === null || value === '') continue;
    if (!(entry.params as readonly string[]).includes(key)) {
      throw invalid(key, `The ${name} report takes no parameter ${key}: it takes ${entry.params.join(', ')}`, value);
    }
    if (typeof value !== 'string' || value.length > 200) throw invalid(key, `${key} must be a string of at most 200 characters`, value);
    params[key] = value.trim();
  }
  for (const field of entry.required) if (!params[field]) throw invalid(field, `${field} is required: the ${name} report is about one ${field}`);
  const period = reportPeriod(params.period ?? lastClosedQuarter(today), today);
  if (params.basis !== undefined && !['nominal', 'real', 'net'].includes(params.basis)) {
    throw invalid('basis', 'basis must be one of nominal, real, net', params.basis);
  }
  return { entry, params: { ...params, period: period.label } as ReportParams };
}
