import { Bool, DateDay, Float64, Int32, Int64, Table, tableToIPC, TimestampMillisecond, Utf8, vectorFromArray, type DataType } from 'apache-arrow';
import fc from 'fast-check';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { IMPORT_COLUMNS, IMPORT_KINDS, type ImportKind } from '../../../metrics/ingest/imports/import-rows';
import { FRAMEWORK_CSV_COLUMNS } from '../../../metrics/reference/catalogue/framework-definition';
import { fixture, FIXTURES } from './fuzz-setup';
import { day, hostileText, numberText, period, sometimes, type Pools } from './fuzz-values';

/**
 * Upload bodies for the import fuzzer: rows generated from the column contract (IMPORT_COLUMNS) with valid and hostile
 * cells, written as CSV (with BOMs, mixed line ends, bad quoting, ragged rows, bad headers), JSON (wrong types, deep
 * nesting, huge strings) and Arrow IPC streams (typed columns, then byte mutations); OCDS packages and frameworks from
 * the fixtures, mutated; and any fixture with its bytes mutated.
 */
export interface Upload {
  /** The route, for the figures: e.g. "csv outcomes". */
  route: string;
  path: string;
  contentType: string | null;
  body: Uint8Array;
  query: Record<string, string>;
  idempotencyKey: string | null;
  /** Writes rows to contracts, commitments or outcomes (the nothing-half-written check applies). */
  writesRows: boolean;
}

type Cell = string | number | boolean | null | bigint | Date | unknown[] | Record<string, unknown>;
type Row = Record<string, Cell>;

// ---------------------------------------------------------------------------------------------------------- cells

const HUGE = fc.tuple(fc.constantFrom('x', 'é', '"', ',', '\n', '9'), fc.integer({ min: 5_000, max: 120_000 })).map(([c, n]) => c.repeat(n));

const textCell = fc.oneof(
  fc.constantFrom('Care at home', 'Highways', 'Example Ltd', 'TRF/2024Q2/payroll', 'Leisure', 'a'),
  fc.string({ maxLength: 40 }),
  fc.constantFrom('=1+1', '+44', '-2', '@SUM(A1)', 'a,b', 'say "hi"', 'line\nbreak', 'cr\rhere', '  padded  ', '\u0000', 'é€𝕊', '\uFEFFbom'),
);

/** A valid-looking value of an import field (by its name and type in the column contract). */
function validCell(kind: ImportKind, field: { name: string; type: string }, pools: Pools): fc.Arbitrary<string> {
  const pick = (xs: string[], d: string) => (xs.length ? fc.constantFrom(...xs) : fc.constant(d));
  switch (field.name) {
    case 'contract':
      return pick(pools.contracts, 'EXAMPLE-TRF-0001');
    case 'reference':
      return fc.oneof(pick(pools.contracts, 'EXAMPLE-TRF-0001'), fc.stringMatching(/^FUZZ-[A-Z0-9]{1,8}$/));
    case 'authority':
      return fc.oneof(fc.constantFrom('E08000009', 'E08000003'), pick(pools.authorities, 'E08000009'));
    case 'measure':
      return pick(pools.measures, 'SVM-EMP-LOCAL-FTE');
    case 'framework':
      return pick(pools.frameworks, 'svm-open');
    case 'unit':
      return pick(pools.units, 'FTE-year');
    case 'cpv':
      return pick(pools.cpv, '85312000-9');
    case 'period':
      return fc.oneof(
        fc.tuple(fc.integer({ min: 2024, max: 2026 }), fc.integer({ min: 1, max: 4 })).map(([y, q]) => `${y}-Q${q}`),
        period,
      );
    case 'supplier_scheme':
      return fc.constantFrom('GB-COH', 'GB-CHC', '');
    case 'supplier_id':
      return fc.stringMatching(/^[0-9]{8}$/);
  }
  switch (field.type) {
    case 'decimal':
      return fc.oneof(fc.double({ min: 0, max: 1e7, noNaN: true }).map((n) => String(Math.round(n * 100) / 100)), fc.integer({ min: 0, max: 500 }).map(String));
    case 'date':
      return fc.oneof(fc.constantFrom('2024-04-01', '2025-03-31', '01/04/2024', '31/03/2027'), day);
    case 'bool':
      return fc.constantFrom('true', 'false', 'yes', 'no', 'TRUE', '1', '0', '');
    case 'scale':
      return fc.constantFrom('sme', 'large', 'SME', '');
    case 'stage':
      return fc.constantFrom('awarded', 'pipeline', 'cancelled', '');
    case 'percent':
      return fc.integer({ min: 0, max: 100 }).map(String);
  }
  return textCell;
}

const hostileCell: fc.Arbitrary<string> = fc.oneof({ weight: 4, arbitrary: hostileText }, { weight: 2, arbitrary: numberText }, { weight: 1, arbitrary: HUGE });

/** A JSON value of the wrong type, or deep, or odd. */
const oddJson: fc.Arbitrary<Cell> = fc.oneof(
  fc.constantFrom<Cell>(null, true, false, 0, -1, 1e308, -1e308, 5e-324, [], {}, [1, 2], { a: 1 }, { __proto__: { polluted: 1 } }, ''),
  fc.double().map((n) => (Number.isFinite(n) ? n : 0)),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map((n) => Number(n)),
  fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Cell>,
  fc.integer({ min: 50, max: 3000 }).map((n) => deepArray(n)),
);

function deepArray(n: number): unknown[] {
  let v: unknown[] = [];
  for (let i = 0; i < n; i += 1) v = [v];
  return v;
}

/** Rows of an import: each field present or not, valid or hostile (or, for JSON, of another type). */
function rows(kind: ImportKind, pools: Pools, typed: boolean): fc.Arbitrary<{ columns: string[]; rows: Row[] }> {
  const fields = IMPORT_COLUMNS[kind];
  return fc
    .record({
      present: fc.subarray(fields, { minLength: 0 }).map((fs) => (fs.length ? fs : fields)),
      allRequired: fc.constantFrom(true, true, true, true, false),
      count: fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 12, arbitrary: fc.integer({ min: 1, max: 12 }) }),
      badness: fc.constantFrom(0, 0, 0.05, 0.2, 1),
    })
    .chain(({ present, allRequired, count, badness }) => {
      const columns = allRequired ? fields.filter((f) => f.required || present.includes(f)) : present;
      const cell = (f: (typeof fields)[number]): fc.Arbitrary<Cell> => {
        const valid = validCell(kind, f, pools) as fc.Arbitrary<Cell>;
        if (badness === 0) return valid;
        const bad = typed ? fc.oneof(hostileCell as fc.Arbitrary<Cell>, oddJson) : (hostileCell as fc.Arbitrary<Cell>);
        return fc.oneof({ weight: Math.round((1 - badness) * 20), arbitrary: valid }, { weight: Math.max(1, Math.round(badness * 20)), arbitrary: bad });
      };
      const row = fc.tuple(...columns.map(cell)).map((cells) => Object.fromEntries(columns.map((f, i) => [f.name, cells[i]])) as Row);
      return fc.array(row, { minLength: count, maxLength: count }).map((rs) => ({ columns: columns.map((f) => f.name), rows: rs }));
    });
}

// ------------------------------------------------------------------------------------------------------------ CSV

const csvQuote = (v: string) => `"${v.replace(/"/g, '""')}"`;

interface CsvStyle {
  bom: boolean;
  eol: '\n' | '\r\n' | '\r' | 'mixed';
  quoting: 'minimal' | 'all' | 'none';
  header: 'as is' | 'duplicate' | 'drop' | 'unknown' | 'upper' | 'spaces' | 'empty' | 'none';
  ragged: boolean;
  blankLines: boolean;
  tail: string;
}

const csvStyle: fc.Arbitrary<CsvStyle> = fc.record({
  bom: fc.boolean(),
  eol: fc.constantFrom<CsvStyle['eol']>('\n', '\n', '\r\n', '\r', 'mixed'),
  quoting: fc.constantFrom<CsvStyle['quoting']>('minimal', 'minimal', 'all', 'none'),
  header: fc.constantFrom<CsvStyle['header']>('as is', 'as is', 'as is', 'duplicate', 'drop', 'unknown', 'upper', 'spaces', 'empty', 'none'),
  ragged: fc.constantFrom(false, false, true),
  blankLines: fc.boolean(),
  tail: fc.constantFrom('', '', '\n', '\n\n\n', ',,,', '"', '\u0000', 'junk'),
});

function writeCsv(columns: string[], data: Row[], style: CsvStyle): string {
  let header = [...columns];
  if (style.header === 'duplicate' && header.length) header.push(header[0]);
  if (style.header === 'drop') header = header.slice(1);
  if (style.header === 'unknown') header.push('colour');
  if (style.header === 'upper') header = header.map((h) => h.toUpperCase());
  if (style.header === 'spaces') header = header.map((h) => ` ${h} `);
  if (style.header === 'empty') header.push('');
  const cell = (v: Cell) => {
    const s = v === null || v === undefined ? '' : String(v);
    if (style.quoting === 'all') return csvQuote(s);
    if (style.quoting === 'minimal' && /[",\r\n]/.test(s)) return csvQuote(s);
    return s;
  };
  const lines = style.header === 'none' ? [] : [header.map(cell).join(',')];
  data.forEach((r, i) => {
    let cells = columns.map((c) => cell(r[c]));
    if (style.ragged && i % 2 === 0) cells = i % 4 === 0 ? cells.slice(0, -1) : [...cells, 'extra'];
    lines.push(cells.join(','));
    if (style.blankLines && i % 3 === 1) lines.push('');
  });
  const eol = (i: number) => (style.eol === 'mixed' ? ['\n', '\r\n', '\r'][i % 3] : style.eol);
  const text = lines.map((l, i) => l + eol(i)).join('') + style.tail;
  return (style.bom ? '\uFEFF' : '') + text;
}

// ------------------------------------------------------------------------------------------------------------ JSON

function writeJson(data: Row[], shape: string): string {
  const plain = data.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])));
  switch (shape) {
    case 'object':
      return JSON.stringify(plain[0] ?? {});
    case 'wrapped':
      return JSON.stringify({ rows: plain });
    case 'scalar':
      return JSON.stringify(plain.length);
    case 'nested rows':
      return JSON.stringify(plain.map((r) => [r]));
    case 'proto':
      return `[${plain.map((r) => JSON.stringify(r).replace(/^\{/, '{"__proto__": {"x": 1}, "constructor": {"prototype": {"y": 2}}, ')).join(',')}]`;
    case 'duplicate keys':
      return `[${plain.map((r) => JSON.stringify(r).replace(/^\{/, '{"contract": 1, ')).join(',')}]`;
    case 'deep':
      return `${'['.repeat(20_000)}${']'.repeat(20_000)}`;
    default:
      return JSON.stringify(plain);
  }
}

// ----------------------------------------------------------------------------------------------------------- Arrow

const ARROW_TYPES = ['utf8', 'float64', 'int32', 'int64', 'bool', 'dateDay', 'timestamp'] as const;
type ArrowType = (typeof ARROW_TYPES)[number];

function arrowVector(arrowType: ArrowType, values: Cell[]) {
  const num = (v: Cell) => (typeof v === 'number' ? v : Number.parseFloat(String(v)));
  const dateOf = (v: Cell) => {
    const d = v instanceof Date ? v : new Date(String(v));
    return Number.isNaN(d.getTime()) ? null : d;
  };
  const map: Record<ArrowType, () => [unknown[], DataType]> = {
    utf8: () => [values.map((v) => (v === null ? null : String(v))), new Utf8()],
    float64: () => [values.map((v) => (v === null ? null : num(v))), new Float64()],
    int32: () => [values.map((v) => (v === null ? null : Math.trunc(num(v)) | 0)), new Int32()],
    int64: () => [values.map((v) => (v === null ? null : BigInt.asIntN(64, BigInt(Math.trunc(Number.isFinite(num(v)) ? num(v) : 0))))), new Int64()],
    bool: () => [values.map((v) => (v === null ? null : Boolean(v) && v !== 'false')), new Bool()],
    dateDay: () => [values.map((v) => (v === null ? null : dateOf(v))), new DateDay()],
    timestamp: () => [values.map((v) => (v === null ? null : dateOf(v))), new TimestampMillisecond()],
  };
  const [data, type] = map[arrowType]();
  return vectorFromArray(data as never[], type as never);
}

/** An Arrow IPC stream of the rows, each column of a type: the natural one, or another. */
function writeArrow(columns: string[], data: Row[], types: ArrowType[]): Uint8Array {
  const vectors = Object.fromEntries(columns.map((c, i) => [c, arrowVector(types[i % types.length], data.map((r) => r[c] ?? null))]));
  return new Uint8Array(tableToIPC(new Table(vectors), 'stream'));
}

const naturalArrowType = (kind: ImportKind, column: string): ArrowType => {
  const f = IMPORT_COLUMNS[kind].find((x) => x.name === column);
  if (f?.type === 'decimal' || f?.type === 'percent') return 'float64';
  if (f?.type === 'date') return 'dateDay';
  if (f?.type === 'bool') return 'bool';
  return 'utf8';
};

// ------------------------------------------------------------------------------------------------------- mutations

/** Byte mutations: flips, cuts, insertions, repeats, truncation, garbage at either end. */
export const mutations = fc.array(
  fc.record({
    op: fc.constantFrom('flip', 'set', 'delete', 'insert', 'repeat', 'truncate', 'prepend', 'append', 'swap'),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    len: fc.integer({ min: 1, max: 64 }),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }),
  }),
  { minLength: 1, maxLength: 4 },
);

export function mutate(input: Uint8Array, ms: Array<{ op: string; at: number; len: number; bytes: Uint8Array }>): Uint8Array {
  let b = Buffer.from(input);
  for (const m of ms) {
    const i = Math.min(b.length, Math.floor(m.at * b.length));
    switch (m.op) {
      case 'flip':
        if (i < b.length) b[i] ^= 1 << (m.len % 8);
        break;
      case 'set':
        if (i < b.length) b[i] = m.bytes[0];
        break;
      case 'delete':
        b = Buffer.concat([b.subarray(0, i), b.subarray(i + m.len)]);
        break;
      case 'insert':
        b = Buffer.concat([b.subarray(0, i), m.bytes, b.subarray(i)]);
        break;
      case 'repeat':
        b = Buffer.concat([b.subarray(0, i + m.len), b.subarray(i)]);
        break;
      case 'truncate':
        b = b.subarray(0, i);
        break;
      case 'prepend':
        b = Buffer.concat([m.bytes, b]);
        break;
      case 'append':
        b = Buffer.concat([b, m.bytes]);
        break;
      case 'swap': {
        const j = Math.min(b.length, i + m.len);
        b = Buffer.concat([b.subarray(j), b.subarray(i, j), b.subarray(0, i)]);
        break;
      }
    }
  }
  return new Uint8Array(b);
}

/** JSON-level mutations of a document: delete a member, give one a hostile value or another type, repeat an element. */
export const jsonMutations = fc.array(
  fc.record({
    op: fc.constantFrom('delete', 'replace', 'replace', 'repeat', 'stringify'),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    value: fc.oneof(hostileText as fc.Arbitrary<Cell>, oddJson, HUGE as fc.Arbitrary<Cell>),
  }),
  { minLength: 1, maxLength: 6 },
);

export function mutateJson(doc: unknown, ms: Array<{ op: string; at: number; value: Cell }>): unknown {
  const root = structuredClone(doc) as Record<string, unknown>;
  for (const m of ms) {
    // every member and element, down to a depth (the deep arrays put in by earlier mutations are not walked)
    const slots: Array<[Record<string, unknown> | unknown[], string | number]> = [];
    const stack: Array<[unknown, number]> = [[root, 0]];
    while (stack.length) {
      const [node, depth] = stack.pop()!;
      if (depth > 40 || !node || typeof node !== 'object') continue;
      const entries: Array<[string | number, unknown]> = Array.isArray(node) ? node.map((v, i) => [i, v]) : Object.entries(node);
      for (const [k, v] of entries) {
        slots.push([node as Record<string, unknown>, k]);
        stack.push([v, depth + 1]);
      }
    }
    if (!slots.length) break;
    const [parent, key] = slots[Math.min(slots.length - 1, Math.floor(m.at * slots.length))];
    const p = parent as Record<string | number, unknown>;
    if (m.op === 'delete') {
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete p[key];
    } else if (m.op === 'replace') p[key] = m.value;
    else if (m.op === 'repeat' && Array.isArray(parent)) parent.push(structuredClone(parent[key as number]));
    else if (m.op === 'stringify') p[key] = JSON.stringify(p[key] ?? null);
  }
  return root;
}

// ------------------------------------------------------------------------------------------------------- uploads

const enc = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));

const CONTENT_TYPES = { csv: 'text/csv', json: 'application/json', arrow: 'application/vnd.apache.arrow.stream' };

/** The content type sent: the right one mostly; else a variant, a wrong one, or none. */
const contentType = (right: string): fc.Arbitrary<string | null> =>
  fc.oneof(
    { weight: 12, arbitrary: fc.constant(right) },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        `${right}; charset=utf-8`,
        `${right.toUpperCase()}`,
        `${right}; charset=latin1`,
        `${right}; charset=utf-16`,
        `${right}; charset="nonsense"`,
        `${right};;;`,
      ),
    },
    {
      weight: 2,
      arbitrary: fc.constantFrom<string | null>(
        null,
        '',
        'text/plain',
        'application/octet-stream',
        'application/xml',
        'multipart/form-data; boundary=x',
        'application/x-www-form-urlencoded',
        'application/vnd.apache.arrow.file',
        'application/csv',
        '*/*',
        'text/csv, application/json',
        'application/json; text/csv',
        'x',
      ),
    },
  );

const PRINTABLE = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789-_.:/ !"#$%&\'()*+,;<=>?@[\\]^`{|}~'.split(''));

/** The query of an upload: mode and file name, valid or not. */
const uploadQuery = fc.record(
  {
    mode: fc.oneof({ weight: 20, arbitrary: fc.constantFrom('strict', 'partial') }, { weight: 1, arbitrary: hostileText }),
    file_name: fc.oneof({ weight: 30, arbitrary: fc.constantFrom('returns.csv', 'x') }, { weight: 2, arbitrary: hostileText }, { weight: 1, arbitrary: fc.string({ minLength: 256, maxLength: 300 }) }),
  },
  { requiredKeys: [] },
);

const idempotencyKey = sometimes(fc.oneof(fc.uuid(), fc.string({ unit: PRINTABLE, minLength: 0, maxLength: 300 })), 8);

function rowUpload(format: 'csv' | 'json' | 'arrow', pools: Pools): fc.Arbitrary<Upload> {
  return fc.constantFrom(...IMPORT_KINDS).chain((kind) =>
    fc
      .record({
        data: rows(kind, pools, format === 'json'),
        style: csvStyle,
        shape: fc.constantFrom('array', 'array', 'array', 'array', 'array', 'object', 'wrapped', 'scalar', 'nested rows', 'proto', 'duplicate keys', 'deep'),
        types: fc.array(fc.constantFrom(...ARROW_TYPES), { minLength: 1, maxLength: 4 }),
        naturalTypes: fc.boolean(),
        bytes: sometimes(mutations, 6),
        contentType: contentType(CONTENT_TYPES[format]),
        query: uploadQuery,
        idempotencyKey,
      })
      .map(({ data, style, shape, types, naturalTypes, bytes, contentType: type, query, idempotencyKey: idem }) => {
        let body: Uint8Array;
        if (format === 'csv') body = enc(writeCsv(data.columns, data.rows, style));
        else if (format === 'json') body = enc(writeJson(data.rows, shape));
        else {
          try {
            body = writeArrow(data.columns, data.rows, naturalTypes ? data.columns.map((c) => naturalArrowType(kind, c)) : types);
          } catch {
            body = writeArrow(data.columns, data.rows, ['utf8']);
          }
        }
        if (bytes) body = mutate(body, bytes);
        return {
          route: `${format} ${kind}`,
          path: `/api/v1/imports/${kind}`,
          contentType: type,
          body,
          query,
          idempotencyKey: idem,
          writesRows: true,
        };
      }),
  );
}

/** Every fixture file, for byte mutations sent to the import of its kind. */
function fixtureFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? fixtureFiles(p) : [relative(FIXTURES, p)];
  });
}

function fixtureUpload(): fc.Arbitrary<Upload> {
  const files = fixtureFiles(FIXTURES).filter((f) => /\.(csv|json|arrow)$/.test(f) && statSync(join(FIXTURES, f)).size < 200_000);
  // each folder (imports, ocds, frameworks) as often as the others, whatever the number of files in it
  const byFolder = [...new Set(files.map((f) => f.split('/')[0]))].map((d) => fc.constantFrom(...files.filter((f) => f.startsWith(`${d}/`))));
  return fc
    .record({ file: fc.oneof(...byFolder), bytes: mutations, query: uploadQuery, kind: fc.constantFrom(...IMPORT_KINDS) })
    .map(({ file, bytes, query, kind }) => {
      const ext = file.split('.').pop() as 'csv' | 'json' | 'arrow';
      const named = IMPORT_KINDS.find((k) => file.includes(k));
      const ocds = file.startsWith('ocds');
      const framework = file.startsWith('frameworks');
      const path = ocds ? '/api/v1/imports/ocds' : framework ? '/api/v1/frameworks' : `/api/v1/imports/${named ?? kind}`;
      return {
        route: `mutated fixture ${ocds ? 'ocds' : framework ? 'framework' : ext}`,
        path,
        contentType: CONTENT_TYPES[ext],
        body: mutate(fixture(file), bytes),
        query: framework ? { code: 'fuzz-mutated', version: 'v1', name: 'n', licence: 'l', source: 's', base_price_year: '2025' } : query,
        idempotencyKey: null,
        writesRows: !framework,
      };
    });
}

const OCDS_FILES = [
  'ocds/metrics-lifecycle.json',
  'ocds/bad-releases.json',
  ...fixtureFiles(join(FIXTURES, 'ocds', 'samples')).filter((f) => f.endsWith('.json') && statSync(join(FIXTURES, f)).size < 200_000),
];

function ocdsUpload(): fc.Arbitrary<Upload> {
  const docs = OCDS_FILES.map((f) => JSON.parse(fixture(f).toString('utf8')) as Record<string, unknown>);
  return fc
    .record({
      doc: fc.constantFrom(...docs),
      wrap: fc.constantFrom('as is', 'as is', 'as is', 'first release', 'releases only', 'empty package', 'array'),
      json: sometimes(jsonMutations, 2),
      bytes: sometimes(mutations, 5),
      contentType: contentType('application/json'),
      query: uploadQuery,
      idempotencyKey,
    })
    .map(({ doc, wrap, json, bytes, contentType: type, query, idempotencyKey: idem }) => {
      const releases = (doc.releases as unknown[] | undefined) ?? [];
      let value: unknown = doc;
      if (wrap === 'first release') value = releases[0] ?? doc;
      if (wrap === 'releases only') value = { releases };
      if (wrap === 'empty package') value = { version: '1.1', releases: [] };
      if (wrap === 'array') value = releases;
      if (json) value = mutateJson(value, json);
      let body: Uint8Array = enc(JSON.stringify(value));
      if (bytes) body = mutate(body, bytes);
      return { route: 'ocds', path: '/api/v1/imports/ocds', contentType: type, body, query, idempotencyKey: idem, writesRows: true };
    });
}

/** Framework uploads: the CSV fixture with hostile cells or bytes, its header fields as query; or the JSON fixture mutated. */
function frameworkUpload(): fc.Arbitrary<Upload> {
  const csv = fixture('frameworks/fictional-licensed-framework.csv').toString('utf8');
  const json = JSON.parse(fixture('frameworks/fictional-licensed-framework.json').toString('utf8'));
  const lines = csv.trimEnd().split('\n').map((l) => l.split(','));
  const field = fc.oneof({ weight: 4, arbitrary: fc.constantFrom('valid') }, { weight: 1, arbitrary: hostileText });
  return fc
    .record({
      json: fc.boolean(),
      cells: fc.array(fc.record({ row: fc.nat(lines.length - 1), col: fc.nat(FRAMEWORK_CSV_COLUMNS.length - 1), value: hostileCell }), { maxLength: 4 }),
      jsonMutations: sometimes(jsonMutations, 3),
      style: csvStyle,
      bytes: sometimes(mutations, 5),
      version: fc.oneof(fc.constantFrom('v1', '2025.1'), fc.stringMatching(/^fz[0-9]{1,6}$/)),
      fields: fc.record({ code: field, name: field, licence: field, source: field, base_price_year: field }),
      contentType: fc.boolean().chain((j) => contentType(j ? 'application/json' : 'text/csv')),
    })
    .map(({ json: asJson, cells, jsonMutations: jm, style, bytes, version, fields, contentType: type }) => {
      let body: Uint8Array;
      let query: Record<string, string> = {};
      if (asJson) {
        body = enc(JSON.stringify(jm ? mutateJson({ ...json, version }, jm) : { ...json, version }));
      } else {
        const grid = lines.map((l) => [...l]);
        for (const c of cells) grid[c.row][c.col] = c.value;
        const header = grid[0];
        const data = grid.slice(1).map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? ''])) as Row);
        body = enc(writeCsv(header, data, { ...style, header: style.header === 'none' ? 'as is' : style.header }));
        const pick = (name: string, valid: string) => (fields[name as keyof typeof fields] === 'valid' ? valid : fields[name as keyof typeof fields]);
        query = {
          code: pick('code', 'fuzz-framework'),
          version,
          name: pick('name', 'Fuzzed framework'),
          licence: pick('licence', 'Fictional'),
          source: pick('source', 'Generated'),
          base_price_year: pick('base_price_year', '2025'),
        };
      }
      if (bytes) body = mutate(body, bytes);
      return { route: asJson ? 'framework json' : 'framework csv', path: '/api/v1/frameworks', contentType: type, body, query, idempotencyKey: null, writesRows: false };
    });
}

/** Any upload, over every format and route. */
export function uploads(pools: Pools): fc.Arbitrary<Upload> {
  return fc.oneof(
    { weight: 5, arbitrary: rowUpload('csv', pools) },
    { weight: 4, arbitrary: rowUpload('json', pools) },
    { weight: 4, arbitrary: rowUpload('arrow', pools) },
    { weight: 4, arbitrary: ocdsUpload() },
    { weight: 2, arbitrary: frameworkUpload() },
    { weight: 3, arbitrary: fixtureUpload() },
  );
}
