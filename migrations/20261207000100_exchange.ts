import type { Knex } from 'knex';
import { runStatements } from './run-statements';

/**
 * The exchange: community organisations post needs, suppliers pledge resources against a contract's commitment, the
 * matching run proposes an allocation, both sides accept, the supplier delivers and the community organisation confirms.
 *
 * - authority_neighbours: each district's geographic neighbours as ONS lists them (boundary-sharing first, then nearby),
 *   loaded by the reference seed; matching prefers a neighbour to a farther place.
 * - exchange_organisations: community organisations (VCSEs), identified in the org-id scheme (GB-CHC-..., GB-COH-...),
 *   with the authorities they serve. No person's name is stored anywhere in the exchange.
 * - exchange_needs / exchange_pledges: what is asked and offered, in the unit sent and in the measure's own unit
 *   (`quantity_measure`, what matching and counting use). `matched` is the quantity held by accepted, delivered and
 *   confirmed matches, kept by a trigger on exchange_matches; `check (matched <= quantity_measure)` is what makes
 *   over-allocation impossible whoever writes, even two acceptances at the same moment (the second waits on the row
 *   lock, then fails the check).
 * - exchange_matches: a pledge's quantity for a need, moving proposed -> accepted (both sides) -> delivered ->
 *   confirmed, or declined / cancelled / expired; exchange_transitions records every move, with the key that made it.
 * - exchange_runs: each matching run, its objective's figures and the greedy baseline's.
 * - import_batches.kind gains needs and pledges (bulk imports) and exchange (a confirmed delivery's outcome return);
 *   api_keys gains the community and supplier roles, each scoped to its organisation or supplier.
 */
export async function up(knex: Knex): Promise<void> {
  await runStatements(knex, [
    `alter table import_batches drop constraint import_batches_kind_check`,
    `alter table import_batches add constraint import_batches_kind_check
      check (kind in ('contracts', 'commitments', 'outcomes', 'ocds', 'framework', 'payments', 'needs', 'pledges', 'exchange'))`,
    `create table authority_neighbours (
      authority_id integer not null references authorities (id) on delete cascade,
      neighbour_id integer not null references authorities (id) on delete cascade,
      rank smallint not null check (rank >= 1),
      shares_boundary boolean not null,
      primary key (authority_id, neighbour_id),
      check (neighbour_id <> authority_id)
    )`,
    `create table exchange_organisations (
      id integer generated always as identity primary key,
      identifier text not null unique check (identifier ~ '^[A-Z]{2}-[A-Z0-9]{2,10}-[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$'),
      name text not null check (length(btrim(name)) between 1 and 200),
      vcse boolean not null default true,
      is_demo boolean not null default false,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`,
    `create table exchange_organisation_authorities (
      organisation_id integer not null references exchange_organisations (id) on delete cascade,
      authority_id integer not null references authorities (id),
      primary key (organisation_id, authority_id)
    )`,
    `alter table api_keys drop constraint api_keys_role_check`,
    `alter table api_keys
      add column organisation_id integer references exchange_organisations (id),
      add column supplier_id bigint references suppliers (id),
      add constraint api_keys_role_check check (role in ('admin', 'submitter', 'analyst', 'community', 'supplier')),
      add constraint api_keys_scope_check check (
        (role = 'community') = (organisation_id is not null) and (role = 'supplier') = (supplier_id is not null))`,
    `create table exchange_needs (
      id bigint generated always as identity primary key,
      organisation_id integer not null references exchange_organisations (id),
      reference text check (length(btrim(reference)) between 1 and 100),
      title text not null check (length(btrim(title)) between 1 and 200),
      description text check (length(description) <= 4000),
      resource_kind text not null check (resource_kind in
        ('volunteer_hours', 'skilled_hours', 'equipment', 'cash', 'placement_weeks', 'venue_hours')),
      quantity numeric(24, 6) not null check (quantity > 0),
      unit text not null check (length(btrim(unit)) > 0),
      measure_id integer not null references measures (id),
      quantity_measure numeric(24, 6) not null check (quantity_measure > 0),
      matched numeric(24, 6) not null default 0 check (matched >= 0),
      authority_id integer not null references authorities (id),
      needed_by date,
      status text not null default 'open' check (status in ('open', 'withdrawn', 'expired')),
      batch_id bigint references import_batches (id) on delete set null,
      is_demo boolean not null default false,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      constraint exchange_needs_over_allocated check (matched <= quantity_measure),
      unique (organisation_id, reference)
    )`,
    `create index exchange_needs_open_idx on exchange_needs (measure_id, authority_id) where status = 'open'`,
    `create index exchange_needs_authority_idx on exchange_needs (authority_id)`,
    `create table exchange_pledges (
      id bigint generated always as identity primary key,
      supplier_id bigint not null references suppliers (id),
      contract_id bigint not null references contracts (id),
      measure_id integer not null references measures (id),
      reference text check (length(btrim(reference)) between 1 and 100),
      title text check (length(btrim(title)) between 1 and 200),
      resource_kind text not null check (resource_kind in
        ('volunteer_hours', 'skilled_hours', 'equipment', 'cash', 'placement_weeks', 'venue_hours')),
      quantity numeric(24, 6) not null check (quantity > 0),
      unit text not null check (length(btrim(unit)) > 0),
      quantity_measure numeric(24, 6) not null check (quantity_measure > 0),
      matched numeric(24, 6) not null default 0 check (matched >= 0),
      reach text not null default 'neighbours' check (reach in ('authority', 'neighbours', 'region', 'national')),
      available_from date not null,
      available_to date not null,
      status text not null default 'open' check (status in ('open', 'withdrawn', 'expired')),
      batch_id bigint references import_batches (id) on delete set null,
      is_demo boolean not null default false,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      constraint exchange_pledges_over_allocated check (matched <= quantity_measure),
      check (available_to >= available_from),
      unique (supplier_id, reference)
    )`,
    `create index exchange_pledges_open_idx on exchange_pledges (measure_id) where status = 'open'`,
    `create index exchange_pledges_contract_idx on exchange_pledges (contract_id)`,
    `create table exchange_pledge_places (
      pledge_id bigint not null references exchange_pledges (id) on delete cascade,
      authority_id integer not null references authorities (id),
      primary key (pledge_id, authority_id)
    )`,
    `create table exchange_runs (
      id bigint generated always as identity primary key,
      trigger text not null check (trigger in ('api', 'schedule', 'demo', 'cli')),
      api_key_id integer references api_keys (id) on delete set null,
      started_at timestamptz not null default now(),
      finished_at timestamptz,
      pledges integer not null default 0,
      needs integer not null default 0,
      proposals integer not null default 0,
      expired integer not null default 0,
      figures jsonb
    )`,
    `create table exchange_matches (
      id bigint generated always as identity primary key,
      pledge_id bigint not null references exchange_pledges (id),
      need_id bigint not null references exchange_needs (id),
      quantity numeric(24, 6) not null check (quantity > 0),
      status text not null default 'proposed' check (status in
        ('proposed', 'accepted', 'delivered', 'confirmed', 'declined', 'cancelled', 'expired')),
      community_accepted_at timestamptz,
      supplier_accepted_at timestamptz,
      run_id bigint references exchange_runs (id) on delete set null,
      relation text not null check (relation in ('same_authority', 'neighbour', 'same_region', 'national')),
      reason jsonb not null,
      delivered_on date,
      delivered_quantity numeric(24, 6) check (delivered_quantity > 0),
      outcome_batch_id bigint references import_batches (id) on delete set null,
      is_demo boolean not null default false,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      check (delivered_quantity is null or delivered_quantity <= quantity),
      check ((status in ('delivered', 'confirmed')) = (delivered_on is not null and delivered_quantity is not null)),
      check ((status = 'confirmed') = (outcome_batch_id is not null))
    )`,
    `create unique index exchange_matches_live_idx on exchange_matches (pledge_id, need_id)
      where status in ('proposed', 'accepted', 'delivered')`,
    `create index exchange_matches_need_idx on exchange_matches (need_id)`,
    `create index exchange_matches_status_idx on exchange_matches (status)`,
    `create table exchange_transitions (
      id bigint generated always as identity primary key,
      match_id bigint not null references exchange_matches (id) on delete cascade,
      from_status text,
      to_status text not null,
      side text check (side in ('community', 'supplier', 'broker', 'service')),
      api_key_id integer references api_keys (id) on delete set null,
      note text check (length(note) <= 1000),
      at timestamptz not null default clock_timestamp()
    )`,
    `create index exchange_transitions_match_idx on exchange_transitions (match_id, at)`,
    // The quantity a match holds of its pledge and need: accepted, delivered or confirmed (a proposal holds nothing).
    `create function exchange_match_hold() returns trigger language plpgsql as $$
      declare
        was numeric := 0;
        now_ numeric := 0;
      begin
        if tg_op in ('UPDATE', 'DELETE') and old.status in ('accepted', 'delivered', 'confirmed') then
          was := case when old.status = 'accepted' then old.quantity else old.delivered_quantity end;
          update exchange_pledges set matched = matched - was where id = old.pledge_id;
          update exchange_needs set matched = matched - was where id = old.need_id;
        end if;
        if tg_op in ('INSERT', 'UPDATE') and new.status in ('accepted', 'delivered', 'confirmed') then
          now_ := case when new.status = 'accepted' then new.quantity else new.delivered_quantity end;
          update exchange_pledges set matched = matched + now_ where id = new.pledge_id;
          update exchange_needs set matched = matched + now_ where id = new.need_id;
        end if;
        return null;
      end $$`,
    `create trigger exchange_matches_hold after insert or update of status, quantity, delivered_quantity or delete
      on exchange_matches for each row execute function exchange_match_hold()`,
    ...['exchange_organisations', 'exchange_organisation_authorities', 'exchange_needs', 'exchange_pledges', 'exchange_pledge_places', 'exchange_matches', 'exchange_transitions'].map(
      (t) => `create trigger ${t}_data_version after insert or update or delete or truncate on ${t}
        for each statement execute function data_version_mark()`,
    ),
  ]);
}

export async function down(knex: Knex): Promise<void> {
  await runStatements(knex, [
    'drop table exchange_transitions',
    'drop table exchange_matches',
    'drop function exchange_match_hold',
    'drop table exchange_runs',
    'drop table exchange_pledge_places',
    'drop table exchange_pledges',
    'drop table exchange_needs',
    `delete from api_keys where role in ('community', 'supplier')`,
    `alter table api_keys drop constraint api_keys_scope_check, drop constraint api_keys_role_check,
      drop column supplier_id, drop column organisation_id`,
    `alter table api_keys add constraint api_keys_role_check check (role in ('admin', 'submitter', 'analyst'))`,
    'drop table exchange_organisation_authorities',
    'drop table exchange_organisations',
    'drop table authority_neighbours',
    `delete from import_batches where kind in ('needs', 'pledges', 'exchange')`,
    `alter table import_batches drop constraint import_batches_kind_check`,
    `alter table import_batches add constraint import_batches_kind_check
      check (kind in ('contracts', 'commitments', 'outcomes', 'ocds', 'framework', 'payments'))`,
  ]);
}
