import { Inject, Injectable } from '@nestjs/common';
import type { Knex } from 'knex';
import { KNEX } from '../db/knex.token';
import { DomainError } from '../errors';
import type { ExportColumn, ExportRow } from './export-writers';
import { periodFilter, type RowFilter, type RowFilterQuery } from './export-filter';

export const ROW_DATASETS = ['outcomes', 'commitments', 'contracts'] as const;
export type RowDataset = (typeof ROW_DATASETS)[number];

/** Table aliases a row filter applies to: contracts `c`, authorities `a`, measures `m` (outcomes and commitments). */
interface FilterTarget {
  /** The date column compared with from/to (the period's end; a contract's award date) */
  date: string;
  /** Measures are filtered on `m`; for contracts, through their latest commitments and outcomes */
  measureOn: 'm' | 'contract';
}

/**
 * Applies a resolved row filter to a query joining contracts `c` and authorities `a` (and measures `m`).
 * The same SQL serves the exports and the quality listing, so both select the same rows.
 */
export function applyRowFilter(q: Knex.QueryBuilder, f: RowFilter, target: FilterTarget, knex: Knex): Knex.QueryBuilder {
  if (f.authorityIds) q.whereIn('c.authority_id', f.authorityIds);
  if (f.kind) q.where('a.kind', f.kind);
  if (f.region) q.whereRaw('lower(a.region) = lower(?)', [f.region]);
  if (f.nation) q.whereRaw('lower(a.nation) = lower(?)', [f.nation]);
  if (f.sector) q.where('c.sector', f.sector);
  const measureFilter = (m: Knex.QueryBuilder, alias: string) => {
    if (f.measureIds) m.whereIn(`${alias}.id`, f.measureIds);
    if (f.themeIds) m.whereIn(`${alias}.theme_id`, f.themeIds);
    if (f.frameworkIds) m.whereIn(`${alias}.framework_id`, f.frameworkIds);
  };
  if (f.measureIds || f.themeIds || f.frameworkIds) {
    if (target.measureOn === 'm') measureFilter(q, 'm');
    else {
      const ids = knex('measures as fm').select('fm.id');
      measureFilter(ids, 'fm');
      q.where((w) =>
        w
          .whereExists(knex('commitments as fk').whereRaw('fk.contract_id = c.id and fk.is_latest').whereIn('fk.measure_id', ids.clone()))
          .orWhereExists(knex('outcomes as fo').whereRaw('fo.contract_id = c.id and fo.is_latest').whereIn('fo.measure_id', ids.clone())),
      );
    }
  }
  if (f.fromDate) q.where(target.date, '>=', f.fromDate);
  if (f.toDate) q.where(target.date, '<=', f.toDate);
  return q;
}

const FLAGS_OF_OUTCOME = `(select string_agg(qf.flag, ';' order by qf.flag) from quality_flags qf where qf.outcome_id = o.id) as quality_flags`;

interface DatasetDefinition {
  columns: ExportColumn[];
  /** The query of one chunk, without keyset, order and limit; its rows' key is `key`. */
  base(knex: Knex): Knex.QueryBuilder;
  key: string;
  target: FilterTarget;
}

const LINE_COLUMNS: ExportColumn[] = [
  { name: 'contract_id', type: 'int64' },
  { name: 'contract_reference', type: 'text' },
  { name: 'authority_code', type: 'code' },
  { name: 'authority_name', type: 'code' },
  { name: 'authority_kind', type: 'code' },
  { name: 'region', type: 'code' },
  { name: 'nation', type: 'code' },
  { name: 'sector', type: 'code' },
  { name: 'framework_code', type: 'code' },
  { name: 'framework_version', type: 'code' },
  { name: 'theme_code', type: 'code' },
  { name: 'measure_code', type: 'code' },
  { name: 'category', type: 'code' },
  { name: 'period_start', type: 'date' },
  { name: 'period_end', type: 'date' },
];

const LINE_SELECT = [
  'c.id as contract_id',
  'c.reference as contract_reference',
  'a.code as authority_code',
  'a.name as authority_name',
  'a.kind as authority_kind',
  'a.region',
  'a.nation',
  'c.sector',
  'f.code as framework_code',
  'f.version as framework_version',
  't.code as theme_code',
  'm.code as measure_code',
  'm.category',
  'o.period_start',
  'o.period_end',
];

const lineBase = (knex: Knex, table: 'outcomes' | 'commitments') =>
  knex(`${table} as o`)
    .join('contracts as c', 'c.id', 'o.contract_id')
    .join('authorities as a', 'a.id', 'c.authority_id')
    .join('measures as m', 'm.id', 'o.measure_id')
    .join('themes as t', 't.id', 'm.theme_id')
    .join('frameworks as f', 'f.id', 'm.framework_id')
    .where('o.is_latest', true);

/** What each row-level dataset holds: the latest revision of each line, with its authority, measure and framework. */
export const DATASETS: Record<RowDataset, DatasetDefinition> = {
  outcomes: {
    key: 'o.id',
    target: { date: 'o.period_end', measureOn: 'm' },
    columns: [
      { name: 'outcome_id', type: 'int64' },
      ...LINE_COLUMNS,
      { name: 'quantity', type: 'decimal' },
      { name: 'unit', type: 'code' },
      { name: 'quantity_canonical', type: 'decimal' },
      { name: 'canonical_unit', type: 'code' },
      { name: 'evidence_ref', type: 'text' },
      { name: 'revision', type: 'int32' },
      { name: 'batch_id', type: 'int64' },
      { name: 'is_demo', type: 'bool' },
      { name: 'quality_flags', type: 'code' },
    ],
    base: (knex) =>
      lineBase(knex, 'outcomes').select([
        'o.id as outcome_id',
        ...LINE_SELECT,
        'o.quantity',
        'o.unit',
        'o.quantity_canonical',
        'm.unit as canonical_unit',
        'o.evidence_ref',
        'o.revision',
        'o.batch_id',
        'o.is_demo',
        knex.raw(FLAGS_OF_OUTCOME),
      ]),
  },
  commitments: {
    key: 'o.id',
    target: { date: 'o.period_end', measureOn: 'm' },
    columns: [
      { name: 'commitment_id', type: 'int64' },
      ...LINE_COLUMNS,
      { name: 'target_quantity', type: 'decimal' },
      { name: 'unit', type: 'code' },
      { name: 'target_canonical', type: 'decimal' },
      { name: 'canonical_unit', type: 'code' },
      { name: 'revision', type: 'int32' },
      { name: 'batch_id', type: 'int64' },
      { name: 'is_demo', type: 'bool' },
    ],
    base: (knex) =>
      lineBase(knex, 'commitments').select([
        'o.id as commitment_id',
        ...LINE_SELECT,
        'o.target_quantity',
        'o.unit',
        'o.target_canonical',
        'm.unit as canonical_unit',
        'o.revision',
        'o.batch_id',
        'o.is_demo',
      ]),
  },
  contracts: {
    key: 'c.id',
    target: { date: 'c.award_date', measureOn: 'contract' },
    columns: [
      { name: 'contract_id', type: 'int64' },
      { name: 'reference', type: 'text' },
      { name: 'ocid', type: 'text' },
      { name: 'title', type: 'text' },
      { name: 'stage', type: 'code' },
      { name: 'authority_code', type: 'code' },
      { name: 'authority_name', type: 'code' },
      { name: 'authority_kind', type: 'code' },
      { name: 'region', type: 'code' },
      { name: 'nation', type: 'code' },
      { name: 'supplier_scheme', type: 'code' },
      { name: 'supplier_identifier', type: 'text' },
      { name: 'supplier_name', type: 'text' },
      { name: 'supplier_scale', type: 'code' },
      { name: 'supplier_vcse', type: 'bool' },
      { name: 'cpv_code8', type: 'code' },
      { name: 'sector', type: 'code' },
      { name: 'value_gbp', type: 'decimal' },
      { name: 'award_date', type: 'date' },
      { name: 'start_date', type: 'date' },
      { name: 'end_date', type: 'date' },
      { name: 'is_services', type: 'bool' },
      { name: 'above_threshold', type: 'bool' },
      { name: 'in_scope', type: 'bool' },
      { name: 'sv_evaluated', type: 'bool' },
      { name: 'sv_weighting_pct', type: 'decimal' },
      { name: 'batch_id', type: 'int64' },
      { name: 'is_demo', type: 'bool' },
    ],
    base: (knex) =>
      knex('contracts as c')
        .join('authorities as a', 'a.id', 'c.authority_id')
        .leftJoin('suppliers as s', 's.id', 'c.supplier_id')
        .select([
          'c.id as contract_id',
          'c.reference',
          'c.ocid',
          'c.title',
          'c.stage',
          'a.code as authority_code',
          'a.name as authority_name',
          'a.kind as authority_kind',
          'a.region',
          'a.nation',
          's.scheme as supplier_scheme',
          's.identifier as supplier_identifier',
          's.name as supplier_name',
          's.scale as supplier_scale',
          's.vcse as supplier_vcse',
          'c.cpv_code8',
          'c.sector',
          'c.value_gbp',
          'c.award_date',
          'c.start_date',
          'c.end_date',
          'c.is_services',
          'c.above_threshold',
          'c.in_scope',
          'c.sv_evaluated',
          'c.sv_weighting_pct',
          'c.batch_id',
          'c.is_demo',
        ]),
  },
};

const KINDS = ['local_authority', 'central_department', 'executive_agency', 'ndpb', 'nhs_body', 'housing_association', 'police', 'fire', 'other'];
export const AUTHORITY_KINDS: readonly string[] = KINDS;

/** The row-level exports' SQL: filter codes resolved once, then the table read in keyset chunks. */
@Injectable()
export class ExportsRepository {
  constructor(@Inject(KNEX) private readonly knex: Knex) {}

  /** Codes into ids: an unknown authority, sector, framework, theme or measure is a 404 naming it. */
  async resolve(query: RowFilterQuery): Promise<RowFilter> {
    const knex = this.knex;
    const filter: RowFilter = { ...periodFilter(query.from, query.to) };
    const notFound = (field: string, value: string) => new DomainError('not_found', `No ${field} ${value}`, { field, value });
    const authorities = (Array.isArray(query.authority) ? query.authority : query.authority ? [query.authority] : [])
      .flatMap((a) => a.split(','))
      .map((a) => a.trim())
      .filter(Boolean);
    if (authorities.length > 0) {
      const codes = [...new Set(authorities)];
      const rows: Array<{ id: number; code: string }> = await knex('authorities').whereIn('code', codes).select('id', 'code');
      const missing = codes.find((c) => !rows.some((r) => r.code === c));
      if (missing) throw notFound('authority', missing);
      filter.authorityIds = rows.map((r) => r.id);
    }
    if (query.kind) filter.kind = query.kind;
    if (query.region) filter.region = query.region;
    if (query.nation) filter.nation = query.nation;
    if (query.sector) {
      if (!(await knex('cpv_divisions').where('code', query.sector).first())) throw notFound('sector', query.sector);
      filter.sector = query.sector;
    }
    if (query.framework) {
      const [code, version] = query.framework.split('@');
      const q = knex('frameworks').where('code', code);
      if (version) q.where('version', version);
      const ids: number[] = (await q.select('id')).map((r: { id: number }) => r.id);
      if (ids.length === 0) throw notFound('framework', query.framework);
      filter.frameworkIds = ids;
    }
    if (query.theme) {
      const q = knex('themes').where('code', query.theme);
      if (filter.frameworkIds) q.whereIn('framework_id', filter.frameworkIds);
      const ids: number[] = (await q.select('id')).map((r: { id: number }) => r.id);
      if (ids.length === 0) throw notFound('theme', query.theme);
      filter.themeIds = ids;
    }
    if (query.measure) {
      const q = knex('measures').where('code', query.measure);
      if (filter.frameworkIds) q.whereIn('framework_id', filter.frameworkIds);
      const ids: number[] = (await q.select('id')).map((r: { id: number }) => r.id);
      if (ids.length === 0) throw notFound('measure', query.measure);
      filter.measureIds = ids;
    }
    return filter;
  }

  /**
   * One chunk of a dataset: rows with key > `after`, in key order, at most `limit`; `key` of each row in `_key`.
   * JIT compilation is turned off for it: the planner's estimate of a 10,000-row page of joins crosses the JIT
   * threshold, and compiling (a quarter of a second) costs more than the page itself (measured on PostgreSQL 17).
   */
  async chunk(dataset: RowDataset, filter: RowFilter, after: number, limit: number): Promise<ExportRow[]> {
    const def = DATASETS[dataset];
    return this.knex.transaction(async (trx) => {
      await trx.raw('set local jit = off');
      const q = def.base(trx).select(trx.raw(`${def.key} as _key`)).where(def.key, '>', after).orderBy(def.key).limit(limit);
      applyRowFilter(q, filter, def.target, trx);
      return q;
    });
  }
}
