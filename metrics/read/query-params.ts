import type { CatalogueRepository, FrameworkSummary } from '../reference/catalogue/catalogue.repository';
import { DomainError } from '../platform/errors';
import { parsePeriod } from '../ingest/imports/import-rows';

/**
 * The query parameters the summary, the indicators and the exports share, read one way: lists (comma-separated or
 * repeated), periods, and the framework a £ figure is within.
 */

/** A bad query parameter: 400, its details in the shape the validation pipe gives (a list naming each field). */
export function invalidParameter(field: string, message: string, value?: unknown): DomainError {
  return new DomainError('invalid_parameter', message, [{ field, message, ...(value !== undefined ? { value } : {}) }]);
}

/** `a,b` or `?x=a&x=b` into a list; nothing into undefined. */
export function toList(v: string | string[] | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  const list = (Array.isArray(v) ? v : [v]).flatMap((x) => String(x).split(',')).map((x) => x.trim()).filter(Boolean);
  return list.length ? list : undefined;
}

/** A period label or a year: its first and last day. */
export function periodRange(label: string, field: string): { start: string; end: string } {
  const p = /^\d{4}$/.test(label.trim()) ? { start: `${label.trim()}-01-01`, end: `${label.trim()}-12-31` } : parsePeriod(label);
  if (!p) {
    throw invalidParameter(field, `${field} must be a year (2025), a quarter (2025-Q1), a month (2025-04) or a financial year (FY2025-26)`, label);
  }
  const year = Number(p.start.slice(0, 4));
  if (year < PERIOD_YEARS.from || year > PERIOD_YEARS.to) {
    throw invalidParameter(field, `${field} must be a period between ${PERIOD_YEARS.from} and ${PERIOD_YEARS.to}`, label);
  }
  return p;
}

/** The years a period parameter may name (the catalogue's price years are 1990-2100). */
export const PERIOD_YEARS = { from: 1990, to: 2100 } as const;

/** `code` or `code@version`. */
export const FRAMEWORK_SPEC = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}(@[^@\s]{1,64})?$/;

/** The framework named (its latest version unless one is named), else the default one; 404 when there is none. */
export async function resolveFramework(catalogue: CatalogueRepository, spec: string | undefined): Promise<FrameworkSummary> {
  if (spec !== undefined && !FRAMEWORK_SPEC.test(spec)) {
    throw invalidParameter('framework', 'framework must be a code or code@version', spec);
  }
  const [code, version] = spec ? spec.split('@') : [undefined, undefined];
  const found = code ? await catalogue.find(code, version) : await catalogue.findDefault();
  if (!found) throw new DomainError('not_found', spec ? `No framework ${spec}` : 'No default framework is loaded', { framework: spec ?? null });
  return found;
}
