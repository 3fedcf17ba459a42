import { Inject, Injectable } from '@nestjs/common';
import type { Knex } from 'knex';
import { KNEX } from '../../platform/tokens';
import type { ExportColumn, ExportRow } from './export-writers';
import type { ResolvedFilter as RowFilter } from '../../reference/read-filter/read-filter';
import { applyRowFilter, type FilterTarget } from '../row-filter';

export const ROW_DATASETS = ['outcomes', 'commitments', 'contracts'] as const;
export type RowDataset = (typeof ROW_DATASETS)[number];

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


/** The row-level exports' SQL: filter codes resolved once, then the table read in keyset chunks. */
@Injectable()
export class ExportsRepository {
  constructor(@Inject(KNEX) private readonly knex: Knex) {}

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
