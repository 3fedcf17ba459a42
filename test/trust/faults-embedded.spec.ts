import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { classifyError } from '../../api/errors/all-exceptions.filter';
import { dataDirProblem } from '../../metrics/platform/data-dir-lock';
import { startService } from '../support/service-process';

/** Starts the built service on the embedded database in `dataDir`; resolves with its exit code and output (it must not start). */
async function refusedStart(dataDir: string): Promise<{ code: number | null; output: string }> {
  try {
    const service = await startService({ DATA_DIR: dataDir, DEMO_DATA: 'false' }, 30_000);
    await service.stop('SIGKILL');
    throw new Error(`the service started on ${dataDir}`);
  } catch (err) {
    const e = err as { code?: number | null; output?: string };
    if (e.output === undefined) throw err;
    return { code: e.code ?? null, output: e.output };
  }
}

/** A tmpfs of `size` mounted at a new folder, or undefined where this process may not mount (not root, a container). */
function tmpfs(size: string): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'svm-full-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
    return dir;
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return undefined;
  }
}

function unmount(dir: string): void {
  execFileSync('umount', [dir], { stdio: 'ignore' });
  rmSync(dir, { recursive: true, force: true });
}

/**
 * The embedded database's data folder unusable at start: a clear message on stderr and exit code 73 (EX_CANTCREAT),
 * no stack trace, nothing started. The tests run as root, whom chmod does not stop, so "not writable" is a path
 * through a regular file and a folder under /sys; "full" is a tmpfs filled to the last byte (where this process may
 * mount one) and one with less room than the service needs.
 */
describe('the embedded database when its data folder cannot be used', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'svm-datadir-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  const expectClearRefusal = (result: { code: number | null; output: string }, reason: RegExp) => {
    expect(result.code).toBe(73);
    expect(result.output).toMatch(/The data folder .* cannot be used: /);
    expect(result.output).toMatch(reason);
    expect(result.output).toMatch(/Give DATA_DIR a folder this process can write to/);
    expect(result.output).not.toMatch(/\n\s+at /); // no stack trace
  };

  it('refuses a path through a regular file', async () => {
    const file = join(scratch, 'a-file');
    writeFileSync(file, 'not a folder');
    expectClearRefusal(await refusedStart(join(file, 'data')), /a part of its path is a file, not a folder \(ENOTDIR\)/);
    expectClearRefusal(await refusedStart(file), /\((EEXIST|ENOTDIR)\)/);
  });

  it('refuses a folder nobody may write, not even root (/sys)', async () => {
    expectClearRefusal(await refusedStart('/sys/svm-data'), /\((ENOENT|EACCES|EPERM|EROFS)\)/);
  });

  it('refuses a full disk', async () => {
    const full = tmpfs('1m');
    if (!full) {
      // no mount here: the mapping of the error the disk gives is what is left to check
      expect(dataDirProblem('/data', Object.assign(new Error('no space'), { code: 'ENOSPC' }))?.message).toBe('The data folder /data cannot be used: the disk is full (ENOSPC).');
      return;
    }
    try {
      mkdirSync(join(full, 'data'));
      try {
        writeFileSync(join(full, 'filler'), Buffer.alloc(2 * 1024 * 1024));
      } catch {
        // filled to the last byte
      }
      expectClearRefusal(await refusedStart(join(full, 'data')), /the disk is full \(ENOSPC\)/);
    } finally {
      unmount(full);
    }
    const small = tmpfs('16m');
    if (!small) return;
    try {
      expectClearRefusal(await refusedStart(join(small, 'data')), /the disk is full \(\d+ MB free, at least 32 MB needed\)/);
    } finally {
      unmount(small);
    }
  });

  it('names the disk-full and read-only errors the database may meet while it writes', () => {
    expect(dataDirProblem('/d', { code: 'EROFS' })?.reason).toBe('it is on a read-only file system (EROFS)');
    expect(dataDirProblem('/d', { code: 'EDQUOT' })?.reason).toBe('the disk quota is used up (EDQUOT)');
    expect(dataDirProblem('/d', { code: 'ECONNRESET' })).toBeUndefined();
  });
});

/** Every way the drivers report a lost database connection is a 503 database_unavailable, never a 500. */
describe('a lost database connection, whatever the words', () => {
  it('is 503 database_unavailable', () => {
    const lost: unknown[] = [
      Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }), // COPY into a socket PostgreSQL closed
      Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
      new Error('Client has encountered a connection error and is not queryable'),
      Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
      new Error('Connection terminated unexpectedly'),
      Object.assign(new Error('the database system is shutting down'), { code: '57P03' }),
      new AggregateError([Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })], ''),
      new Error('insert failed', { cause: Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }) }),
    ];
    for (const err of lost) {
      expect([String(err), classifyError(err).status, classifyError(err).body.error.code]).toEqual([String(err), 503, 'database_unavailable']);
    }
    expect(classifyError(new Error('something else')).status).toBe(500);
  });
});
