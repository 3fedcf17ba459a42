import { parse } from 'csv-parse/sync';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { normaliseName } from './authorities/normalise-name';
import { projectRoot } from '../platform/project-root';

/** The reference data the product ships, under metrics/reference/data (origins and licences in NOTICE.md there). */
export const REFERENCE_DATA_DIR = join(projectRoot(), 'metrics', 'reference', 'data');
/** The catalogue's own data: the default framework and the GDP deflators. */
export const CATALOGUE_DATA_DIR = join(projectRoot(), 'metrics', 'reference', 'catalogue', 'data');

export interface ReferenceFile {
  name: string;
  text: string;
  sha256: string;
}

export function readReferenceFile(name: string, dir = REFERENCE_DATA_DIR): ReferenceFile {
  const text = readFileSync(join(dir, name), 'utf8');
  return { name, text, sha256: createHash('sha256').update(text).digest('hex') };
}

function csvRows(text: string): Array<Record<string, string>> {
  return parse(text, { columns: true, skip_empty_lines: true, bom: true, trim: true }) as Array<Record<string, string>>;
}

export interface AuthorityRow {
  code: string;
  name: string;
  short_name: string | null;
  kind: string;
  subtype: string | null;
  nation: string | null;
  region: string | null;
  population: number | null;
  area_km2: string | null;
  latitude: string | null;
  longitude: string | null;
  local_code: string | null;
  govuk_slug: string | null;
  start_date: string | null;
  source: string;
}

export interface AuthorityNameRow {
  code: string;
  name: string;
  name_normalised: string;
  source: string;
}

export interface AuthorityIdentifierRow {
  code: string;
  scheme: string;
  identifier: string;
  is_current: boolean;
}

export interface AuthorityLinkRow {
  code: string;
  parent_code: string | null;
  combined_authority_code: string | null;
}

export interface AuthoritiesDataset {
  authorities: AuthorityRow[];
  names: AuthorityNameRow[];
  identifiers: AuthorityIdentifierRow[];
  links: AuthorityLinkRow[];
}

const MYSOCIETY = 'mysociety-uk-local-authorities';
const GOVUK = 'govuk-departments';

/** Register schemes of org-id.guide for the mySociety "old-register" column. */
const REGISTER_SCHEMES: Record<string, string> = {
  'local-authority-eng': 'GB-LAE',
  'local-authority-sct': 'GB-LAS',
  'principal-local-authority': 'GB-PLA',
  'local-authority-nir': 'GB-LANI',
};

const blank = (s: string | undefined): string | null => (s === undefined || s.trim() === '' ? null : s.trim());

function decimalOrNull(s: string | undefined): string | null {
  const v = blank(s);
  return v !== null && /^-?\d+(\.\d+)?$/.test(v) ? v : null;
}

function dedupeNames(names: AuthorityNameRow[]): AuthorityNameRow[] {
  const seen = new Set<string>();
  return names.filter((n) => {
    const key = `${n.code}\u0000${n.name_normalised}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Current UK councils from mySociety's list, with parent links (county; combined authority), their names and the
 * names of the councils they replaced (for matching old contract data), GSS codes (current and former) and register codes.
 */
export function parseLocalAuthorities(authoritiesCsv: string, namesCsv: string): AuthoritiesDataset {
  const rows = csvRows(authoritiesCsv);
  const byLocal = new Map(rows.map((r) => [r['local-authority-code'], r]));
  const isCurrent = (r: Record<string, string>) => r['current-authority'] === 'True' && blank(r['gss-code']) !== null;
  const current = rows.filter(isCurrent);

  /** The current authority a local code stands for now: itself, or the single successor it was merged into. */
  const successor = (localCode: string, depth = 0): Record<string, string> | undefined => {
    const r = byLocal.get(localCode);
    if (!r || depth > 5) return undefined;
    if (isCurrent(r)) return r;
    const next = (r['replaced-by'] ?? '').split(',').filter(Boolean);
    return next.length === 1 ? successor(next[0], depth + 1) : undefined;
  };
  const gssOf = (localCode: string) => {
    const r = byLocal.get(localCode);
    return r && isCurrent(r) ? r['gss-code'] : null;
  };

  const authorities: AuthorityRow[] = current.map((r) => ({
    code: r['gss-code'],
    name: r['official-name'],
    short_name: blank(r['nice-name']),
    kind: 'local_authority',
    subtype: blank(r['local-authority-type-name']),
    nation: blank(r.nation),
    region: blank(r.region),
    population: decimalOrNull(r['pop-2020']) === null ? null : Math.round(Number(r['pop-2020'])),
    area_km2: decimalOrNull(r.area),
    latitude: decimalOrNull(r.lat),
    longitude: decimalOrNull(r.long),
    local_code: r['local-authority-code'],
    govuk_slug: blank(r['gov-uk-slug']),
    start_date: blank(r['start-date']),
    source: MYSOCIETY,
  }));

  const links: AuthorityLinkRow[] = current.map((r) => ({
    code: r['gss-code'],
    parent_code: blank(r['county-la']) ? gssOf(r['county-la']) : null,
    combined_authority_code: blank(r['combined-authority']) ? gssOf(r['combined-authority']) : null,
  }));

  const names: AuthorityNameRow[] = [];
  const addName = (code: string, name: string | null, source: string) => {
    if (name) names.push({ code, name, name_normalised: normaliseName(name), source });
  };
  for (const r of current) {
    addName(r['gss-code'], r['official-name'], 'official');
    addName(r['gss-code'], blank(r['nice-name']), 'short');
  }
  for (const r of csvRows(namesCsv)) {
    const target = successor(r['local-authority-code']);
    if (!target) continue;
    addName(target['gss-code'], blank(r['la-name']), target['local-authority-code'] === r['local-authority-code'] ? 'alternative' : 'predecessor');
  }

  const identifiers: AuthorityIdentifierRow[] = [];
  const seenIds = new Set<string>();
  const addId = (code: string, scheme: string, identifier: string | null, isCurrentId: boolean) => {
    if (!identifier || seenIds.has(`${scheme}:${identifier}`)) return;
    seenIds.add(`${scheme}:${identifier}`);
    identifiers.push({ code, scheme, identifier, is_current: isCurrentId });
  };
  for (const r of current) {
    const code = r['gss-code'];
    addId(code, 'GB-GSS', code, true);
    const [register, registerCode] = (r['old-register-and-code'] ?? '').split(':');
    if (REGISTER_SCHEMES[register]) addId(code, REGISTER_SCHEMES[register], blank(registerCode), true);
    for (const former of (r['former-gss-codes'] ?? '').split(',')) addId(code, 'GB-GSS', blank(former), false);
  }
  for (const r of rows.filter((x) => !isCurrent(x))) {
    const target = successor(r['local-authority-code']);
    if (!target) continue;
    addId(target['gss-code'], 'GB-GSS', blank(r['gss-code']), false);
    const [register, registerCode] = (r['old-register-and-code'] ?? '').split(':');
    if (REGISTER_SCHEMES[register]) addId(target['gss-code'], REGISTER_SCHEMES[register], blank(registerCode), false);
  }

  return { authorities, names: dedupeNames(names), identifiers, links };
}

/** Ministerial and non-ministerial departments, coded by their GB-GOR (GOV.UK analytics) identifier. */
export function parseDepartments(csv: string): AuthoritiesDataset {
  const rows = csvRows(csv);
  const codeOf = (gorId: string) => `GB-GOR-${gorId}`;
  const authorities: AuthorityRow[] = rows.map((r) => ({
    code: codeOf(r.gor_id),
    name: r.name,
    short_name: blank(r.abbreviation),
    kind: 'central_department',
    subtype: r.type === 'ministerial_department' ? 'Ministerial department' : 'Non-ministerial department',
    nation: null,
    region: null,
    population: null,
    area_km2: null,
    latitude: null,
    longitude: null,
    local_code: null,
    govuk_slug: blank(r.govuk_slug),
    start_date: null,
    source: GOVUK,
  }));
  const names = rows.flatMap((r) =>
    [r.name, blank(r.abbreviation)]
      .filter((n): n is string => n !== null)
      .map((name) => ({ code: codeOf(r.gor_id), name, name_normalised: normaliseName(name), source: 'official' })),
  );
  const identifiers = rows.flatMap((r) => [
    { code: codeOf(r.gor_id), scheme: 'GB-GOR', identifier: r.gor_id, is_current: true },
    ...(r.former_gor_ids ?? '')
      .split(';')
      .filter(Boolean)
      .map((id) => ({ code: codeOf(r.gor_id), scheme: 'GB-GOR', identifier: id, is_current: false })),
  ]);
  return {
    authorities,
    names: dedupeNames(names),
    identifiers,
    links: rows.map((r) => ({ code: codeOf(r.gor_id), parent_code: null, combined_authority_code: null })),
  };
}

export interface CpvDivisionRow {
  code: string;
  cpv_code: string;
  label: string;
}

export interface CpvCodeRow {
  code8: string;
  code: string;
  division: string;
  level: string;
  parent_code8: string | null;
  label: string;
}

export function parseCpvDivisions(csv: string): CpvDivisionRow[] {
  return csvRows(csv).map((r) => ({ code: r.division, cpv_code: r.code, label: r.label_en }));
}

export function parseCpvCodes(csv: string): CpvCodeRow[] {
  return csvRows(csv).map((r) => ({
    code8: r.code8,
    code: r.code,
    division: r.division,
    level: r.level,
    parent_code8: blank(r.parent_code)?.slice(0, 8) ?? null,
    label: r.label_en,
  }));
}

export interface DeflatorRow {
  series: string;
  year: number;
  index_value: string;
  source: string;
}

/** A deflator series: one index value per year, with its source (`series,year,index_value,base,source,source_url`). */
export function parseDeflators(csv: string): DeflatorRow[] {
  return csvRows(csv).map((r) => ({
    series: r.series,
    year: Number(r.year),
    index_value: r.index_value,
    source: `${r.source} (${r.base}) <${r.source_url}>`,
  }));
}

/** The schemes of mySociety's local-authority-similarity clusters, in the order their files are listed. */
export const CLUSTER_SCHEMES = ['composite', 'emissions', 'imd', 'ruc', 'physical'] as const;
export type ClusterScheme = (typeof CLUSTER_SCHEMES)[number];

export interface ClusterRow {
  /** mySociety's 3-letter local-authority-code (authorities.local_code). */
  local_code: string;
  scheme: ClusterScheme;
  label: string;
  description: string | null;
}

/**
 * mySociety's similarity clusters: one `local-authority-code,label` file per scheme, and `label,desc` files for the
 * single-aspect schemes. A composite label joins the other labels ("North West; Emissions: Urban Mainstream; 1st IMD
 * quintile; Urban"), so its description is theirs joined.
 */
export function parseClusters(
  labelCsvs: Record<ClusterScheme, string>,
  descCsvs: Partial<Record<ClusterScheme, string>>,
): ClusterRow[] {
  const descriptions = new Map<string, string>();
  for (const [scheme, csv] of Object.entries(descCsvs)) {
    for (const r of csvRows(csv ?? '')) descriptions.set(`${scheme}:${r.label}`, r.desc);
  }
  const partDescription = (part: string): string | undefined => {
    if (part.startsWith('Emissions: ')) return descriptions.get(`emissions:${part.slice('Emissions: '.length)}`);
    for (const scheme of ['physical', 'imd', 'ruc']) {
      const d = descriptions.get(`${scheme}:${part}`);
      if (d) return d;
    }
    return undefined;
  };
  const rows: ClusterRow[] = [];
  for (const scheme of CLUSTER_SCHEMES) {
    for (const r of csvRows(labelCsvs[scheme])) {
      const label = blank(r.label);
      const localCode = blank(r['local-authority-code']);
      if (!label || !localCode) continue;
      const description =
        scheme === 'composite'
          ? label
              .split(';')
              .map((p) => partDescription(p.trim()))
              .filter((d): d is string => d !== undefined)
              .join('; ') || null
          : (descriptions.get(`${scheme}:${label}`) ?? null);
      rows.push({ local_code: localCode, scheme, label, description });
    }
  }
  return rows;
}

export interface NeighbourRow {
  code: string;
  neighbour: string;
  /** 1 for the nearest: the boundary-sharing neighbours first, in the file's order, then the nearby districts. */
  rank: number;
  shares_boundary: boolean;
}

/** How many of the nearby districts (after the boundary-sharing ones) count as neighbours. */
export const NEARBY_NEIGHBOURS = 3;

/**
 * ONS's geographic neighbours of the 2021 local authority districts (ONSvisual Local-Authority-Districts-2021-neighbours,
 * `data.json`): each code maps to `[[boundary-sharing codes...], nearby codes...]`. Kept: every boundary-sharing
 * neighbour and the first NEARBY_NEIGHBOURS nearby ones (an island's only neighbours are nearby ones).
 */
export function parseNeighbours(json: string): NeighbourRow[] {
  const data = JSON.parse(json) as Record<string, unknown>;
  const rows: NeighbourRow[] = [];
  for (const [code, list] of Object.entries(data)) {
    if (!Array.isArray(list)) throw new Error(`neighbours of ${code}: expected a list`);
    const [boundary, ...nearby] = list as [unknown, ...unknown[]];
    const shared = Array.isArray(boundary) ? (boundary as string[]) : [];
    const near = nearby.filter((c): c is string => typeof c === 'string' && !shared.includes(c)).slice(0, NEARBY_NEIGHBOURS);
    let rank = 0;
    for (const n of shared) rows.push({ code, neighbour: n, rank: ++rank, shares_boundary: true });
    for (const n of near) rows.push({ code, neighbour: n, rank: ++rank, shares_boundary: false });
  }
  return rows;
}
