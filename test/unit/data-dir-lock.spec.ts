import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminSocketPath } from '../../api/admin/admin-socket';
import { DataDirBusyError, DataDirLock, lockPath, readLock } from '../../metrics/platform/data-dir-lock';

describe('the embedded data folder lock', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'svm-lock-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A pid that is certainly not running: a child that has exited. */
  const deadPid = () => spawnSync(process.execPath, ['-e', 'process.exit(0)']).pid!;

  it('takes a free folder, records its holder, and frees it on release', () => {
    const lock = DataDirLock.acquire(dir, { holder: 'service', socket: '/tmp/x.sock' });
    expect(JSON.parse(readFileSync(lockPath(dir), 'utf8'))).toMatchObject({
      pid: process.pid,
      holder: 'service',
      socket: '/tmp/x.sock',
    });
    lock.release();
    expect(existsSync(lockPath(dir))).toBe(false);
  });

  it('refuses a folder a live process holds, naming it', () => {
    writeFileSync(lockPath(dir), JSON.stringify({ pid: process.ppid, holder: 'service', startedAt: '2026-01-01T00:00:00Z' }));
    expect(readLock(dir)).toMatchObject({ pid: process.ppid, holder: 'service' });
    expect(() => DataDirLock.acquire(dir, { holder: 'cli' })).toThrow(DataDirBusyError);
    expect(() => DataDirLock.acquire(dir, { holder: 'cli' })).toThrow(`open in another process (pid ${process.ppid}, service`);
  });

  it('takes over a lock left by a process that died, or a half-written one', () => {
    writeFileSync(lockPath(dir), JSON.stringify({ pid: deadPid(), holder: 'service', startedAt: 'x' }));
    expect(readLock(dir)).toBeUndefined();
    DataDirLock.acquire(dir, { holder: 'cli' }).release();
    writeFileSync(lockPath(dir), '{"pid": 12');
    DataDirLock.acquire(dir, { holder: 'cli' }).release();
  });

  it('does not remove a lock another process has taken since', () => {
    const lock = DataDirLock.acquire(dir, { holder: 'cli' });
    writeFileSync(lockPath(dir), JSON.stringify({ pid: process.ppid, holder: 'service', startedAt: 'x' }));
    lock.release();
    expect(existsSync(lockPath(dir))).toBe(true);
  });

  it('puts the admin socket in the folder, or in the temp folder when the path would be too long for a socket', () => {
    expect(adminSocketPath('/srv/svm/.data')).toBe('/srv/svm/.data/admin.sock');
    const long = `/srv/${'x'.repeat(120)}`;
    expect(adminSocketPath(long)).toMatch(new RegExp(`^${tmpdir()}/svm-admin-[0-9a-f]{16}\\.sock$`));
    expect(adminSocketPath(long)).toBe(adminSocketPath(long));
  });
});
