import { Injectable } from '@nestjs/common';
import { DerivedDataService } from '../../derive/derived-data.service';
import { deliveryRatio, deliveryRating, RATING_LABELS, RATINGS, type Rating } from '../../derive/valuation/delivery';
import { Dec } from '../../derive/valuation/valuation';
import {
  describeFilter,
  EVERYTHING,
  invalidParameter,
  parseReadFilter,
  withinScope,
  type FilterField,
  type ReadFilterQuery,
  type ReadScope,
} from '../../reference/read-filter/read-filter';
import { ReadFilterRepository } from '../../reference/read-filter/read-filter.repository';
import { SuppliersRepository, type SupplierBasis } from './suppliers.repository';

/** The filters the supplier figures take: the summary's (departments: not here). */
export const SUPPLIER_FILTERS: readonly FilterField[] = ['authority', 'kind', 'region', 'nation', 'sector', 'theme', 'measure', 'category', 'framework', 'from', 'to'];
export const SUPPLIER_BASES: readonly SupplierBasis[] = ['nominal', 'real', 'net'];
export const DEFAULT_SUPPLIER_LIMIT = 20;
export const MAX_SUPPLIER_LIMIT = 100;

export interface TopSuppliersQuery extends ReadFilterQuery {
  /** nominal, real or net (default net, as the indicators' delivery figures). */
  basis?: string;
  /** How many (1..100, default 20). */
  limit?: number;
}

export interface SupplierRow {
  supplier: string;
  scheme: string | null;
  identifier: string | null;
  scale: string | null;
  vcse: boolean | null;
  /** Contracts with commitments the figures count. */
  contracts: number;
  /** £ expected and delivered to date against commitments (rounded to pence). */
  expected_gbp: number | null;
  delivered_gbp: number | null;
  /** delivered / expected (6 places); null when nothing is expected yet. */
  delivery_ratio: number | null;
  /** The s.71 rating of the supplier's delivered against expected £ (the thresholds of the delivery figures). */
  delivery_rating: Rating;
  delivery_rating_label: string;
  /** Its contracts by overall rating. */
  contract_ratings: Record<Rating, number>;
}

export interface LargestContractsQuery extends ReadFilterQuery {
  /** nominal, real or net (default net). */
  basis?: string;
  /** How many (1..100, default 20). */
  limit?: number;
}

/** A contract by the £ of what its suppliers returned in the period, with its notice fields. */
export interface ContractValueRow {
  reference: string;
  title: string;
  /** The buyer and the lead supplier, as the contract's notices publish them. */
  buyer: string;
  buyer_code: string;
  supplier: string | null;
  scale: string | null;
  vcse: boolean | null;
  /** £ of its latest outcome returns ending in the period, on the basis (rounded to pence). */
  value_gbp: number;
  returns: number;
  /** Measures it returned in the period, and the one worth the most £. */
  measures: number;
  top_measure: string;
  top_measure_name: string;
  top_theme_name: string;
  top_measure_value_gbp: number | null;
}

export const CONTRACT_VALUE_DEFINITIONS: Record<string, string> = {
  value_gbp:
    "£ of the contract's latest outcome returns whose period ends in the period asked for (by quarter, as the measures summary counts them): canonical quantity x the measure's factor for the year the return's period ends, on the basis; record-only measures have no £",
  returns: 'outcome returns counted (latest revision of each contract x measure x period)',
  top_measure: 'the measure of the contract worth the most £ in the period',
  supplier: "the contract's lead supplier as its award notice names it",
};

export const SUPPLIER_DEFINITIONS: Record<string, string> = {
  delivered_gbp:
    "£ delivered to date against commitments, summed over the supplier's contracts (as lead supplier) in the filter: each commitment's measure valued at its factor for the as-of year, on the basis; record-only measures have no £",
  expected_gbp: '£ expected to date of the same commitments (pro-rata by elapsed days of their periods)',
  delivery_ratio: 'delivered_gbp / expected_gbp',
  delivery_rating: "the Procurement Act 2023 s.71 rating of delivered against expected £ (Other when nothing is expected yet)",
  contract_ratings: "the supplier's contracts by overall rating (the worst rating of each contract's measures with something expected)",
  period: "a contract counts in the period of its award date (as the contract-based indicators)",
};

const money = (v: string | null): number | null => (v === null ? null : Number(new Dec(v).toFixed(2)));

/** Suppliers by social value delivered against their commitments (supplier-level data: read within the caller's scope). */
@Injectable()
export class SuppliersService {
  constructor(
    private readonly repo: SuppliersRepository,
    private readonly filters: ReadFilterRepository,
    private readonly derived: DerivedDataService,
  ) {}

  /** The suppliers that delivered the most £ to date, most first (ties by name), with their delivery ratings. */
  async top(query: TopSuppliersQuery, scope: ReadScope = EVERYTHING) {
    const basis = (query.basis ?? 'net') as SupplierBasis;
    if (!SUPPLIER_BASES.includes(basis)) {
      throw invalidParameter('basis', `basis must be one of ${SUPPLIER_BASES.join(', ')} (delivery is valued at the as-of year's factors)`, query.basis);
    }
    const limit = query.limit ?? DEFAULT_SUPPLIER_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SUPPLIER_LIMIT) {
      throw invalidParameter('limit', `limit must be an integer from 1 to ${MAX_SUPPLIER_LIMIT}`, query.limit);
    }
    const parsed = withinScope(parseReadFilter(query, SUPPLIER_FILTERS), scope);
    const framework = await this.filters.framework(parsed.framework);
    const resolved = await this.filters.resolve(parsed);
    const state = await this.derived.deliveryState();
    const rows = await this.repo.top(resolved, framework.id, basis, limit);
    const out: SupplierRow[] = rows.map((r) => {
      const ratio = r.expected_gbp === null || r.delivered_gbp === null ? null : deliveryRatio(r.delivered_gbp, r.expected_gbp);
      const rating = r.expected_gbp === null ? 'other' : deliveryRating(r.delivered_gbp ?? 0, r.expected_gbp, state.thresholds);
      return {
        supplier: r.name,
        scheme: r.scheme,
        identifier: r.identifier,
        scale: r.scale,
        vcse: r.vcse,
        contracts: r.contracts,
        expected_gbp: money(r.expected_gbp),
        delivered_gbp: money(r.delivered_gbp),
        delivery_ratio: ratio === null ? null : Number(ratio.toDecimalPlaces(6, Dec.ROUND_HALF_UP).toFixed()),
        delivery_rating: rating,
        delivery_rating_label: RATING_LABELS[rating],
        contract_ratings: Object.fromEntries(RATINGS.map((x) => [x, r[`rating_${x}`]])) as Record<Rating, number>,
      };
    });
    return {
      as_of: state.as_of ?? state.target,
      rating_thresholds: state.thresholds,
      framework: { code: framework.code, version: framework.version, base_price_year: framework.base_price_year },
      basis,
      currency: 'GBP' as const,
      filters: describeFilter(parsed),
      limit,
      rows: out,
      definitions: SUPPLIER_DEFINITIONS,
    };
  }

  /**
   * The contracts whose suppliers returned the most £ of social value in the period (supplier-level data: read within
   * the caller's scope), largest first (ties by contract), each with its buyer and lead supplier as its notices name
   * them and the measure that gave the most. Their £ are the ones the measures summary sums for the same filters.
   */
  async largestContracts(query: LargestContractsQuery, scope: ReadScope = EVERYTHING) {
    const basis = (query.basis ?? 'net') as SupplierBasis;
    if (!SUPPLIER_BASES.includes(basis)) throw invalidParameter('basis', `basis must be one of ${SUPPLIER_BASES.join(', ')}`, query.basis);
    const limit = query.limit ?? DEFAULT_SUPPLIER_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SUPPLIER_LIMIT) {
      throw invalidParameter('limit', `limit must be an integer from 1 to ${MAX_SUPPLIER_LIMIT}`, query.limit);
    }
    const parsed = withinScope(parseReadFilter(query, SUPPLIER_FILTERS), scope);
    const framework = await this.filters.framework(parsed.framework);
    const resolved = await this.filters.resolve(parsed);
    const rows = await this.repo.largestContracts(resolved, framework.id, basis, limit);
    const out: ContractValueRow[] = rows.map((r) => ({
      reference: r.reference,
      title: r.title,
      buyer: r.buyer,
      buyer_code: r.buyer_code,
      supplier: r.supplier,
      scale: r.scale,
      vcse: r.vcse,
      value_gbp: money(r.value_gbp)!,
      returns: r.returns,
      measures: r.measures,
      top_measure: r.top_measure,
      top_measure_name: r.top_measure_name,
      top_theme_name: r.top_theme_name,
      top_measure_value_gbp: money(r.top_value_gbp),
    }));
    return {
      framework: { code: framework.code, version: framework.version, base_price_year: framework.base_price_year },
      basis,
      currency: 'GBP' as const,
      filters: describeFilter(parsed),
      limit,
      rows: out,
      definitions: CONTRACT_VALUE_DEFINITIONS,
    };
  }
}
