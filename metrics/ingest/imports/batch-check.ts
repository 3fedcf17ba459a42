import type { BatchOwner, OpenBatch } from './imports.repository';

/** How often a process writes the heartbeat of the batches it runs (on a server). */
export const HEARTBEAT_MS = 10_000;
/** A batch whose owner has given no heartbeat for this long is taken for orphaned (six heartbeats missed). */
export const SILENT_MS = 60_000;

/** What the check of open batches knows of the process it runs in. */
export interface CheckContext {
  owner: BatchOwner;
  embedded: boolean;
  /** Batches running in this process. */
  runningHere: ReadonlySet<number>;
  /** A batch is being opened here: one of this process's batches may not be in runningHere yet. */
  opening: boolean;
  /** Whether a process of this host is alive. */
  alive(pid: number): boolean;
}

const KEPT = 'nothing of it was kept';

/**
 * Why an open batch (received or running) has no owner any more, or undefined when it may still be running. A batch
 * is one transaction, so failing it loses nothing that was committed.
 * - On the embedded database only one process opens the data folder: a batch that does not run in it is orphaned.
 * - A batch of this process that no longer runs here lost its connection, and marking it failed failed too.
 * - A batch of a process of this host that is gone (or whose pid this process now has: a restarted container).
 * - A batch whose owner gave no heartbeat for SILENT_MS (a process on another host that died, or cannot reach the
 *   database): its backend is ended before it is failed, so that it cannot commit afterwards.
 * - A batch from before owners were recorded: when its database backend is gone.
 */
export function orphanReason(b: OpenBatch, here: CheckContext): string | undefined {
  if (here.runningHere.has(b.id)) return undefined;
  if (here.embedded) {
    return here.opening ? undefined : `interrupted: the service stopped during the import; ${KEPT}`;
  }
  if (b.owner_instance === here.owner.instance) {
    return here.opening ? undefined : `interrupted: the database connection was lost during the import; ${KEPT}`;
  }
  if (b.owner_host !== null && b.owner_host === here.owner.host && b.owner_pid !== null) {
    if (b.owner_pid === here.owner.pid || !here.alive(b.owner_pid)) {
      return `interrupted: the process that ran it (pid ${b.owner_pid} on ${b.owner_host}) stopped; ${KEPT}`;
    }
  }
  if (b.silent_ms > SILENT_MS) {
    return `interrupted: no sign of life from the process that ran it for ${Math.round(b.silent_ms / 1000)} s; ${KEPT}`;
  }
  if (b.owner_instance === null && !b.backend_alive) {
    return `interrupted: the service stopped or lost its database connection during the import; ${KEPT}`;
  }
  return undefined;
}

/** Whether a process of this host is alive (a process of another user counts: EPERM). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
