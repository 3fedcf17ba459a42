import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** What the holder of an embedded data folder writes into its lock file. */
export interface LockInfo {
  pid: number;
  /** 'service' serves HTTP and answers admin commands on `socket`; 'cli' is a one-off command. */
  holder: 'service' | 'cli';
  socket?: string;
  startedAt: string;
}

export class DataDirBusyError extends Error {
  constructor(
    readonly dataDir: string,
    readonly info: LockInfo,
  ) {
    super(
      `The embedded database in ${dataDir} is open in another process (pid ${info.pid}, ${info.holder}, since ${info.startedAt}).`,
    );
  }
}

/**
 * The embedded database cannot use its data folder: not writable, not a folder, or the disk is full. The service
 * says so and stops (exit code 73, EX_CANTCREAT) rather than failing with a stack trace, again at every restart.
 */
export class DataDirError extends Error {
  constructor(
    readonly dataDir: string,
    readonly reason: string,
    readonly code: string,
  ) {
    super(`The data folder ${dataDir} cannot be used: ${reason}.`);
  }
}

/** Less free space than this in the data folder's file system is taken for a full disk at start. */
export const MIN_FREE_BYTES = 32 * 1024 * 1024;

const REASONS: Record<string, string> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  EROFS: 'it is on a read-only file system',
  EACCES: 'this process may not write there',
  EPERM: 'this process may not write there',
  ENOTDIR: 'a part of its path is a file, not a folder',
  EEXIST: 'a file of that name is in the way',
  ENOENT: 'its path cannot be created',
};

/** A file-system error on the data folder as a DataDirError, when it is one the person running the service can fix. */
export function dataDirProblem(dataDir: string, err: unknown): DataDirError | undefined {
  const code = (err as NodeJS.ErrnoException)?.code ?? '';
  const reason = REASONS[code];
  return reason ? new DataDirError(dataDir, `${reason} (${code})`, code) : undefined;
}

/**
 * The data folder is there (created if need be), writable (a file written, synced and removed) and has room: the
 * problems a person can fix, found before the database starts, each with its own words.
 */
export function checkDataDir(dataDir: string): void {
  try {
    mkdirSync(dataDir, { recursive: true });
    const probe = join(dataDir, `.write-test-${process.pid}`);
    const fd = openSync(probe, 'w', 0o600);
    try {
      writeSync(fd, Buffer.alloc(4096));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
      rmSync(probe, { force: true });
    }
  } catch (err) {
    throw dataDirProblem(dataDir, err) ?? err;
  }
  const fs = statfsSync(dataDir);
  const free = fs.bavail * fs.bsize;
  if (free < MIN_FREE_BYTES) {
    throw new DataDirError(dataDir, `the disk is full (${Math.floor(free / 1024 / 1024)} MB free, at least ${MIN_FREE_BYTES / 1024 / 1024} MB needed)`, 'ENOSPC');
  }
}

const LOCK_FILE = 'owner.lock';

export function lockPath(dataDir: string): string {
  return join(dataDir, LOCK_FILE);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The live holder of a data folder, or undefined when it is free (a lock left by a dead process counts as free). */
export function readLock(dataDir: string): LockInfo | undefined {
  let text: string;
  try {
    text = readFileSync(lockPath(dataDir), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const info = JSON.parse(text) as LockInfo;
    return Number.isInteger(info.pid) && isAlive(info.pid) && info.pid !== process.pid ? info : undefined;
  } catch {
    return undefined; // a half-written lock from a crash: its writer is gone
  }
}

/**
 * PGlite opens its data folder in-process and nothing stops a second process from opening it too and corrupting it,
 * so whoever opens it first takes this lock file (created with O_EXCL) and the others find out who holds it.
 */
export class DataDirLock {
  private constructor(
    private readonly path: string,
    readonly info: LockInfo,
  ) {}

  static acquire(dataDir: string, info: Omit<LockInfo, 'pid' | 'startedAt'>): DataDirLock {
    checkDataDir(dataDir);
    const full: LockInfo = { ...info, pid: process.pid, startedAt: new Date().toISOString() };
    const path = lockPath(dataDir);
    for (let attempt = 0; attempt < 2; attempt += 1) {
      try {
        const fd = openSync(path, 'wx', 0o600);
        writeSync(fd, JSON.stringify(full));
        closeSync(fd);
        return new DataDirLock(path, full);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const holder = readLock(dataDir);
        if (holder) throw new DataDirBusyError(dataDir, holder);
        rmSync(path, { force: true }); // stale: its process is gone
      }
    }
    throw new Error(`Could not take the lock ${path}`);
  }

  release(): void {
    try {
      const current = JSON.parse(readFileSync(this.path, 'utf8')) as LockInfo;
      if (current.pid === this.info.pid) rmSync(this.path, { force: true });
    } catch {
      // already gone
    }
  }
}
