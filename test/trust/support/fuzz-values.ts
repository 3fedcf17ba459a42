import fc from 'fast-check';

/**
 * Values for the fuzzers: the valid ones are taken from the running service (its reference data and what the fixtures
 * imported), the hostile ones are the same for every field. Every field's arbitrary mixes both.
 */
export interface Pools {
  authorities: string[];
  departments: string[];
  regions: string[];
  subtypes: string[];
  divisions: string[];
  cpv: string[];
  themes: string[];
  measures: string[];
  units: string[];
  categories: string[];
  frameworks: string[];
  contracts: string[];
  peerGroups: string[];
  batchIds: string[];
  keyRefs: string[];
  suppliers: string[];
}

/** Reads the valid values off the running service (after the fixtures were imported). */
export async function loadPools(url: string, adminKey: string): Promise<Pools> {
  const get = async (path: string) => {
    const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${adminKey}` } });
    if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as any;
  };
  const authorities: any[] = [];
  for (let offset = 0; offset < 5000; offset += 500) {
    const page = await get(`/api/v1/authorities?limit=500&offset=${offset}`);
    authorities.push(...page.data);
    if (page.data.length < 500) break;
  }
  const sectors = await get('/api/v1/sectors');
  const cpv = await get('/api/v1/cpv?limit=200');
  const frameworks = await get('/api/v1/frameworks');
  const open = await get('/api/v1/frameworks/svm-open');
  const measures = open.themes.flatMap((t: any) => t.outcomes.flatMap((o: any) => o.measures));
  const contracts = await get('/api/v1/contracts?limit=500');
  const groups = await get('/api/v1/peer-groups');
  const batches = await get('/api/v1/imports?limit=100');
  const keys = await get('/api/v1/keys');
  const uniq = (xs: unknown[]) => [...new Set(xs.filter((x): x is string => typeof x === 'string' && x.length > 0))];
  // a sample of the authorities: every kind, the fixtures' buyers, and some of the rest
  const some = authorities.filter((a, i) => i % 25 === 0 || ['E08000009', 'E08000003'].includes(a.code));
  return {
    authorities: uniq(some.map((a) => a.code)),
    departments: uniq(authorities.filter((a) => a.kind === 'central_department').map((a) => a.code)).slice(0, 20),
    regions: uniq(authorities.map((a) => a.region)),
    subtypes: uniq(authorities.map((a) => a.subtype)),
    divisions: uniq((Array.isArray(sectors) ? sectors : sectors.data).map((s: any) => s.code)),
    cpv: uniq(cpv.data.map((c: any) => c.code)),
    themes: uniq(open.themes.map((t: any) => t.code)),
    measures: uniq(measures.map((m: any) => m.code)),
    units: uniq(measures.flatMap((m: any) => [m.unit, ...(m.accepted_units ?? []).map((u: any) => u.unit)])),
    categories: ['local_economic', 'social', 'environmental'],
    frameworks: uniq(frameworks.flatMap((f: any) => [f.code, `${f.code}@${f.version}`])),
    contracts: uniq(contracts.data.map((c: any) => c.reference)),
    peerGroups: uniq((Array.isArray(groups) ? groups : groups.data).map((g: any) => g.name)),
    batchIds: uniq(batches.data.map((b: any) => String(b.id))),
    keyRefs: uniq((Array.isArray(keys) ? keys : keys.data).flatMap((k: any) => [k.prefix, String(k.id)])),
    suppliers: ['GB-COH:01234567', 'GB-COH:07654321', 'community transport', 'Example'],
  };
}

/** Null mostly; the arbitrary's value one time in `every`. (fc.option is the other way round: null one time in freq.) */
export const sometimes = <T>(arb: fc.Arbitrary<T>, every: number): fc.Arbitrary<T | null> =>
  fc.oneof({ weight: every - 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: arb });

const pick = <T>(xs: readonly T[], fallback: T): fc.Arbitrary<T> => (xs.length ? fc.constantFrom(...xs) : fc.constant(fallback));

/** Periods in every form the read filter takes, and near misses. */
export const period = fc.oneof(
  fc.integer({ min: 2015, max: 2030 }).map(String),
  fc.tuple(fc.integer({ min: 2015, max: 2030 }), fc.integer({ min: 1, max: 4 })).map(([y, q]) => `${y}-Q${q}`),
  fc.tuple(fc.integer({ min: 2015, max: 2030 }), fc.integer({ min: 1, max: 12 })).map(([y, m]) => `${y}-${String(m).padStart(2, '0')}`),
  fc.integer({ min: 2015, max: 2030 }).map((y) => `FY${y}-${String((y + 1) % 100).padStart(2, '0')}`),
);
const NEAR_MISS_PERIODS = ['2024-Q0', '2024-Q5', '2024-q1', '2024-13', 'FY2024-26', 'FY2024', '0-Q1', '99999', '2024-Q1-Q2', '2024/25'];

/** A day: ISO, UK style, and impossible ones. */
export const day = fc.oneof(
  fc.date({ min: new Date('1990-01-01'), max: new Date('2040-12-31'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
  fc.date({ min: new Date('1990-01-01'), max: new Date('2040-12-31'), noInvalidDate: true }).map((d) => d.toLocaleDateString('en-GB')),
);
const NEAR_MISS_DAYS = ['2024-02-30', '2023-02-29', '31/02/2024', '2024-1-1', '0000-00-00', '9999-12-31', '-2024-01-01', '2024-01-01T00:00:00Z', '20240101', '1/1/24'];

/** Numbers, in text: ordinary, edges, and what parsers trip over. */
export const numberText = fc.oneof(
  fc.integer({ min: -5, max: 600 }).map(String),
  fc.double({ noNaN: false }).map(String),
  fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }).map(String),
  fc.constantFrom('NaN', 'Infinity', '-Infinity', '-0', '0.0', '1e308', '1e309', '-1e309', '1e-400', '0x10', '0b11', '1_000', '1,000', '£5', '5%', ' 7 ', '+3', '.5', '5.', '١٢٣'),
);

/** Hostile text: the same for every field. Some of it is meant to be sent raw (not percent-encoded) in a URL. */
export const RAW_IN_URL = ['%', '%%', '%zz', '%0', '%00', '%C0%AF', '%E2%82', '%FF%FE', '%u0041', '%2C%2C%2C', 'a&b', 'x=y', '+', '++', 'a+b', '%20'];

export const hostileText = fc.oneof(
  fc.constantFrom(
    '', ' ', ',', ',,,', ', ,', ' , , ', ';', '\t', '\n', '\r\n', 'null', 'undefined', 'true', 'false', '[]', '{}', '[object Object]',
    "' OR 1=1 --", "'; drop table outcomes; --", '" OR ""="', '\\', '\\\\x00', '$1', '?', '*', '%', '_', '..', '../../etc/passwd', '<script>alert(1)</script>',
    '\u0000', 'a\u0000b', '\uFFFF', '\uFEFF', '\uD800', '\uDC00x', '𝕊𝕍𝕄', 'é', 'ÉNGLAND', 'İ', 'ß', '\u202E', 'E08000009\u0000', ' E08000009 ',
    '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty',
  ),
  fc.constantFrom(...NEAR_MISS_PERIODS, ...NEAR_MISS_DAYS),
  numberText,
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  // long, but under 4,000 characters once percent-encoded (a URL over Node's 16 KB header limit has its own test)
  fc.tuple(fc.constantFrom('a', '9', '-', 'Q'), fc.integer({ min: 200, max: 3500 })).map(([c, n]) => c.repeat(n)),
  fc.tuple(fc.constantFrom(',', 'é', '%', ' ', '𝕊'), fc.integer({ min: 100, max: 300 })).map(([c, n]) => c.repeat(n)),
);

/** A list of values as one comma-separated string, with stray commas and spaces at times. */
export const commaList = (item: fc.Arbitrary<string>, max = 6) =>
  fc.tuple(fc.array(item, { minLength: 1, maxLength: max }), fc.constantFrom(',', ', ', ',,', ' ,')).map(([xs, sep]) => xs.join(sep));

const GROUP_BY = ['authority', 'kind', 'region', 'nation', 'sector', 'theme', 'measure', 'category', 'quarter', 'year', 'fy', 'period', 'department'];
const FEATURES = ['population', 'area', 'density', 'deprivation', 'rurality'];
const CHECKS = ['outlier', 'duplicate_evidence', 'outside_contract', 'missing_return'];

/**
 * The valid values of a parameter, by its name, the route it is on and its schema (enums and numbers from the
 * OpenAPI description; codes from the pools).
 */
export function validValue(name: string, path: string, schema: any, pools: Pools): fc.Arbitrary<string> {
  if (schema?.enum?.length) return fc.constantFrom(...schema.enum.map(String));
  const codeOf = () => {
    if (path.includes('/cpv/')) return fc.oneof(pick(pools.cpv, '85000000-9'), pick(pools.divisions, '85'));
    if (path.includes('/frameworks/')) return pick(pools.frameworks.filter((f) => !f.includes('@')), 'svm-open');
    return pick(pools.authorities, 'E08000009');
  };
  switch (name) {
    case 'authority':
      return fc.oneof(pick(pools.authorities, 'E08000009'), commaList(pick(pools.authorities, 'E08000009')));
    case 'department':
      return fc.oneof(pick(pools.departments, 'GB-GOR-D1'), commaList(pick(pools.departments, 'GB-GOR-D1')));
    case 'region':
      return fc.oneof(pick(pools.regions, 'North West'), pick(pools.regions, 'North West').map((r) => r.toUpperCase()));
    case 'subtype':
      return pick(pools.subtypes, 'Metropolitan district');
    case 'nation':
      return fc.constantFrom('England', 'Scotland', 'Wales', 'Northern Ireland', 'england', 'WALES');
    case 'kind':
      return fc.constantFrom('local_authority', 'central_department', 'nhs_body', 'other', 'local_authority,central_department');
    case 'sector':
    case 'division':
      return fc.oneof(pick(pools.divisions, '85'), commaList(pick(pools.divisions, '85')));
    case 'theme':
      return fc.oneof(pick(pools.themes, 'T2'), commaList(pick(pools.themes, 'T2')));
    case 'measure':
      return fc.oneof(pick(pools.measures, 'SVM-EMP-LOCAL-FTE'), commaList(pick(pools.measures, 'SVM-EMP-LOCAL-FTE')));
    case 'category':
      return fc.oneof(pick(pools.categories, 'social'), commaList(pick(pools.categories, 'social')));
    case 'framework':
      return pick(pools.frameworks, 'svm-open');
    case 'from':
    case 'to':
      return period;
    case 'as_of':
      return day;
    case 'group_by':
      return commaList(fc.constantFrom(...GROUP_BY), 4);
    case 'features':
      return commaList(fc.constantFrom(...FEATURES), 5);
    case 'check':
      return commaList(fc.constantFrom(...CHECKS), 4);
    case 'group':
    case 'name':
      return pick(pools.peerGroups, 'gm-councils');
    case 'supplier':
      return pick(pools.suppliers, 'Example');
    case 'q':
      return fc.constantFrom('Trafford', 'council', 'care', 'E08', 'manchester', 'health', 'a');
    case 'id':
      return path.includes('/imports/') ? pick(pools.batchIds, '1') : pick(pools.contracts, 'EXAMPLE-TRF-0001');
    case 'code':
      return codeOf();
    case 'ref':
      return pick(pools.keyRefs, '1');
    case 'version':
      return pick(pools.frameworks.filter((f) => f.includes('@')).map((f) => f.split('@')[1]), '2026.1');
    case 'base_year':
      return fc.integer({ min: 2010, max: 2030 }).map(String);
  }
  if (schema?.type === 'number' || schema?.type === 'integer') {
    const min = schema.minimum ?? 0;
    const max = schema.maximum ?? 1000;
    return fc.integer({ min, max }).map(String);
  }
  if (schema?.type === 'boolean') return fc.constantFrom('true', 'false');
  return fc.string({ maxLength: 12 });
}

/** One value as it goes into a URL: percent-encoded (every byte of its UTF-8), or raw for the hostile encodings. */
export interface UrlValue {
  text: string;
  raw: boolean;
}

/** Which values a case draws: valid ones only (to reach deep), hostile ones only, or both. */
export type Mix = 'valid' | 'hostile' | 'mixed';

export function valueFor(name: string, path: string, schema: any, pools: Pools, mix: Mix = 'mixed'): fc.Arbitrary<UrlValue> {
  const valid = validValue(name, path, schema, pools).map((text) => ({ text, raw: false }));
  const hostile = fc.oneof(
    { weight: 5, arbitrary: hostileText.map((text) => ({ text, raw: false })) },
    { weight: 1, arbitrary: fc.constantFrom(...RAW_IN_URL).map((text) => ({ text, raw: true })) },
  );
  if (mix === 'valid') return valid;
  if (mix === 'hostile') return hostile;
  return fc.oneof({ weight: 1, arbitrary: valid }, { weight: 1, arbitrary: hostile });
}

/** Percent-encodes every byte of the UTF-8 of a text but the unreserved characters (a lone surrogate becomes U+FFFD). */
export function encode(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export const inUrl = (v: UrlValue) => (v.raw ? v.text : encode(v.text));
