import { Injectable } from '@nestjs/common';
import { DomainError } from '../../platform/errors';
import { page } from '../../platform/paging';
import { DerivedDataService } from '../../derive/derived-data.service';
import { deliveryRatio, RATING_LABELS, type Rating } from '../../derive/valuation/delivery';
import { Dec } from '../../derive/valuation/valuation';
import { EVERYTHING, inScope, invalidParameter, notInScope, parseReadFilter, withinScope, type ReadScope } from '../../reference/read-filter/read-filter';
import { ReadFilterRepository } from '../../reference/read-filter/read-filter.repository';
import { IndicatorsService } from '../indicators/indicators.service';
import { NoticesRepository } from '../notices/notices.repository';
import { ContractsRepository, type ContractFilter } from './contracts.repository';

const DELIVERY_BASES = ['nominal', 'real', 'net'] as const;

/** A query for an authority's contracts with their delivery: the authority's code, the period of award, the basis of £. */
export interface AuthorityDeliveryQuery {
  authority: string;
  from?: string;
  to?: string;
  /** nominal, real or net (default net, as the indicators). */
  basis?: string;
}

/** Contracts with their buyer and supplier (public, as their notices are); what each promised and delivered (supplier-level). */
@Injectable()
export class ContractsService {
  constructor(
    private readonly contracts: ContractsRepository,
    private readonly indicators: IndicatorsService,
    private readonly filters: ReadFilterRepository,
    private readonly derived: DerivedDataService,
    private readonly notices: NoticesRepository,
  ) {}

  async list(filter: ContractFilter) {
    const { rows, total } = await this.contracts.list(filter);
    return page(rows, total, filter);
  }

  /**
   * A contract as its notices publish it (public): buyer, suppliers, the OCDS releases it was built from, and what the
   * Procurement Act 2023's notices said of it (KPIs, ratings, failures, changes, termination, cancellation).
   */
  async get(idOrReference: string) {
    const contract = await this.find(idOrReference);
    const [suppliers, releases, notices] = [
      await this.contracts.suppliers(contract.id, contract.supplier_id),
      await this.contracts.releases(contract.id),
      await this.notices.ofContract(contract.id),
    ];
    return { ...contract, suppliers, releases, notices };
  }

  /**
   * What the suppliers of a contract sent (supplier-level data, for a caller whose scope holds its authority): its
   * commitments and outcome returns (latest revisions; every revision with `history`), and commitment vs delivery as
   * of the end of the last closed quarter: each latest commitment with its expected and delivered to date, ratio and
   * rating, each measure, and the contract's overall rating.
   */
  async delivery(idOrReference: string, history: boolean, scope: ReadScope = EVERYTHING) {
    const contract = await this.find(idOrReference);
    if (!inScope(scope, contract.authority_code)) throw notInScope([contract.authority_code], scope);
    const [commitments, outcomes] = [
      await this.contracts.lines('commitments', contract.id, history),
      await this.contracts.lines('outcomes', contract.id, history),
    ];
    const { perCommitment, delivery } = await this.indicators.contractDelivery(commitments, outcomes);
    const withDelivery = commitments.map((c) => {
      const d = perCommitment.get(c.id);
      return { ...c, expected_to_date: d?.expected_to_date ?? null, delivered_to_date: d?.delivered_to_date ?? null, delivery_ratio: d?.ratio ?? null, rating: d?.rating ?? null };
    });
    return {
      contract: { id: contract.id, reference: contract.reference, title: contract.title, authority_code: contract.authority_code },
      commitments: withDelivery,
      outcomes,
      delivery_rating: delivery.rating,
      delivery,
    };
  }

  /**
   * An authority's contracts with commitments, awarded in the period (supplier-level data: the authority must be in the
   * caller's scope, else 403), each with its overall delivery rating and £ expected and delivered to date as of the
   * stored as-of date (the default framework, on the basis), in one read; largest expected first.
   */
  async deliveryOfAuthority(query: AuthorityDeliveryQuery, scope: ReadScope = EVERYTHING) {
    const basis = (query.basis ?? 'net') as (typeof DELIVERY_BASES)[number];
    if (!DELIVERY_BASES.includes(basis)) throw invalidParameter('basis', `basis must be one of ${DELIVERY_BASES.join(', ')}`, query.basis);
    const parsed = withinScope(parseReadFilter({ authority: query.authority, from: query.from, to: query.to }, ['authority', 'from', 'to']), scope);
    const resolved = await this.filters.resolve(parsed);
    const framework = await this.filters.framework(undefined);
    const state = await this.derived.deliveryState();
    const rows = await this.contracts.deliveryOfAuthority({
      authorityId: resolved.authorityIds![0],
      frameworkId: framework.id,
      basis,
      fromDate: resolved.fromDate,
      toDate: resolved.toDate,
    });
    return {
      as_of: state.as_of ?? state.target,
      rating_thresholds: state.thresholds,
      framework: { code: framework.code, version: framework.version },
      basis,
      rows: rows.map((r) => {
        const ratio = r.expected_gbp === null || r.delivered_gbp === null ? null : deliveryRatio(new Dec(r.delivered_gbp), new Dec(r.expected_gbp));
        return {
          ...r,
          rating: r.rating as Rating,
          rating_label: RATING_LABELS[r.rating as Rating],
          delivery_ratio: ratio === null ? null : Number(ratio.toDecimalPlaces(6, Dec.ROUND_HALF_UP).toFixed()),
        };
      }),
    };
  }

  private async find(idOrReference: string) {
    const contract = await this.contracts.find(idOrReference);
    if (!contract) throw new DomainError('not_found', `No contract ${idOrReference}`, { contract: idOrReference });
    return contract;
  }
}
