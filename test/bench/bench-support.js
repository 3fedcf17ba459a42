/** What the benchmarks share: the built service as a child process, an upload to it, its peak memory. */
const { spawn, spawnSync } = require('node:child_process');
const { closeSync, createReadStream, openSync, readFileSync, readSync, statSync } = require('node:fs');
const { request } = require('node:http');
const { join } = require('node:path');

const ROOT = join(__dirname, '..', '..');

/**
 * Starts dist/api/main.js with `env` over the defaults of a benchmark; resolves with the process and its URL.
 * options.nodeArgs: options for node before the script (e.g. a probe: memoryProbe()); options.onLine: called with each
 * line the service prints; options.logFile: the service writes its output to this file (read back every 200 ms), so a
 * busy bench (autocannon shares its event loop) never holds the service's writes back in the service's memory. The
 * output kept (for batchLog) is its last 8 MB, so a long run does not grow the bench.
 */
function startService(env, options = {}) {
  const fd = options.logFile ? openSync(options.logFile, 'w') : undefined;
  // BENCH_NODE_ARGS: node options for the service under measure (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile it)
  const extra = process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(/\s+/).filter(Boolean) : [];
  const child = spawn(process.execPath, [...extra, ...(options.nodeArgs ?? []), join(ROOT, 'dist/api/main.js')], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DEMO_DATA: 'false', LOG_LEVEL: 'info', HARVEST_CRON: 'off', ...env },
    stdio: ['ignore', fd ?? 'pipe', 'inherit'],
  });
  let out = '';
  let partial = '';
  let started = false;
  return new Promise((resolve, reject) => {
    let timer;
    child.on('exit', (code) => {
      clearInterval(timer);
      reject(new Error(`service exited ${code}: ${out.slice(-4000)}`));
    });
    const take = (text) => {
      out += text;
      if (out.length > 16 * 1024 * 1024) out = out.slice(-8 * 1024 * 1024);
      if (options.onLine) {
        const lines = (partial + text).split('\n');
        partial = lines.pop();
        for (const line of lines) options.onLine(line);
      }
      if (process.env.BENCH_VERBOSE) process.stderr.write(text.split('\n').filter((l) => l.includes('phases_ms')).join('\n'));
      if (started) return;
      const m = /"url":"(http:\/\/localhost:\d+)"/.exec(out);
      if (m) {
        started = true;
        resolve({ child, url: m[1].replace('localhost', '127.0.0.1'), batchLog: (id) => batchLog(() => out, id) });
      }
    };
    if (fd === undefined) child.stdout.on('data', (d) => take(String(d)));
    else {
      closeSync(fd);
      const reader = openSync(options.logFile, 'r');
      const buffer = Buffer.alloc(4 * 1024 * 1024);
      let position = 0;
      const poll = () => {
        for (let n; (n = readSync(reader, buffer, 0, buffer.length, position)) > 0; position += n) take(buffer.toString('utf8', 0, n));
      };
      // unref'd: stopService removes the exit listeners that clear it, and a bench must still end when it is done
      timer = setInterval(poll, 200).unref();
      child.once('exit', () => {
        poll();
        closeSync(reader);
      });
    }
  });
}

/**
 * Node options that make a service print its memory every `everyMs` as a line {"memory_probe":{rss,heap_used,...}}
 * (after a full collection when `gc` is set, so that the heap figures are what is live, not what awaits collection).
 */
function memoryProbe(everyMs, gc = false) {
  const code = `setInterval(() => { ${gc ? 'globalThis.gc?.();' : ''} const m = process.memoryUsage();
    process.stdout.write(JSON.stringify({ memory_probe: { at: Date.now(), rss: m.rss, heap_used: m.heapUsed, heap_total: m.heapTotal, external: m.external, stdout_pending: process.stdout.writableLength } }) + '\\n');
  }, ${everyMs}).unref();`;
  return [...(gc ? ['--expose-gc'] : []), '--import', `data:text/javascript,${encodeURIComponent(code)}`];
}

/** The memory a process holds now (VmRSS), in MB. */
const rssMb = (pid) => Math.round(Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024);

/** A batch's log line (its phases since its start, the refresh's steps), which may reach us just after the answer. */
async function batchLog(log, batchId) {
  for (let i = 0; i < 50; i += 1) {
    const line = log().split('\n').reverse().find((l) => l.includes(`"batch":${batchId}`) && l.includes('phases_ms'));
    if (line) return JSON.parse(line);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {};
}

async function stopService(service) {
  if (!service) return;
  service.child.removeAllListeners('exit');
  service.child.kill('SIGTERM');
  await new Promise((r) => service.child.once('exit', r));
}

/** An admin key made by the CLI against the same database. */
function adminKey(env) {
  const run = spawnSync(process.execPath, [join(ROOT, 'dist/api/cli/cli.js'), 'keys', 'create', '--role', 'admin'], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  return run.stdout.trim().split('\n').at(-1);
}

/** POSTs a file, streamed; resolves with the JSON answer, rejects on a status of 300 or more. */
function upload(url, path, key, contentType) {
  return new Promise((resolve, reject) => {
    const headers = { 'content-type': contentType, authorization: `Bearer ${key}`, 'content-length': statSync(path).size };
    const req = request(url, { method: 'POST', headers }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => (res.statusCode < 300 ? resolve(JSON.parse(text)) : reject(new Error(`${res.statusCode} ${text.slice(0, 500)}`))));
    });
    req.on('error', reject);
    createReadStream(path).pipe(req);
  });
}

/** The most memory a process has held (VmHWM), in MB. */
const peakRssMb = (pid) => Math.round(Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024);

/**
 * Where a bench's service keeps its data: a database of its own on the PostgreSQL server `base` (DATABASE_URL), made
 * now and dropped by `drop()`, or an embedded data folder under `dir`. `env` is what the service needs for it.
 */
async function benchDatabase(base, name, dir) {
  if (!base) return { env: { DATA_DIR: require('node:path').join(dir, 'data') }, name: null, drop: async () => undefined };
  const { Client } = require('pg');
  const admin = new Client({ connectionString: base });
  await admin.connect();
  const dbName = `svm_bench_${name}_${process.pid}`;
  await admin.query(`create database ${dbName}`);
  const url = new URL(base);
  url.pathname = `/${dbName}`;
  return {
    env: { DATABASE_URL: url.toString() },
    name: dbName,
    drop: async () => {
      await admin.query(`drop database if exists ${dbName} with (force)`);
      await admin.end();
    },
  };
}

module.exports = { ROOT, startService, stopService, adminKey, upload, peakRssMb, rssMb, memoryProbe, benchDatabase };
