import type { Knex } from 'knex';
import { runStatements } from './run-statements';

/**
 * Who runs an import batch, so that a batch whose owner is gone can be failed while the service runs, not only at its
 * next start: the owning process (a random instance id, its host and pid) and its heartbeat (heartbeat_at, written
 * while the batch runs). A periodic check fails a batch whose owner stopped (its pid gone on this host, or no
 * heartbeat for a while) and terminates the database backend the dead process left, if it is still there.
 *
 * An Idempotency-Key names the batch that is not failed: a failed batch keeps its key (the record of the attempt) and
 * a retry with the same key runs the import again as a new batch; a committed, rejected or running one is still the
 * answer to a retry.
 */
export async function up(knex: Knex): Promise<void> {
  await runStatements(knex, [
    `alter table import_batches add column owner_instance text, add column owner_host text, add column owner_pid integer`,
    `drop index import_batches_idempotency_idx`,
    `create unique index import_batches_idempotency_idx on import_batches (api_key_id, kind, idempotency_key)
      where idempotency_key is not null and status <> 'failed'`,
    `create index import_batches_open_idx on import_batches (id) where status in ('received', 'running')`,
  ]);
}

export async function down(knex: Knex): Promise<void> {
  await runStatements(knex, [
    `drop index import_batches_open_idx`,
    `drop index import_batches_idempotency_idx`,
    // a key held by failed attempts and a later batch: only the latest keeps it
    `update import_batches b set idempotency_key = null
      where b.idempotency_key is not null and exists (
        select 1 from import_batches l where l.api_key_id is not distinct from b.api_key_id and l.kind = b.kind
          and l.idempotency_key = b.idempotency_key and l.id > b.id)`,
    `create unique index import_batches_idempotency_idx on import_batches (api_key_id, kind, idempotency_key)
      where idempotency_key is not null`,
    `alter table import_batches drop column owner_instance, drop column owner_host, drop column owner_pid`,
  ]);
}
