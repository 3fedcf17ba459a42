import { Inject, Injectable } from '@nestjs/common';
import type { Knex } from 'knex';
import { KNEX } from '../../platform/tokens';
import { escapeLike } from '../../platform/sql';

/** An authority's contracts with commitments, awarded within a period (dates inclusive), delivery £ on one basis of one framework. */
export interface ContractDeliveryFilter {
  authorityId: number;
  frameworkId: number;
  basis: 'nominal' | 'real' | 'net';
  fromDate?: string;
  toDate?: string;
}

export interface ContractDeliveryRow {
  id: number;
  reference: string;
  title: string | null;
  supplier_name: string | null;
  value_gbp: string | null;
  award_date: string | null;
  rating: string;
  measures: number;
  /** £ expected and delivered to date of the contract's commitments in the framework (null: none valued in £). */
  expected_gbp: string | null;
  delivered_gbp: string | null;
}

export interface ContractFilter {
  authority?: string;
  supplier?: string;
  sector?: string;
  stage?: string;
  demo?: boolean;
  limit: number;
  offset: number;
}

const SUMMARY_COLUMNS = [
  'c.id',
  'c.reference',
  'c.ocid',
  'c.title',
  'c.stage',
  'a.code as authority_code',
  'a.name as authority_name',
  's.id as supplier_id',
  's.name as supplier_name',
  's.scheme as supplier_scheme',
  's.identifier as supplier_identifier',
  's.scale as supplier_scale',
  's.vcse as supplier_vcse',
  'c.cpv_code8',
  'c.sector',
  'c.value_gbp',
  'c.award_date',
  'c.start_date',
  'c.end_date',
  'c.in_scope',
  'c.sv_evaluated',
  'c.sv_weighting_pct',
  'c.is_demo',
];

/** Contracts with their buyer and supplier; one contract with its commitments and outcomes. */
@Injectable()
export class ContractsRepository {
  constructor(@Inject(KNEX) private readonly knex: Knex) {}

  private base() {
    return this.knex('contracts as c').join('authorities as a', 'a.id', 'c.authority_id').leftJoin('suppliers as s', 's.id', 'c.supplier_id');
  }

  async list(filter: ContractFilter) {
    const q = this.base();
    if (filter.authority) q.where('a.code', filter.authority);
    if (filter.sector) q.where('c.sector', filter.sector);
    if (filter.stage) q.where('c.stage', filter.stage);
    if (filter.demo !== undefined) q.where('c.is_demo', filter.demo);
    if (filter.supplier) {
      const [scheme, ...rest] = filter.supplier.split(':');
      if (rest.length > 0) q.where({ 's.scheme': scheme, 's.identifier': rest.join(':') });
      else q.whereILike('s.name', `%${escapeLike(filter.supplier)}%`);
    }
    const [{ total }] = await q.clone().count<Array<{ total: number }>>({ total: '*' });
    const rows = await q.select(SUMMARY_COLUMNS).orderBy('c.id').limit(filter.limit).offset(filter.offset);
    return { rows, total: Number(total) };
  }

  /**
   * An authority's contracts with commitments (delivery_contracts: their overall rating) and their £ expected and
   * delivered to date (delivery_measures of the framework, on the basis), in one query; largest expected first.
   */
  async deliveryOfAuthority(filter: ContractDeliveryFilter): Promise<ContractDeliveryRow[]> {
    const money = this.knex('delivery_measures')
      .where('framework_id', filter.frameworkId)
      .groupBy('contract_id')
      .select(
        'contract_id',
        this.knex.raw(`sum(expected_${filter.basis}_gbp) as expected_gbp`),
        this.knex.raw(`sum(delivered_${filter.basis}_gbp) as delivered_gbp`),
      )
      .as('v');
    const q = this.knex('delivery_contracts as dc')
      .join('contracts as c', 'c.id', 'dc.contract_id')
      .leftJoin('suppliers as s', 's.id', 'c.supplier_id')
      .leftJoin(money, 'v.contract_id', 'dc.contract_id')
      .where('c.authority_id', filter.authorityId)
      .select([
        'c.id',
        'c.reference',
        'c.title',
        's.name as supplier_name',
        'c.value_gbp',
        'c.award_date',
        'dc.rating',
        'dc.measures',
        'v.expected_gbp',
        'v.delivered_gbp',
      ])
      .orderByRaw('v.expected_gbp desc nulls last, c.id');
    if (filter.fromDate) q.where('c.award_date', '>=', filter.fromDate);
    if (filter.toDate) q.where('c.award_date', '<=', filter.toDate);
    const rows = await q;
    return rows.map((r: ContractDeliveryRow) => ({
      ...r,
      id: Number(r.id),
      value_gbp: r.value_gbp === null ? null : String(r.value_gbp),
      expected_gbp: r.expected_gbp === null ? null : String(r.expected_gbp),
      delivered_gbp: r.delivered_gbp === null ? null : String(r.delivered_gbp),
    }));
  }

  async find(idOrReference: string) {
    const q = this.base().select([
      ...SUMMARY_COLUMNS,
      'c.description',
      'c.is_services',
      'c.above_threshold',
      'c.value_amount',
      'c.currency',
      'c.procurement_category',
      'c.sv_goals',
      'c.release_date',
      'c.batch_id',
    ]);
    if (/^\d{1,15}$/.test(idOrReference)) q.where('c.id', Number(idOrReference));
    else q.where('c.reference', idOrReference);
    return q.first();
  }

  /** Every supplier of a contract (an award may name several), the lead one first. */
  async suppliers(contractId: number, leadId: number | null) {
    // OCDS imports list every supplier in contract_suppliers; a contract from the CSV import has its lead one only
    return this.knex('suppliers as s')
      .whereIn('s.id', this.knex('contract_suppliers').where({ contract_id: contractId }).select('supplier_id'))
      .orWhere('s.id', leadId ?? 0)
      .orderByRaw('(s.id = ?) desc, s.name', [leadId ?? 0])
      .select('s.id', 's.name', 's.scheme', 's.identifier', 's.scale', 's.vcse');
  }

  /** The OCDS releases a contract was built from, oldest first. */
  async releases(contractId: number) {
    return this.knex('ocds_releases').where({ contract_id: contractId }).orderBy(['release_date', 'id']).select('release_id', 'release_date', 'tags', 'batch_id');
  }

  /** Commitments or outcomes of a contract: the latest revisions, or every revision with `history`. */
  async lines(table: 'commitments' | 'outcomes', contractId: number, history: boolean) {
    return (await this.linesOf(table, [contractId], history)).map(({ contract_id: _c, ...line }) => line);
  }

  /** The commitments or outcomes of several contracts in one read (each row names its contract_id). */
  async linesOf(table: 'commitments' | 'outcomes', contractIds: readonly number[], history: boolean) {
    const value = table === 'outcomes' ? ['o.quantity', 'o.quantity_canonical', 'o.evidence_ref'] : ['o.target_quantity', 'o.target_canonical'];
    const q = this.knex(`${table} as o`)
      .join('measures as m', 'm.id', 'o.measure_id')
      .join('frameworks as f', 'f.id', 'm.framework_id')
      .whereRaw('o.contract_id = any(?::bigint[])', [contractIds as number[]])
      .select([
        'o.id',
        'o.contract_id',
        'f.code as framework',
        'f.version as framework_version',
        'm.code as measure',
        'm.name as measure_name',
        'o.period_start',
        'o.period_end',
        ...value,
        'o.unit',
        'm.unit as canonical_unit',
        'o.revision',
        'o.is_latest',
        'o.batch_id',
        'o.created_at',
      ])
      .orderBy(['m.code', 'o.period_start', 'o.revision']);
    if (!history) q.where('o.is_latest', true);
    return q;
  }
}
