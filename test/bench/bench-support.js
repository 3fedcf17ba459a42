/** What the benchmarks share: the built service as a child process, an upload to it, its peak memory. */
const { spawn, spawnSync } = require('node:child_process');
const { createReadStream, readFileSync, statSync } = require('node:fs');
const { request } = require('node:http');
const { join } = require('node:path');

const ROOT = join(__dirname, '..', '..');

/** Starts dist/api/main.js with `env` over the defaults of a benchmark; resolves with the process and its URL. */
function startService(env) {
  const child = spawn(process.execPath, [join(ROOT, 'dist/api/main.js')], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DEMO_DATA: 'false', LOG_LEVEL: 'info', HARVEST_CRON: 'off', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => reject(new Error(`service exited ${code}: ${out}`)));
    child.stdout.on('data', (d) => {
      out += d;
      if (process.env.BENCH_VERBOSE) process.stderr.write(String(d).split('\n').filter((l) => l.includes('phases_ms')).join('\n'));
      const m = /"url":"(http:\/\/localhost:\d+)"/.exec(out);
      if (m) resolve({ child, url: m[1].replace('localhost', '127.0.0.1'), batchLog: (id) => batchLog(() => out, id) });
    });
  });
}

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

module.exports = { ROOT, startService, stopService, adminKey, upload, peakRssMb };
