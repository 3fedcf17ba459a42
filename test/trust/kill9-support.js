/**
 * What the fault tests share (plain JavaScript, so that `node test/trust/kill9.js` runs without a TypeScript step):
 * generated contracts and outcome returns, a streamed upload, the batches still open, and the check that every
 * derived table equals what a rebuild from the raw rows makes.
 */
const { spawn } = require('node:child_process');
const { request } = require('node:http');
const { join } = require('node:path');

const ROOT = join(__dirname, '..', '..');
const MEASURES = ['SVM-EMP-LOCAL-FTE', 'SVM-VOLUNTEER-HOURS', 'SVM-CO2E-AVOIDED', 'SVM-WASTE-DIVERTED', 'SVM-SPEND-LOCAL'];
const UNITS = ['FTE-year', 'hour', 'tCO2e', 'tonne', 'GBP'];
const QUARTERS = 20; // 2021-Q1 .. 2025-Q4: 100 outcome rows a contract

/** Contracts `prefix-from` .. `prefix-(to-1)` of Trafford (E08000009), as a contracts CSV. */
function contractsCsv(prefix, from, to) {
  let text = 'reference,authority,title,supplier_scheme,supplier_id,supplier_name,supplier_scale,cpv,value_gbp,start_date,end_date\n';
  for (let i = from; i < to; i += 1) {
    text += `${prefix}-${i},E08000009,Trust contract ${i},GB-COH,T${String(i % 500).padStart(7, '0')},Trust supplier ${i % 500},sme,85312000,1000000,2021-01-01,2030-12-31\n`;
  }
  return text;
}

/** The outcome returns of those contracts (100 rows each); `variant` changes every quantity (a new revision). */
function outcomesCsv(prefix, from, to, variant = 0) {
  const lines = ['contract,measure,period,quantity,unit,evidence_ref\n'];
  for (let i = from; i < to; i += 1) {
    let chunk = '';
    for (let m = 0; m < MEASURES.length; m += 1) {
      for (let q = 0; q < QUARTERS; q += 1) {
        chunk += `${prefix}-${i},${MEASURES[m]},${2021 + Math.floor(q / 4)}-Q${(q % 4) + 1},${(((i * 7 + q * 3 + m + variant * 13) % 997) + 1) / 10},${UNITS[m]},T-${i}/${q}/${m}\n`;
      }
    }
    lines.push(chunk);
  }
  return lines.join('');
}

/**
 * POSTs `body` to an import route, in chunks; `onSent` is called once the first `holdBytes` went out, and the rest is
 * sent when the promise it returns resolves (a body that pauses: a fault can strike while it is received). Resolves
 * with the status, the parsed answer and the milliseconds it took; rejects when the connection is reset.
 */
function upload(url, key, body, { headers = {}, holdBytes, onSent } = {}) {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      headers: { 'content-type': 'text/csv', authorization: `Bearer ${key}`, 'transfer-encoding': 'chunked', ...headers },
    }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => {
        let parsed = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // not JSON
        }
        resolve({ status: res.statusCode, body: parsed, ms: performance.now() - started });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    const buffer = Buffer.from(body);
    const hold = holdBytes === undefined ? buffer.length : Math.min(holdBytes, buffer.length);
    req.write(buffer.subarray(0, hold));
    Promise.resolve(onSent?.())
      .then(() => {
        if (!req.destroyed) req.end(buffer.subarray(hold));
      })
      .catch(reject);
  });
}

/** Import batches still open (received or running). */
async function openBatches(client) {
  return (await client.query(`select id, status, kind, backend_pid from import_batches where status in ('received', 'running') order by id`)).rows;
}

/** Every table derived from the raw rows: the rollups (every level), delivery, quality flags, valuation factors. */
async function derivedTables(client) {
  const { rows } = await client.query(
    `select table_name from information_schema.tables
     where table_schema = 'public' and table_type = 'BASE TABLE' and table_name not like '%dirty%'
       and (table_name like '%rollups%' or table_name in ('quality_flags', 'delivery_contracts', 'delivery_measures', 'valuation_factors'))
     order by table_name`,
  );
  return rows.map((r) => r.table_name);
}

/** The columns of a table that a rebuild must reproduce (not its identity or the times rows were written). */
async function comparedColumns(client, table) {
  const { rows } = await client.query(
    `select column_name from information_schema.columns
     where table_schema = 'public' and table_name = $1 and column_name <> 'id' and data_type not like 'timestamp%'
     order by ordinal_position`,
    [table],
  );
  return rows.map((r) => `"${r.column_name}"`).join(', ');
}

/**
 * Whether every derived table equals what a rebuild from the raw rows makes: each is copied aside, `rebuild()` runs
 * (the CLI's `rollups rebuild`, or the service's DerivedDataService), and the rows that differ either way are counted.
 * Resolves with the tables that differ and how many rows ({} when all are equal).
 */
async function derivedDiffersFromRebuild(client, rebuild) {
  const tables = await derivedTables(client);
  await client.query('drop schema if exists trust_snap cascade');
  await client.query('create schema trust_snap');
  try {
    const columns = {};
    for (const t of tables) {
      columns[t] = await comparedColumns(client, t);
      await client.query(`create table trust_snap."${t}" as select ${columns[t]} from "${t}"`);
    }
    await rebuild();
    const differ = {};
    for (const t of tables) {
      const c = columns[t];
      const { rows } = await client.query(
        `select (select count(*) from (select ${c} from trust_snap."${t}" except all select ${c} from "${t}") a)::int as kept_only,
                (select count(*) from (select ${c} from "${t}" except all select ${c} from trust_snap."${t}") b)::int as rebuilt_only`,
      );
      if (rows[0].kept_only + rows[0].rebuilt_only > 0) differ[t] = rows[0];
    }
    return differ;
  } finally {
    await client.query('drop schema if exists trust_snap cascade');
  }
}

/** Runs the compiled CLI (`npm run cli -- ...`) with `env`; resolves with its exit code and output. */
function cli(args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'dist/api/cli/cli.js'), ...args], {
      cwd: ROOT,
      env: { ...process.env, NODE_OPTIONS: '', LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, out }));
  });
}

module.exports = { ROOT, contractsCsv, outcomesCsv, upload, openBatches, derivedTables, derivedDiffersFromRebuild, cli };
