import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
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
    mkdirSync(dataDir, { recursive: true });
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
