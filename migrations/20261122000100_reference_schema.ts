import type { Knex } from 'knex';
import { runStatements } from './run-statements';

/** Reference data: authorities (councils, central government, other public bodies), their names and identifiers, CPV. */
export async function up(knex: Knex): Promise<void> {
  await runStatements(knex, [
    `create table authorities (
      id integer generated always as identity primary key,
      code text not null unique check (code ~ '^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$'),
      name text not null check (length(btrim(name)) > 0),
      short_name text,
      kind text not null check (kind in ('local_authority', 'central_department', 'executive_agency', 'ndpb',
        'nhs_body', 'housing_association', 'police', 'fire', 'other')),
      subtype text,
      nation text check (nation in ('England', 'Scotland', 'Wales', 'Northern Ireland')),
      region text,
      population integer check (population >= 0),
      area_km2 numeric(12, 3) check (area_km2 >= 0),
      latitude numeric(9, 6) check (latitude between -90 and 90),
      longitude numeric(9, 6) check (longitude between -180 and 180),
      parent_id integer references authorities (id) on delete set null,
      combined_authority_id integer references authorities (id) on delete set null,
      local_code text,
      govuk_slug text,
      start_date date,
      source text not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      check (parent_id is null or parent_id <> id),
      check (combined_authority_id is null or combined_authority_id <> id)
    )`,
    `create index authorities_kind_idx on authorities (kind, subtype)`,
    `create index authorities_nation_region_idx on authorities (nation, region)`,
    `create table authority_names (
      authority_id integer not null references authorities (id) on delete cascade,
      name text not null check (length(btrim(name)) > 0),
      name_normalised text not null check (length(name_normalised) > 0),
      source text not null,
      primary key (authority_id, name_normalised)
    )`,
    `create index authority_names_normalised_idx on authority_names (name_normalised)`,
    `create table authority_identifiers (
      scheme text not null check (scheme ~ '^[A-Z]{2}-[A-Z0-9-]+$'),
      identifier text not null check (length(identifier) > 0),
      authority_id integer not null references authorities (id) on delete cascade,
      is_current boolean not null default true,
      primary key (scheme, identifier)
    )`,
    `create index authority_identifiers_authority_idx on authority_identifiers (authority_id)`,
    `create table cpv_divisions (
      code char(2) primary key check (code ~ '^[0-9]{2}$'),
      cpv_code text not null unique,
      label text not null
    )`,
    `create table cpv_codes (
      code8 char(8) primary key check (code8 ~ '^[0-9]{8}$'),
      code text not null unique check (code ~ '^[0-9]{8}-[0-9]$'),
      division char(2) not null references cpv_divisions (code),
      level text not null check (level in ('division', 'group', 'class', 'category', 'subcategory')),
      parent_code8 char(8) references cpv_codes (code8) deferrable initially deferred,
      label text not null,
      check (left(code8, 2) = division)
    )`,
    `create index cpv_codes_division_idx on cpv_codes (division)`,
    `create table reference_datasets (
      name text primary key,
      sha256 char(64) not null check (sha256 ~ '^[0-9a-f]{64}$'),
      row_count integer not null check (row_count >= 0),
      source text not null,
      licence text not null,
      loaded_at timestamptz not null default now()
    )`,
  ]);
}

export async function down(knex: Knex): Promise<void> {
  await runStatements(knex, [
    'drop table reference_datasets',
    'drop table cpv_codes',
    'drop table cpv_divisions',
    'drop table authority_identifiers',
    'drop table authority_names',
    'drop table authorities',
  ]);
}
