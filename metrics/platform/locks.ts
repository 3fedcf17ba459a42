import type { Session } from './session';

/**
 * Every PostgreSQL advisory lock the service takes, in one place. A lock is the pair (its class, a key): the class
 * below, and hashtext of a name for locks taken per thing (a harvest source), else 0. Transaction-level locks end with
 * their transaction; session-level ones are released explicitly.
 */
export const LOCKS = {
  /** One refresh of derived data at a time, to the end of its transaction (two batches sharing a cell would otherwise
   * both rewrite it from snapshots that miss each other's rows). */
  derivedData: 0x53560001,
  /** One rebuild of the delivery figures when the quarter rolls over, across instances. */
  deliveryRebuild: 0x53560002,
  /** One recompute of outlier flags at a time; readers wait for one under way, the background job skips. */
  outliers: 0x53560003,
  /** One harvest of a publisher's source at a time, across instances (per source name, session-level). */
  harvest: 0x53560004,
  /** One queueing of a report schedule's tick at a time, across instances (per schedule id, to the end of the transaction). */
  reportSchedule: 0x53560005,
  /** One matching run of the exchange at a time, across instances (to the end of its transaction). */
  exchangeMatching: 0x53560006,
} as const;

export type LockName = keyof typeof LOCKS;

const args = (lock: LockName, name: string): [number, string] => [LOCKS[lock] | 0, name];

/** Waits for the lock, held to the end of the session's transaction. */
export async function waitForLock(s: Session, lock: LockName, name = ''): Promise<void> {
  await s.query('select pg_advisory_xact_lock($1::int, hashtext($2))', args(lock, name));
}

/** Takes the lock to the end of the transaction if nobody holds it: whether it was taken. */
export async function tryLock(s: Session, lock: LockName, name = ''): Promise<boolean> {
  const [row] = await s.query<{ ok: boolean }>('select pg_try_advisory_xact_lock($1::int, hashtext($2)) as ok', args(lock, name));
  return row.ok;
}

/** Takes a session-level lock if nobody holds it (release it with releaseSessionLock on the same session). */
export async function trySessionLock(s: Session, lock: LockName, name = ''): Promise<boolean> {
  const [row] = await s.query<{ ok: boolean }>('select pg_try_advisory_lock($1::int, hashtext($2)) as ok', args(lock, name));
  return row.ok;
}

export async function releaseSessionLock(s: Session, lock: LockName, name = ''): Promise<void> {
  await s.query('select pg_advisory_unlock($1::int, hashtext($2))', args(lock, name));
}
