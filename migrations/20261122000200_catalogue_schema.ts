import type { Knex } from 'knex';
import { runStatements } from './run-statements';

/**
 * The measures catalogue: frameworks (versioned) -> themes -> policy outcomes -> measures -> proxy values per price year,
 * with unit conversions, deflator series and a crosswalk between frameworks. A proxy value applies to outcomes of its
 * price_year; price_base_year, when set, says the value is in another year's prices (DESNZ carbon values for each
 * emission year are all in 2022 prices).
 */
export async function up(knex: Knex): Promise<void> {
  await runStatements(knex, [
    `create table frameworks (
      id integer generated always as identity primary key,
      code text not null check (code ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
      version text not null check (length(btrim(version)) > 0),
      name text not null check (length(btrim(name)) > 0),
      publisher text,
      licence text not null check (length(btrim(licence)) > 0),
      source text not null check (length(btrim(source)) > 0),
      base_price_year smallint not null check (base_price_year between 1990 and 2100),
      currency char(3) not null default 'GBP' check (currency ~ '^[A-Z]{3}$'),
      description text,
      is_default boolean not null default false,
      content_sha256 char(64) not null check (content_sha256 ~ '^[0-9a-f]{64}$'),
      created_at timestamptz not null default now(),
      unique (code, version)
    )`,
    `create unique index frameworks_one_default_idx on frameworks (is_default) where is_default`,
    `create table themes (
      id integer generated always as identity primary key,
      framework_id integer not null references frameworks (id) on delete cascade,
      code text not null check (length(btrim(code)) > 0),
      name text not null check (length(btrim(name)) > 0),
      sort_order integer not null default 0,
      unique (framework_id, code)
    )`,
    `create table policy_outcomes (
      id integer generated always as identity primary key,
      theme_id integer not null references themes (id) on delete cascade,
      code text not null check (length(btrim(code)) > 0),
      name text not null check (length(btrim(name)) > 0),
      unique (theme_id, code)
    )`,
    `create table measures (
      id integer generated always as identity primary key,
      framework_id integer not null references frameworks (id) on delete cascade,
      theme_id integer not null references themes (id) on delete cascade,
      policy_outcome_id integer references policy_outcomes (id) on delete set null,
      code text not null check (length(btrim(code)) > 0),
      name text not null check (length(btrim(name)) > 0),
      description text,
      unit text not null check (length(btrim(unit)) > 0),
      category text not null check (category in ('local_economic', 'social', 'environmental')),
      valuation text not null check (valuation in ('proxy', 'wellbeing', 'record_only')),
      deadweight numeric(6, 5) not null default 0 check (deadweight between 0 and 1),
      displacement numeric(6, 5) not null default 0 check (displacement between 0 and 1),
      attribution numeric(6, 5) not null default 0 check (attribution between 0 and 1),
      drop_off numeric(6, 5) not null default 0 check (drop_off between 0 and 1),
      duration_years smallint not null default 1 check (duration_years between 1 and 100),
      unique (framework_id, code)
    )`,
    `create index measures_theme_idx on measures (theme_id)`,
    `create table proxy_values (
      id integer generated always as identity primary key,
      measure_id integer not null references measures (id) on delete cascade,
      price_year smallint not null check (price_year between 1990 and 2100),
      value_gbp numeric(20, 6) not null check (value_gbp >= 0),
      price_base_year smallint check (price_base_year between 1990 and 2100),
      source text not null check (length(btrim(source)) > 0),
      licence text not null check (length(btrim(licence)) > 0),
      note text,
      unique (measure_id, price_year)
    )`,
    `create table unit_conversions (
      id integer generated always as identity primary key,
      measure_id integer references measures (id) on delete cascade,
      from_unit text not null check (length(btrim(from_unit)) > 0),
      to_unit text not null check (length(btrim(to_unit)) > 0),
      factor numeric(30, 12) not null check (factor > 0),
      check (from_unit <> to_unit),
      unique nulls not distinct (measure_id, from_unit, to_unit)
    )`,
    `create table deflators (
      series text not null check (length(btrim(series)) > 0),
      year smallint not null check (year between 1900 and 2100),
      index_value numeric(20, 8) not null check (index_value > 0),
      source text not null check (length(btrim(source)) > 0),
      primary key (series, year)
    )`,
    `create table measure_crosswalk (
      id integer generated always as identity primary key,
      from_framework_id integer not null references frameworks (id) on delete cascade,
      from_measure_code text not null check (length(btrim(from_measure_code)) > 0),
      to_measure_id integer not null references measures (id) on delete cascade,
      factor numeric(30, 12) not null default 1 check (factor > 0),
      note text,
      unique (from_framework_id, from_measure_code, to_measure_id)
    )`,
  ]);
}

export async function down(knex: Knex): Promise<void> {
  await runStatements(knex, [
    'drop table measure_crosswalk',
    'drop table deflators',
    'drop table unit_conversions',
    'drop table proxy_values',
    'drop table measures',
    'drop table policy_outcomes',
    'drop table themes',
    'drop table frameworks',
  ]);
}
