import type { Session } from '../platform/session';

/**
 * Every rollup level the reads use, described once: its table, keys and sums, and for a coarser level the finer level
 * it sums and how. One function moves any level by a signed difference (and every coarser level with it), one
 * rebuilds any level; the refreshers only compute the differences of the finest levels (metrics/derive/*).
 */
export interface Level {
  table: string;
  /** Key columns (the table has a unique index on them, nulls not distinct). */
  keys: readonly string[];
  /** Summed columns, in table order. */
  sums: readonly string[];
  /** The sum whose reaching 0 removes the row (a count of what the row sums). */
  count: string;
  /** Sums that stay null while every part is null (the £ of record-only measures), else 0-based. */
  nullable?: readonly string[];
  /** Sums kept at their shortest exact scale (trim_scale): £ of many small parts. */
  trim?: readonly string[];
  /** A coarser level: the sums of `level`'s rows `d` by other keys (an expression over `d` and `join` per key). */
  of?: { level: string; keys: Readonly<Record<string, string>>; sums?: Readonly<Record<string, string>>; join?: string };
}

const BASES = ['nominal', 'real', 'net'] as const;
const CATEGORIES = ['local_economic', 'social', 'environmental'] as const;
const MEASURE_MONEY = ['nominal_gbp', 'real_gbp', 'net_gbp', 'pv_gbp'];
const MEASURE_SUMS = ['quantity', ...MEASURE_MONEY, 'outcome_count', 'contract_count', 'demo_count'];
const CONTRACT_SUMS = [
  'contracts', 'awarded', 'awarded_value_gbp', 'in_scope', 'in_scope_value_gbp', 'sv_evaluated', 'sv_evaluated_value_gbp',
  'sv_weighted_10', 'sv_weighted_10_value_gbp', 'sv_weighting_sum', 'sv_weighting_count', 'supplier_known_value_gbp',
  'sme_value_gbp', 'vcse_value_gbp', 'demo_count',
];
const RATINGS = ['inadequate', 'requires_improvement', 'approaching_target', 'good', 'other'];
const DELIVERY_COUNTS = ['contracts', ...RATINGS.map((r) => `rating_${r}`), 'active', 'active_returned', 'demo_count'];
const DELIVERY_MONEY = ['contract_value_gbp', ...['committed', 'expected', 'delivered'].flatMap((a) => BASES.map((b) => `${a}_${b}_gbp`))];
const DELIVERY_VALUES = ['contracts', 'valued_contracts', ...DELIVERY_MONEY];

const same = (keys: readonly string[]) => Object.fromEntries(keys.map((k) => [k, `d.${k}`]));

export const LEVELS = {
  /** Social value by authority x sector (CPV division) x measure x quarter of the period's end. */
  measure_cells: {
    table: 'measure_rollups',
    keys: ['authority_id', 'sector', 'measure_id', 'quarter'],
    sums: MEASURE_SUMS,
    nullable: MEASURE_MONEY,
    count: 'outcome_count',
  },
  /** The same by the authorities' area: nation x region x kind x sector x measure x quarter. */
  measure_area: {
    table: 'measure_rollups_area',
    keys: ['nation', 'region', 'kind', 'sector', 'measure_id', 'quarter'],
    sums: MEASURE_SUMS,
    nullable: MEASURE_MONEY,
    count: 'outcome_count',
    of: {
      level: 'measure_cells',
      keys: { nation: 'a.nation', region: 'a.region', kind: 'a.kind', sector: 'd.sector', measure_id: 'd.measure_id', quarter: 'd.quarter' },
      join: 'join authorities a on a.id = d.authority_id',
    },
  },
  /** The same by authority x measure x calendar year. */
  measure_authority_year: {
    table: 'measure_rollups_authority_year',
    keys: ['authority_id', 'measure_id', 'year'],
    sums: MEASURE_SUMS,
    nullable: MEASURE_MONEY,
    count: 'outcome_count',
    of: { level: 'measure_cells', keys: { authority_id: 'd.authority_id', measure_id: 'd.measure_id', year: 'extract(year from d.quarter)::smallint' } },
  },
  /** £ by category (local economic, social, environmental) per authority x quarter x framework: the indicators' split. */
  indicator_social: {
    table: 'indicator_social_rollups',
    keys: ['authority_id', 'quarter', 'framework_id'],
    sums: ['outcome_count', ...CATEGORIES.flatMap((c) => BASES.map((b) => `${c}_${b}_gbp`))],
    count: 'outcome_count',
    of: {
      level: 'measure_cells',
      keys: { authority_id: 'd.authority_id', quarter: 'd.quarter', framework_id: 'm.framework_id' },
      sums: {
        outcome_count: 'd.outcome_count',
        ...Object.fromEntries(
          CATEGORIES.flatMap((c) => BASES.map((b) => [`${c}_${b}_gbp`, `case when m.category = '${c}' then coalesce(d.${b}_gbp, 0) else 0 end`])),
        ),
      },
      join: 'join measures m on m.id = d.measure_id',
    },
  },
  /** Contracts by authority x sector x award quarter: counts and values behind the implementation indicators. */
  contract_groups: { table: 'contract_rollups', keys: ['authority_id', 'sector', 'award_quarter'], sums: CONTRACT_SUMS, count: 'contracts' },
  /** The same by authority x award quarter. */
  indicator_contracts: {
    table: 'indicator_contract_rollups',
    keys: ['authority_id', 'award_quarter'],
    sums: CONTRACT_SUMS,
    count: 'contracts',
    of: { level: 'contract_groups', keys: same(['authority_id', 'award_quarter']) },
  },
  /** Contracts with commitments by authority x sector x award quarter: overall ratings and reporting. */
  delivery_counts: { table: 'delivery_rollups', keys: ['authority_id', 'sector', 'award_quarter'], sums: DELIVERY_COUNTS, count: 'contracts' },
  delivery_authority_counts: {
    table: 'delivery_authority_rollups',
    keys: ['authority_id', 'award_quarter'],
    sums: DELIVERY_COUNTS,
    count: 'contracts',
    of: { level: 'delivery_counts', keys: same(['authority_id', 'award_quarter']) },
  },
  /** Their £ committed, expected and delivered to date, per framework. */
  delivery_values: {
    table: 'delivery_value_rollups',
    keys: ['authority_id', 'sector', 'award_quarter', 'framework_id'],
    sums: DELIVERY_VALUES,
    trim: DELIVERY_MONEY,
    count: 'contracts',
  },
  delivery_authority_values: {
    table: 'delivery_value_authority_rollups',
    keys: ['authority_id', 'award_quarter', 'framework_id'],
    sums: DELIVERY_VALUES,
    trim: DELIVERY_MONEY,
    count: 'contracts',
    of: { level: 'delivery_values', keys: same(['authority_id', 'award_quarter', 'framework_id']) },
  },
} as const satisfies Record<string, Level>;

export type LevelName = keyof typeof LEVELS;

const level = (name: LevelName): Level => LEVELS[name];
const coarser = (name: LevelName): LevelName[] => (Object.keys(LEVELS) as LevelName[]).filter((n) => level(n).of?.level === name);
const positions = (n: number) => Array.from({ length: n }, (_, i) => i + 1).join(', ');
const trimmed = (l: Level, c: string, e: string) => (l.trim?.includes(c) ? `trim_scale(${e})` : e);
/** Any sum moved (a difference of all zeros changes nothing). */
const moves = (l: Level, sum: (c: string) => string) => l.sums.map((c) => `${sum(c)} <> 0`).join(' or ');

/** `rows` (the level's keys and signed sums) summed by the level's keys. */
function summed(l: Level, rows: string): string {
  return `select ${[...l.keys, ...l.sums.map((c) => `sum(${c}) as ${c}`)].join(', ')} from (${rows}) r
    group by ${positions(l.keys.length)} having ${moves(l, (c) => `sum(${c})`)}`;
}

/** A coarser level's rows from its finer level's rows in `from` (its table, or a difference of it). */
function regrouped(l: Level, from: string): string {
  const of = l.of!;
  const sum = (c: string) => `sum(${of.sums?.[c] ?? `d.${c}`})`;
  return `select ${[...l.keys.map((k) => `${of.keys[k]} as ${k}`), ...l.sums.map((c) => `${sum(c)} as ${c}`)].join(', ')}
    from ${from} d ${of.join ?? ''} group by ${positions(l.keys.length)} having ${moves(l, sum)}`;
}

/** The update of a row of sums by a difference (£ that are null on both sides stay null). */
function added(l: Level, c: string): string {
  const sum = l.nullable?.includes(c)
    ? `case when t.${c} is null and excluded.${c} is null then null else coalesce(t.${c}, 0) + coalesce(excluded.${c}, 0) end`
    : `t.${c} + excluded.${c}`;
  return `${c} = ${trimmed(l, c, sum)}`;
}

/**
 * Moves level `name` by `rows` (its keys and signed sums; several rows of a key are added up) and every coarser level
 * by the same difference: rows written in key order (so that concurrent writers lock them alike), rows left with a
 * count of 0 removed. Work in proportion to the difference, not to the tables.
 */
export async function moveLevel(s: Session, name: LevelName, rows: string, params: unknown[] = []): Promise<void> {
  const l = level(name);
  const delta = `level_delta_${name}`;
  await s.query(`drop table if exists ${delta}, level_emptied`);
  await s.query(`create temp table ${delta} on commit drop as ${summed(l, rows)}`, params);
  await s.query(
    `create temp table level_emptied on commit drop as
     with moved as (
       insert into ${l.table} as t (${[...l.keys, ...l.sums].join(', ')})
       select ${[...l.keys, ...l.sums.map((c) => trimmed(l, c, c))].join(', ')} from ${delta} order by ${positions(l.keys.length)}
       on conflict (${l.keys.join(', ')}) do update set ${l.sums.map((c) => added(l, c)).join(', ')}
       returning t.ctid as tid, t.${l.count} as n)
     select tid from moved where n = 0`,
  );
  await s.query(`delete from ${l.table} where ctid = any(array(select tid from level_emptied))`);
  await s.query('drop table level_emptied');
  for (const child of coarser(name)) await moveLevel(s, child, regrouped(level(child), delta));
  await s.query(`drop table ${delta}`);
}

/**
 * Replaces the rows of level `name`: with `rows` summed by its keys for a finest level (as its refresher computes them
 * from the raw data), else from the finer level's table; then every coarser level from it.
 */
export async function replaceLevel(s: Session, name: LevelName, rows?: string, params: unknown[] = []): Promise<void> {
  const l = level(name);
  const source = rows !== undefined ? summed(l, rows) : regrouped(l, level(l.of!.level as LevelName).table);
  await s.query(`delete from ${l.table}`);
  await s.query(
    `insert into ${l.table} (${[...l.keys, ...l.sums].join(', ')})
     select ${[...l.keys, ...l.sums.map((c) => trimmed(l, c, c))].join(', ')} from (${source}) r`,
    params,
  );
  for (const child of coarser(name)) await replaceLevel(s, child);
}

/** Rebuilds every coarser level of `name` from its table (after its rows were changed in place: a revaluation). */
export async function replaceCoarser(s: Session, name: LevelName): Promise<void> {
  for (const child of coarser(name)) await replaceLevel(s, child);
}

/** The key columns of a level, and the sums negated: what a level's current rows of some keys subtract. */
export function negatedRows(name: LevelName, alias: string): string {
  const l = level(name);
  return [...l.keys.map((k) => `${alias}.${k}`), ...l.sums.map((c) => `-${alias}.${c} as ${c}`)].join(', ');
}
