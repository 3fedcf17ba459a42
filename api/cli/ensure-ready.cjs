#!/usr/bin/env node
/**
 * Gets a checkout ready to run, so that `npm start` or `npm test` typed first on a fresh clone just works. It runs
 * before node_modules may exist, so it is CommonJS and uses Node's built-in modules only.
 *
 *   1. Dependencies: when node_modules/.package-lock.json (npm's record of what it installed) is missing or older than
 *      package-lock.json, runs `npm ci`.
 *   2. Build: compiles with `tsc -p tsconfig.build.json` when a source differs from the last successful build: the
 *      *.ts (less *.spec.ts, which the build excludes) and *.json files under api/, metrics/, dashboards/, reports/ and
 *      migrations/, plus tsconfig*.json and package-lock.json, each compared by path, mtime and size with the record
 *      (dist/.build-stamp.json) written after that build. When a file was deleted or moved since then, dist/ is
 *      removed first, so that no compiled output of a file that no longer exists is left behind.
 *
 * Usage: node api/cli/ensure-ready.cjs [--install-only | --build-only] [--force]   (--force: build even when current)
 * Used by package.json's prestart, pretest and run scripts, and by the tests' global set-up (test/support).
 */
'use strict';

const { spawnSync } = require('node:child_process');
const { createHash } = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const DIST = path.join(ROOT, 'dist');
const STAMP = path.join(DIST, '.build-stamp.json');
const ENTRY = path.join(DIST, 'api', 'main.js');
const SOURCE_DIRS = ['api', 'metrics', 'dashboards', 'reports', 'migrations'];

const say = (line) => process.stderr.write(`${line}\n`);

function mtimeMs(file) {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

/** Runs a command in the repository root, showing its output; its exit status. */
function run(command, args) {
  const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit' });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

function ensureInstalled() {
  const installed = mtimeMs(path.join(ROOT, 'node_modules', '.package-lock.json'));
  if (installed !== undefined && installed >= mtimeMs(path.join(ROOT, 'package-lock.json'))) return;
  say('Installing dependencies from package-lock.json (npm ci)...');
  // under npm (npm start, npm test) npm_execpath names the npm that runs us: use that one
  const npm = process.env.npm_execpath;
  const args = ['ci', '--no-audit', '--no-fund'];
  const status = npm && /\.[cm]?js$/.test(npm) ? run(process.execPath, [npm, ...args]) : run('npm', args);
  if (status !== 0) process.exit(status);
}

/** Every file the build depends on, as { "relative/path": "mtime size" }. */
function sources() {
  const found = {};
  const add = (file) => {
    const stat = fs.statSync(file, { throwIfNoEntry: false }); // none: deleted since it was listed
    if (stat) found[path.relative(ROOT, file).split(path.sep).join('/')] = `${stat.mtimeMs} ${stat.size}`;
  };
  const walk = (dir) => {
    let entries;
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return; // a folder that does not exist (yet)
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.(ts|json)$/.test(entry.name) && !entry.name.endsWith('.spec.ts')) add(full);
    }
  };
  for (const dir of SOURCE_DIRS) walk(path.join(ROOT, dir));
  for (const name of fs.readdirSync(ROOT)) {
    if (/^tsconfig.*\.json$/.test(name) || name === 'package-lock.json') add(path.join(ROOT, name));
  }
  return found;
}

/** What the last build was made from, or undefined when there is no (readable) record of one. */
function lastBuild() {
  try {
    return JSON.parse(fs.readFileSync(STAMP, 'utf8')).sources;
  } catch {
    return undefined;
  }
}

/** Whether dist/ must be built, and whether it must be removed first; with the reason, for the log line. */
function compare(now) {
  const before = lastBuild();
  if (!before || !fs.existsSync(ENTRY)) {
    const existed = fs.existsSync(DIST);
    return { build: true, wipe: existed, reason: existed ? 'no record of the last build' : 'no build yet' };
  }
  const gone = Object.keys(before).filter((file) => !(file in now));
  if (gone.length > 0) return { build: true, wipe: true, reason: `${gone.length} file(s) deleted or moved, e.g. ${gone[0]}` };
  const changed = Object.keys(now).filter((file) => before[file] !== now[file]);
  if (changed.length > 0) return { build: true, wipe: false, reason: `${changed.length} file(s) new or changed, e.g. ${changed[0]}` };
  return { build: false, wipe: false, reason: 'current' };
}

const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** One build of this checkout at a time (two test runs may start together); the holder's pid is in the lock file. */
function withBuildLock(fn) {
  const lock = path.join(os.tmpdir(), `svm-build-${createHash('sha1').update(ROOT).digest('hex').slice(0, 12)}.lock`);
  for (let waited = 0; ; waited += 1) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
    let holder;
    try {
      holder = Number(fs.readFileSync(lock, 'utf8')) || undefined; // empty: its holder is writing its pid
    } catch {
      continue; // released meanwhile
    }
    if (holder !== undefined && !alive(holder)) {
      fs.rmSync(lock, { force: true }); // left by a build that was killed
      continue;
    }
    if (waited === 0) say(`Waiting for another build of this checkout to finish (pid ${holder ?? '?'})...`);
    sleep(200);
  }
  try {
    return fn();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

function alive(pid) {
  try {
    return process.kill(pid, 0);
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/** Builds dist/ when it is not current (or when forced); the exit status of tsc, 0 when nothing had to be done. */
function ensureBuilt(force) {
  if (!force && !compare(sources()).build) return 0; // the common case: no lock, no tsc
  return withBuildLock(() => {
    const now = sources(); // read again: another process may have built while we waited
    const plan = compare(now);
    if (!plan.build && !force) return 0;
    if (plan.wipe) fs.rmSync(DIST, { recursive: true, force: true });
    const reason = plan.build ? plan.reason : 'asked for';
    say(`Compiling TypeScript into dist/ (${plan.wipe ? `${reason}: dist/ removed first` : reason})...`);
    const status = run(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json']);
    if (status === 0) fs.writeFileSync(STAMP, JSON.stringify({ built_at: new Date().toISOString(), sources: now }, null, 1));
    return status;
  });
}

const flags = new Set(process.argv.slice(2));
const known = new Set(['--install-only', '--build-only', '--force']);
const unknown = [...flags].filter((flag) => !known.has(flag));
if (unknown.length > 0 || (flags.has('--install-only') && flags.has('--build-only'))) {
  say(`ensure-ready: unexpected ${unknown.join(' ') || 'flags'}; usage: [--install-only | --build-only] [--force]`);
  process.exit(64);
}
if (!flags.has('--build-only')) ensureInstalled();
if (!flags.has('--install-only')) process.exitCode = ensureBuilt(flags.has('--force'));
