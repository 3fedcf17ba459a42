import type { Knex } from 'knex';
import { runStatements } from './run-statements';

const RATING = `text not null check (rating in ('good', 'approaching_target', 'requires_improvement', 'inadequate', 'other'))`;

/**
 * A rollup by authority x quarter (without the sector) kept equal to the sum of a finer rollup's rows by statement
 * triggers that add the inserted rows and subtract the deleted ones (an update: both), whoever writes the source:
 * incremental refreshes, rebuilds, repricing. Sums are exact (numeric), rows reaching a zero count are removed; deltas
 * are applied in key order so that concurrent batches lock rows in the same order.
 */
interface Compact {
  source: string;
  target: string;
  keys: Array<[column: string, type: string, expression: string]>;
  /** The column that counts source rows in the target row (the target row goes when it reaches 0). */
  count: string;
  sums: Array<[column: string, type: string, expression: string]>;
  join?: string;
}

const MONEY_BASES = ['nominal', 'real', 'net'] as const;
const CATEGORIES = ['local_economic', 'social', 'environmental'] as const;
const same = (columns: string[], type: string): Array<[string, string, string]> => columns.map((c) => [c, type, `r.${c}`]);

const COMPACTS: Compact[] = [
  {
    source: 'contract_rollups',
    target: 'indicator_contract_rollups',
    keys: [['authority_id', 'integer not null references authorities (id) on delete cascade', 'r.authority_id'], ['award_quarter', 'date', 'r.award_quarter']],
    count: 'contracts',
    sums: [
      ...same(['contracts', 'awarded', 'in_scope', 'sv_evaluated', 'sv_weighted_10', 'sv_weighting_count', 'demo_count'], 'integer not null default 0'),
      ...same(['awarded_value_gbp', 'in_scope_value_gbp', 'sv_evaluated_value_gbp', 'sv_weighted_10_value_gbp', 'sv_weighting_sum',
        'supplier_known_value_gbp', 'sme_value_gbp', 'vcse_value_gbp'], 'numeric not null default 0'),
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
    sums: [
      ['cells', 'integer not null default 0', '1'],
      ...CATEGORIES.flatMap((c) => MONEY_BASES.map((b): [string, string, string] =>
        [`${c}_${b}_gbp`, 'numeric not null default 0', `case when m.category = '${c}' then coalesce(r.${b}_gbp, 0) else 0 end`])),
    ],
    join: 'join measures m on m.id = r.measure_id',
  },
  {
    source: 'delivery_rollups',
    target: 'delivery_authority_rollups',
    keys: [['authority_id', 'integer not null references authorities (id) on delete cascade', 'r.authority_id'], ['award_quarter', 'date', 'r.award_quarter']],
    count: 'contracts',
    sums: same(['contracts', 'rating_good', 'rating_approaching_target', 'rating_requires_improvement', 'rating_inadequate', 'rating_other',
      'active', 'active_returned', 'demo_count'], 'integer not null default 0'),
  },
  {
    source: 'delivery_value_rollups',
    target: 'delivery_value_authority_rollups',
    keys: [
      ['authority_id', 'integer not null references authorities (id) on delete cascade', 'r.authority_id'],
      ['award_quarter', 'date', 'r.award_quarter'],
      ['framework_id', 'integer not null references frameworks (id) on delete cascade', 'r.framework_id'],
    ],
    count: 'contracts',
    sums: [
      ...same(['contracts', 'valued_contracts'], 'integer not null default 0'),
      ...same(['contract_value_gbp', ...['committed', 'expected', 'delivered'].flatMap((a) => MONEY_BASES.map((b) => `${a}_${b}_gbp`))], 'numeric not null default 0'),
    ],
  },
];

function compactStatements(c: Compact): string[] {
  const keys = c.keys.map(([k]) => k);
  const sums = c.sums.map(([k]) => k);
  const select = (from: string, sign: string) =>
    `select ${[...c.keys.map(([k, , e]) => `${e} as ${k}`), ...c.sums.map(([k, , e]) => `${sign}(${e}) as ${k}`)].join(', ')}
     from ${from} r ${c.join ?? ''}`;
  const apply = (parts: string[]) =>
    `insert into ${c.target} (${[...keys, ...sums].join(', ')})
     select ${[...keys, ...sums.map((k) => `sum(${k})`)].join(', ')} from (${parts.join(' union all ')}) d
     group by ${keys.map((_, i) => i + 1).join(', ')} order by ${keys.map((_, i) => i + 1).join(', ')}
     on conflict (${keys.join(', ')}) do update set ${sums.map((k) => `${k} = ${c.target}.${k} + excluded.${k}`).join(', ')};
     delete from ${c.target} where ${c.count} = 0;`;
  const fn = (op: string, body: string) =>
    `create function ${c.target}_${op}() returns trigger language plpgsql as $$ begin ${body} return null; end $$`;
  return [
    `create table ${c.target} (${[...c.keys, ...c.sums].map(([k, type]) => `${k} ${type}`).join(', ')})`,
    `create unique index ${c.target}_key_idx on ${c.target} (${keys.join(', ')}) nulls not distinct`,
    `create index ${c.target}_empty_idx on ${c.target} (${c.count}) where ${c.count} = 0`,
    // what the source already holds
    `insert into ${c.target} (${[...keys, ...sums].join(', ')})
     select ${[...keys, ...sums.map((k) => `sum(${k})`)].join(', ')} from (${select(c.source, '')}) d group by ${keys.map((_, i) => i + 1).join(', ')}`,
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
 * Commitment vs delivery, stored as of one date (the end of the last closed calendar quarter, so the figures stay
 * stable within a quarter), kept current by the delivery refresher (metrics/indicators/delivery.refresher.ts) in the
 * transaction of every import batch, and rebuilt when the quarter rolls over.
 *
 * - delivery_state: one row: the as-of date of every stored figure, an as-of date fixed by an operator (null: the last
 *   closed quarter), and the rating thresholds the ratings were computed with.
 * - delivery_measures: contract x measure with a latest commitment: committed, expected-to-date and delivered-to-date
 *   quantities (canonical unit), their £ at the measure's factor for the as-of year, ratio and s.71 rating.
 * - delivery_contracts: contracts with a latest commitment: the key they count under, their overall rating, and
 *   whether they were active in the as-of quarter and sent a return for it.
 * - delivery_rollups, delivery_value_rollups: the same by authority x sector x award quarter (x framework for £).
 * - indicator_contract_rollups, indicator_social_rollups, delivery_authority_rollups, delivery_value_authority_rollups:
 *   contract_rollups, measure_rollups (by category and framework) and the two above summed over sectors, kept equal to
 *   them by statement triggers: what the implementation indicators read unless a sector is asked for.
 * No foreign key to contracts: a deleted contract's rows stay until the refresh that follows removes them, so the
 * refresh still knows which rollup keys they counted under.
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
      measure_id integer not null references measures (id) on delete cascade,
      commitments integer not null check (commitments > 0),
      committed numeric not null,
      expected numeric not null,
      delivered numeric not null,
      ratio numeric,
      rating ${RATING},
      committed_nominal_gbp numeric,
      committed_real_gbp numeric,
      committed_net_gbp numeric,
      expected_nominal_gbp numeric,
      expected_real_gbp numeric,
      expected_net_gbp numeric,
      delivered_nominal_gbp numeric,
      delivered_real_gbp numeric,
      delivered_net_gbp numeric,
      primary key (contract_id, measure_id)
    )`,
    `create table delivery_contracts (
      contract_id bigint primary key,
      authority_id integer not null references authorities (id) on delete cascade,
      sector char(2),
      award_quarter date,
      value_gbp numeric(20, 2),
      rating ${RATING},
      active boolean not null,
      returned boolean not null,
      is_demo boolean not null default false
    )`,
    `create index delivery_contracts_key_idx on delivery_contracts (authority_id, sector, award_quarter)`,
    `create table delivery_rollups (
      authority_id integer not null references authorities (id) on delete cascade,
      sector char(2),
      award_quarter date,
      contracts integer not null check (contracts > 0),
      rating_good integer not null default 0,
      rating_approaching_target integer not null default 0,
      rating_requires_improvement integer not null default 0,
      rating_inadequate integer not null default 0,
      rating_other integer not null default 0,
      active integer not null default 0,
      active_returned integer not null default 0,
      demo_count integer not null default 0
    )`,
    `create unique index delivery_rollups_key_idx on delivery_rollups (authority_id, sector, award_quarter) nulls not distinct`,
    `create table delivery_value_rollups (
      authority_id integer not null references authorities (id) on delete cascade,
      sector char(2),
      award_quarter date,
      framework_id integer not null references frameworks (id) on delete cascade,
      contracts integer not null check (contracts > 0),
      valued_contracts integer not null default 0,
      contract_value_gbp numeric not null default 0,
      committed_nominal_gbp numeric not null default 0,
      committed_real_gbp numeric not null default 0,
      committed_net_gbp numeric not null default 0,
      expected_nominal_gbp numeric not null default 0,
      expected_real_gbp numeric not null default 0,
      expected_net_gbp numeric not null default 0,
      delivered_nominal_gbp numeric not null default 0,
      delivered_real_gbp numeric not null default 0,
      delivered_net_gbp numeric not null default 0
    )`,
    `create unique index delivery_value_rollups_key_idx on delivery_value_rollups (authority_id, sector, award_quarter, framework_id) nulls not distinct`,
    ...COMPACTS.flatMap(compactStatements),
  ]);
}

export async function down(knex: Knex): Promise<void> {
  await runStatements(knex, [
    ...COMPACTS.flatMap((c) => [
      ...['ins', 'upd', 'del'].map((op) => `drop trigger ${c.target}_${op} on ${c.source}`),
      ...['ins', 'upd', 'del'].map((op) => `drop function ${c.target}_${op}()`),
      `drop table ${c.target}`,
    ]),
    'drop table delivery_value_rollups',
    'drop table delivery_rollups',
    'drop table delivery_contracts',
    'drop table delivery_measures',
    'drop table delivery_state',
  ]);
}
