import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { createKey } from '../support/keys';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Every example of the README and docs/ runs against the demo data `npm start` loads, and shows real figures: the
 * reads a newcomer copies (curl commands that GET, and `Example:` sentences) answer 200 with rows that hold a number
 * other than 0, and the names an example promises are in its answer.
 */

const ROOT = join(__dirname, '..', '..');
const PAGES = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

interface Example {
  where: string;
  path: string;
  key?: 'admin' | 'analyst';
  names: string[];
  /** A POST of the reader's own outcome returns (the test sends a file of its own); else a GET. */
  upload?: 'outcomes';
}

/** The examples of one page: GET curl commands (continued lines joined) and `Example: \`GET ...\` gives A, B and C`. */
function examplesOf(page: string): Example[] {
  const lines = readFileSync(join(ROOT, page), 'utf8').split('\n');
  const out: Example[] = [];
  for (let i = 0; i < lines.length; i += 1) {
    const at = `${page}:${i + 1}`;
    let line = lines[i];
    if (/^curl\b/.test(line)) {
      while (line.endsWith('\\') && i + 1 < lines.length) line = line.slice(0, -1) + lines[++i];
      const url = /'http:\/\/localhost:3000(\/[^']*)'/.exec(line);
      if (!url) throw new Error(`${at}: a curl example without a quoted http://localhost:3000 URL`);
      const upload = /-X\s*POST .*--data-binary @outcomes\.csv/.test(line) ? ('outcomes' as const) : undefined;
      if (!upload && /-X\s*(POST|PUT|DELETE)|--data/.test(line)) continue; // other writes need the reader's own file
      const key = /Bearer \$(\w+)/.exec(line)?.[1];
      out.push({ where: at, path: url[1], key: key ? (key === 'ANALYST_KEY' ? 'analyst' : 'admin') : undefined, names: [], upload });
    }
    const example = /Example: `GET ([^`]+)`[^,]*? gives (.*)$/.exec(line);
    if (example) {
      const sentence = `${example[2]} ${lines[i + 1] ?? ''}`.split(';')[0];
      const names = sentence.replace(/\.$/, '').split(/,\s*|\s+and\s+/).map((n) => n.trim()).filter(Boolean);
      out.push({ where: at, path: example[1], names });
    }
  }
  return out;
}

const EXAMPLES = PAGES.flatMap(examplesOf);

/** Whether a value holds a number (or an exact decimal string) other than 0 anywhere inside. */
function holdsFigure(v: unknown): boolean {
  if (typeof v === 'number' || typeof v === 'bigint') return Number(v) !== 0;
  if (typeof v === 'string') return /^-?\d+(\.\d+)?$/.test(v) && Number(v) !== 0;
  if (Array.isArray(v)) return v.some(holdsFigure);
  if (v && typeof v === 'object') return Object.values(v).some(holdsFigure);
  return false;
}

/** The rows of an answer: the first non-empty list among the usual places. */
function rowsOf(body: Record<string, unknown>): unknown[] {
  for (const field of ['rows', 'data', 'indicators', 'peers', 'commitments', 'outcomes', 'tiles']) {
    const v = body[field];
    if (Array.isArray(v) && v.length > 0) return v;
  }
  // a cross-table (the ratings agreement): its rows are the table's rows
  if (body.table && typeof body.table === 'object' && !Array.isArray(body.table)) return Object.values(body.table);
  // a chart's Vega-Lite spec: its rows are inline
  const values = (body.data as { values?: unknown } | undefined)?.values;
  return Array.isArray(values) ? values : [];
}

describe('the examples of the README and docs, on the demo data', () => {
  let t: TestApp;
  const keys: Record<string, string> = {};

  beforeAll(async () => {
    t = await startTestApp({ DEMO_DATA: 'true' }); // the dataset npm start loads into an empty database
    keys.admin = await createKey(t.database.db, 'admin');
    keys.analyst = await createKey(t.database.db, 'analyst');
  }, 180_000);
  afterAll(() => t.close());

  it('finds the examples (the README leads with four)', () => {
    expect(EXAMPLES.filter((e) => e.where.startsWith('README.md')).length).toBeGreaterThanOrEqual(4);
    expect(EXAMPLES.length).toBeGreaterThanOrEqual(9);
  });

  /** The batch the last upload example made: an example that names a batch (`/imports/42/`) means that one. */
  let batch: number | undefined;

  /** Outcome returns as a reporting officer sends them: one for a return the demo holds, and one of a measure nobody has. */
  async function returnsFile(): Promise<string> {
    const { rows } = await t.database.db.knex.raw(`select c.reference, m.code, o.period_start::text as ps, o.period_end::text as pe, o.quantity, o.unit
      from outcomes o join contracts c on c.id = o.contract_id join measures m on m.id = o.measure_id where o.is_latest order by o.id limit 1`);
    const [r] = rows;
    return ['contract,measure,period_start,period_end,quantity,unit', [r.reference, r.code, r.ps, r.pe, r.quantity, r.unit].join(','), [r.reference, 'NO-SUCH-MEASURE', r.ps, r.pe, '1', r.unit].join(',')].join('\n');
  }

  it.each(EXAMPLES.map((e) => [`${e.where} ${e.upload ? 'POST' : 'GET'} ${e.path}`, e] as const))('%s shows real figures', async (_, example) => {
    const headers: Record<string, string> = example.key ? { authorization: `Bearer ${keys[example.key]}` } : {};
    if (example.upload) {
      const res = await fetch(t.url + example.path, { method: 'POST', headers: { ...headers, 'content-type': 'text/csv' }, body: await returnsFile() });
      const body = (await res.json()) as { batch: { id: number; status: string; rows_total: number; rows_rejected: number } };
      expect({ ...body.batch, http: res.status }).toMatchObject({ http: 201, status: 'committed', rows_total: 2, rows_rejected: 1 });
      batch = body.batch.id;
      return;
    }
    const path = example.path.replace(/\/imports\/\d+\//, () => `/imports/${batch}/`);
    const res = await fetch(t.url + path, { headers });
    const type = res.headers.get('content-type') ?? '';
    expect({ status: res.status, type }).toEqual({ status: 200, type: expect.any(String) });
    if (type.includes('json')) {
      const body = (await res.json()) as Record<string, unknown>;
      const rows = rowsOf(body);
      expect(rows.length).toBeGreaterThan(0);
      expect(holdsFigure(rows)).toBe(true);
      // rows that hold a value beside other figures (a benchmark: the value, its peers' median...) hold real values
      const valued = rows.filter((r): r is { value: unknown } => !!r && typeof r === 'object' && 'value' in r);
      if (valued.length) expect(valued.filter((r) => holdsFigure(r.value)).length).toBeGreaterThan(valued.length / 2);
      const text = JSON.stringify(body);
      for (const name of example.names) expect(text).toContain(name);
    } else if (type.includes('csv')) {
      const lines = (await res.text()).trim().split(/\r?\n/);
      expect(lines.length).toBeGreaterThan(1); // the header and rows
    } else if (type.includes('arrow')) {
      const table = tableFromIPC(new Uint8Array(await res.arrayBuffer()));
      expect(table.numRows).toBeGreaterThan(0);
      expect(holdsFigure(table.toArray().map((r) => Object.values(r.toJSON())))).toBe(true);
    } else if (type.includes('svg')) {
      const svg = await res.text();
      expect(svg).toMatch(/^<svg/);
      expect(svg).toMatch(/<text[^>]*>[^<]*\d/); // a drawn chart with figures on it
    } else {
      throw new Error(`${example.where}: an answer of type ${type} the test does not read`);
    }
  });
});
