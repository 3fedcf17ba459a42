import type { Knex } from 'knex';
import { runStatements } from './run-statements';

/** API keys: only a SHA-256 hash of each key is stored; a key may be limited to the authorities it writes for. */
export async function up(knex: Knex): Promise<void> {
  await runStatements(knex, [
    `create table api_keys (
      id integer generated always as identity primary key,
      prefix text not null unique check (prefix ~ '^svm_[a-z0-9]{8}$'),
      key_hash char(64) not null unique check (key_hash ~ '^[0-9a-f]{64}$'),
      role text not null check (role in ('admin', 'submitter', 'analyst')),
      label text,
      created_at timestamptz not null default now(),
      last_used_at timestamptz,
      revoked_at timestamptz
    )`,
    `create table api_key_authorities (
      api_key_id integer not null references api_keys (id) on delete cascade,
      authority_id integer not null references authorities (id) on delete cascade,
      primary key (api_key_id, authority_id)
    )`,
  ]);
}

export async function down(knex: Knex): Promise<void> {
  await runStatements(knex, ['drop table api_key_authorities', 'drop table api_keys']);
}
