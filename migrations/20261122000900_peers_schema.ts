import type { Knex } from 'knex';
import { runStatements } from './run-statements';

/**
 * Peer groups of authorities, for benchmarking.
 *
 * - authority_clusters: the open similarity clusters an authority belongs to, one label per scheme (mySociety
 *   local-authority-similarity: composite, emissions profile, IMD deprivation quintile, rural-urban class, physical
 *   i.e. nation/region), loaded by the reference seed.
 * - peer_groups / peer_group_members: groups defined by an administrator (a name and the authorities in it).
 */
export async function up(knex: Knex): Promise<void> {
  await runStatements(knex, [
    `create table authority_clusters (
      authority_id integer not null references authorities (id) on delete cascade,
      scheme text not null check (scheme in ('composite', 'emissions', 'imd', 'ruc', 'physical')),
      label text not null check (length(btrim(label)) > 0),
      description text,
      source text not null,
      primary key (authority_id, scheme)
    )`,
    `create index authority_clusters_label_idx on authority_clusters (scheme, label)`,
    `create table peer_groups (
      id integer generated always as identity primary key,
      name text not null unique check (name ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
      description text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`,
    `create table peer_group_members (
      group_id integer not null references peer_groups (id) on delete cascade,
      authority_id integer not null references authorities (id) on delete cascade,
      primary key (group_id, authority_id)
    )`,
    `create index peer_group_members_authority_idx on peer_group_members (authority_id)`,
  ]);
}

export async function down(knex: Knex): Promise<void> {
  await runStatements(knex, ['drop table peer_group_members', 'drop table peer_groups', 'drop table authority_clusters']);
}
