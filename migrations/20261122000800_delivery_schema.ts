import type { Knex } from 'knex';
import { runStatements } from './run-statements';

const RATING = `text not null check (rating in ('good', 'approaching_target', 'requires_improvement', 'inadequate', 'other'))`;

/**
 * A rollup by authority x quarter (without the sector) kept equal to the sum of a finer rollup's rows by statement
 * triggers that add the inserted rows and subtract the deleted ones (an update: both), whoever writes the source:
 * incremental refreshes, rebuilds, repricing. Sums are exact (numeric), rows reaching a zero count are removed, keys
 * that do not move are not written; deltas are applied in key order so that concurrent batches lock rows in the same
 * order. The cost of a trigger is in proportion to the rows its statement wrote (fill factor 70: most updates stay on
 * their page and leave the index alone).
 */
interface Compact {
  source: string;
  target: string;
  keys: Array<[column: string, type: string, expression: string]>;
  /** The column that counts source rows in the target row (the target row goes when it reaches 0). */
  count: string;
  /** What each source row brings, negated for a row that goes; `carry`: columns the sums filter on. */
  rows: Array<[name: string, expression: string]>;
  carry?: Array<[name: string, expression: string]>;
  sums: Array<[column: string, type: string, aggregate: string]>;
  join?: string;
}

const MONEY_BASES = ['nominal', 'real', 'net'] as const;
const CATEGORIES = ['local_economic', 'social', 'environmental'] as const;
const CONTRACT_COUNTS = ['contracts', 'awarded', 'in_scope', 'sv_evaluated', 'sv_weighted_10', 'sv_weighting_count', 'demo_count'];
const CONTRACT_MONEY = ['awarded_value_gbp', 'in_scope_value_gbp', 'sv_evaluated_value_gbp', 'sv_weighted_10_value_gbp', 'sv_weighting_sum',
  'supplier_known_value_gbp', 'sme_value_gbp', 'vcse_value_gbp'];

const COMPACTS: Compact[] = [
  {
    source: 'contract_rollups',
    target: 'indicator_contract_rollups',
    keys: [['authority_id', 'integer not null references authorities (id) on delete cascade', 'r.authority_id'], ['award_quarter', 'date', 'r.award_quarter']],
    count: 'contracts',
    rows: [...CONTRACT_COUNTS, ...CONTRACT_MONEY].map((c) => [c, `r.${c}`]),
    sums: [
      ...CONTRACT_COUNTS.map((c): [string, string, string] => [c, 'integer not null default 0', `sum(${c})`]),
      ...CONTRACT_MONEY.map((c): [string, string, string] => [c, 'numeric not null default 0', `sum(${c})`]),
    ],
  },
  {
    source: 'measure_rollups',
    target: 'indicator_social_rollups',
    keys: [
      ['authority_id', 'integer not null references authorities (id) on delete cascade', 'r.authority_id'],
      ['quarter', 'date not null', 'r.quarter'],
      ['framework_id', 'integer not null references frameworks (id) on delete cascade', 'm.framework_id'],
    ],
    count: 'cells',
    rows: [['cells', '1'], ...MONEY_BASES.map((b): [string, string] => [`${b}_gbp`, `coalesce(r.${b}_gbp, 0)`])],
    carry: [['category', 'm.category']],
    sums: [
      ['cells', 'integer not null default 0', 'sum(cells)'],
      ...CATEGORIES.flatMap((c) => MONEY_BASES.map((b): [string, string, string] =>
        [`${c}_${b}_gbp`, 'numeric not null default 0', `coalesce(sum(${b}_gbp) filter (where category = '${c}'), 0)`])),
    ],
    join: 'join measures m on m.id = r.measure_id',
  },
];

function compactStatements(c: Compact): string[] {
  const keys = c.keys.map(([k]) => k);
  const sums = c.sums.map(([k]) => k);
  const select = (from: string, sign: string) =>
    `select ${[...c.keys.map(([k, , e]) => `${e} as ${k}`), ...(c.carry ?? []).map(([k, e]) => `${e} as ${k}`), ...c.rows.map(([k, e]) => `${sign}${e} as ${k}`)].join(', ')}
     from ${from} r ${c.join ?? ''}`;
  const aggregate = (parts: string[], moving: boolean) =>
    `select ${[...keys, ...c.sums.map(([, , a]) => a)].join(', ')} from (${parts.join(' union all ')}) d
     group by ${keys.map((_, i) => i + 1).join(', ')}
     ${moving ? `having ${c.sums.map(([, , a]) => `${a} <> 0`).join(' or ')} order by ${keys.map((_, i) => i + 1).join(', ')}` : ''}`;
  const apply = (parts: string[]) =>
    `insert into ${c.target} (${[...keys, ...sums].join(', ')})
     ${aggregate(parts, true)}
     on conflict (${keys.join(', ')}) do update set ${sums.map((k) => `${k} = ${c.target}.${k} + excluded.${k}`).join(', ')};
     delete from ${c.target} where ${c.count} = 0;`;
  const fn = (op: string, body: string) =>
    `create function ${c.target}_${op}() returns trigger language plpgsql as $$ begin ${body} return null; end $$`;
  return [
    `create table ${c.target} (${[...c.keys, ...c.sums].map(([k, type]) => `${k} ${type}`).join(', ')}) with (fillfactor = 70)`,
    `create unique index ${c.target}_key_idx on ${c.target} (${keys.join(', ')}) nulls not distinct`,
    `create index ${c.target}_empty_idx on ${c.target} (${c.count}) where ${c.count} = 0`,
    // what the source already holds
    `insert into ${c.target} (${[...keys, ...sums].join(', ')}) ${aggregate([select(c.source, '')], false)}`,
    fn('ins', apply([select('rollup_new', '')])),
    fn('upd', apply([select('rollup_new', ''), select('rollup_old', '-')])),
    fn('del', apply([select('rollup_old', '-')])),
    `create trigger ${c.target}_ins after insert on ${c.source} referencing new table as rollup_new for each statement execute function ${c.target}_ins()`,
    `create trigger ${c.target}_upd after update on ${c.source} referencing old table as rollup_old new table as rollup_new
      for each statement execute function ${c.target}_upd()`,
    `create trigger ${c.target}_del after delete on ${c.source} referencing old table as rollup_old for each statement execute function ${c.target}_del()`,
  ];
}

/**
 * The delivery rollups, by authority x sector x award quarter and by authority x award quarter (x framework for £):
 * sums over delivery_contracts (and their delivery_measures), moved by the delivery refresher itself by the difference
 * of each refresh (no triggers). A row reaching 0 contracts is removed by the same refresh (the partial index finds it).
 */
const DELIVERY_COUNTS = ['rating_good', 'rating_approaching_target', 'rating_requires_improvement', 'rating_inadequate', 'rating_other', 'active',
  'active_returned', 'demo_count'];
const DELIVERY_MONEY = ['contract_value_gbp', ...['committed', 'expected', 'delivered'].flatMap((a) => MONEY_BASES.map((b) => `${a}_${b}_gbp`))];
const AUTHORITY = 'authority_id integer not null references authorities (id) on delete cascade';
const FRAMEWORK = 'framework_id integer not null references frameworks (id) on delete cascade';
const DELIVERY_LEVELS: Array<{ table: string; keys: string[]; counts: string[]; money: string[] }> = [
  { table: 'delivery_rollups', keys: [AUTHORITY, 'sector char(2)', 'award_quarter date'], counts: DELIVERY_COUNTS, money: [] },
  { table: 'delivery_authority_rollups', keys: [AUTHORITY, 'award_quarter date'], counts: DELIVERY_COUNTS, money: [] },
  { table: 'delivery_value_rollups', keys: [AUTHORITY, 'sector char(2)', 'award_quarter date', FRAMEWORK], counts: ['valued_contracts'], money: DELIVERY_MONEY },
  { table: 'delivery_value_authority_rollups', keys: [AUTHORITY, 'award_quarter date', FRAMEWORK], counts: ['valued_contracts'], money: DELIVERY_MONEY },
];

const DIRTY_TRIGGERS = [
  ['outcomes', 'delivery_mark_outcomes'],
  ['commitments', 'delivery_mark_commitments'],
] as const;

/** The columns of a contract its delivery row depends on. */
const CONTRACT_FIELDS = ['authority_id', 'sector', 'award_date', 'value_gbp', 'stage', 'start_date', 'end_date', 'is_demo'];

function levelStatements(l: (typeof DELIVERY_LEVELS)[number]): string[] {
  const columns = [
    ...l.keys,
    'contracts integer not null',
    ...l.counts.map((c) => `${c} integer not null default 0`),
    ...l.money.map((c) => `${c} numeric not null default 0`),
  ];
  return [
    `create table ${l.table} (${columns.join(', ')}) with (fillfactor = 70)`,
    `create unique index ${l.table}_key_idx on ${l.table} (${l.keys.map((k) => k.split(' ')[0]).join(', ')}) nulls not distinct`,
    `create index ${l.table}_empty_idx on ${l.table} (contracts) where contracts = 0`,
  ];
}

/**
 * Commitment vs delivery, stored as of one date (the end of the last closed calendar quarter, so the figures stay
 * stable within a quarter), kept current by the delivery refresher (metrics/indicators/delivery.refresher.ts) in the
 * transaction of every import batch, and rebuilt when the quarter rolls over.
 *
 * - delivery_state: one row: the as-of date of every stored figure, an as-of date fixed by an operator (null: the last
 *   closed quarter), and the rating thresholds the ratings were computed with.
 * - delivery_measures: contract x measure with a latest commitment: committed, expected-to-date and delivered-to-date
 *   quantities (canonical unit), ratio and s.71 rating, their £ at the measure's factor for the as-of year.
 * - delivery_contracts: contracts with a latest commitment: the key they count under, their measures by rating, their
 *   overall rating, and whether they were active in the as-of quarter and sent a return for it.
 * - delivery_dirty_*: what changed since the last refresh (statement triggers on outcomes, commitments, contracts), so
 *   a refresh reads the changes rather than every row of the contracts they belong to.
 * - delivery_rollups, delivery_value_rollups and their sums over sectors delivery_authority_rollups,
 *   delivery_value_authority_rollups: by authority (x sector) x award quarter (x framework for £), moved by the refresher.
 * - indicator_contract_rollups, indicator_social_rollups: contract_rollups and measure_rollups (by category and
 *   framework) summed over sectors by authority x quarter, kept by statement triggers. The implementation indicators
 *   read the by-authority levels unless a sector is asked for.
 * No foreign keys on the stored figures: they are derived from rows whose own keys hold (a deleted contract's rows
 * stay until the refresh that follows removes them, so the refresh still knows which keys they counted under).
 * Fill factor 70 on the tables updated in place: most updates stay on their page and leave the indexes alone.
 */
export async function up(knex: Knex): Promise<void> {
  await runStatements(knex, [
    `create table delivery_state (
      id boolean primary key default true check (id),
      as_of date,
      as_of_fixed date,
      threshold_good numeric not null default 0.95,
      threshold_approaching numeric not null default 0.8,
      threshold_requires numeric not null default 0.5,
      refreshed_at timestamptz,
      rebuilt_at timestamptz,
      check (threshold_good <= 10 and threshold_good > threshold_approaching and threshold_approaching > threshold_requires
        and threshold_requires > 0)
    )`,
    `create table delivery_measures (
      contract_id bigint not null,
      measure_id integer not null,
      framework_id integer not null,
      commitments integer not null check (commitments > 0),
      committed numeric not null,
      expected numeric not null,
      delivered numeric not null,
      ratio numeric,
      rating ${RATING},
      ${DELIVERY_MONEY.slice(1).map((c) => `${c} numeric`).join(',\n      ')},
      primary key (contract_id, measure_id)
    ) with (fillfactor = 70)`,
    `create table delivery_contracts (
      contract_id bigint primary key,
      authority_id integer not null,
      sector char(2),
      award_quarter date,
      value_gbp numeric(20, 2),
      measures integer not null check (measures > 0),
      measures_inadequate integer not null default 0,
      measures_requires_improvement integer not null default 0,
      measures_approaching_target integer not null default 0,
      measures_good integer not null default 0,
      rating ${RATING},
      active boolean not null,
      returned boolean not null,
      is_demo boolean not null default false
    )`,
    // what changed since the last refresh, recorded by statement triggers (every path that writes outcomes or
    // commitments): each latest outcome revision that appeared (+1) or went (-1), and each contract x measure whose
    // commitments changed
    `create table delivery_dirty_outcomes (
      contract_id bigint not null,
      measure_id integer not null,
      period_start date not null,
      period_end date not null,
      quantity numeric not null,
      sign smallint not null check (sign in (-1, 1))
    )`,
    `create table delivery_dirty_commitments (contract_id bigint not null, measure_id integer not null)`,
    `create table delivery_dirty_contracts (contract_id bigint not null)`,
    `create function delivery_mark_outcomes() returns trigger language plpgsql as $$
     begin
       if tg_op in ('INSERT', 'UPDATE') then
         insert into delivery_dirty_outcomes
           select contract_id, measure_id, period_start, period_end, quantity_canonical, 1 from delivery_new where is_latest;
       end if;
       if tg_op in ('DELETE', 'UPDATE') then
         insert into delivery_dirty_outcomes
           select contract_id, measure_id, period_start, period_end, quantity_canonical, -1 from delivery_old where is_latest;
       end if;
       return null;
     end $$`,
    `create function delivery_mark_commitments() returns trigger language plpgsql as $$
     begin
       if tg_op in ('INSERT', 'UPDATE') then
         insert into delivery_dirty_commitments select distinct contract_id, measure_id from delivery_new;
       end if;
       if tg_op in ('DELETE', 'UPDATE') then
         insert into delivery_dirty_commitments select distinct contract_id, measure_id from delivery_old;
       end if;
       return null;
     end $$`,
    // a contract's key, value, activity or demo flag (a new contract has no commitment yet; a deleted one takes its
    // commitments with it)
    `create function delivery_mark_contracts() returns trigger language plpgsql as $$
     begin
       insert into delivery_dirty_contracts
         select n.id from delivery_old o join delivery_new n on n.id = o.id
         where ${CONTRACT_FIELDS.map((f) => `o.${f} is distinct from n.${f}`).join(' or ')};
       return null;
     end $$`,
    `create trigger contracts_delivery_upd after update on contracts referencing old table as delivery_old new table as delivery_new
      for each statement execute function delivery_mark_contracts()`,
    ...DIRTY_TRIGGERS.flatMap(([table, fn]) => [
      `create trigger ${table}_delivery_ins after insert on ${table} referencing new table as delivery_new for each statement execute function ${fn}()`,
      `create trigger ${table}_delivery_upd after update on ${table} referencing old table as delivery_old new table as delivery_new
        for each statement execute function ${fn}()`,
      `create trigger ${table}_delivery_del after delete on ${table} referencing old table as delivery_old for each statement execute function ${fn}()`,
    ]),
    ...DELIVERY_LEVELS.flatMap(levelStatements),
    ...COMPACTS.flatMap(compactStatements),
  ]);
}

export async function down(knex: Knex): Promise<void> {
  await runStatements(knex, [
    ...DIRTY_TRIGGERS.flatMap(([table]) => ['ins', 'upd', 'del'].map((op) => `drop trigger ${table}_delivery_${op} on ${table}`)),
    'drop trigger contracts_delivery_upd on contracts',
    'drop function delivery_mark_contracts()',
    'drop function delivery_mark_commitments()',
    'drop function delivery_mark_outcomes()',
    'drop table delivery_dirty_contracts',
    'drop table delivery_dirty_commitments',
    'drop table delivery_dirty_outcomes',
    ...COMPACTS.flatMap((c) => [
      ...['ins', 'upd', 'del'].map((op) => `drop trigger ${c.target}_${op} on ${c.source}`),
      ...['ins', 'upd', 'del'].map((op) => `drop function ${c.target}_${op}()`),
      `drop table ${c.target}`,
    ]),
    ...DELIVERY_LEVELS.map((l) => `drop table ${l.table}`),
    'drop table delivery_contracts',
    'drop table delivery_measures',
    'drop table delivery_state',
  ]);
}
