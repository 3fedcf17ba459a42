import { Injectable } from '@nestjs/common';
import { DomainError } from '../../platform/errors';
import { page } from '../../platform/paging';
import { EVERYTHING, inScope, notInScope, type ReadScope } from '../../reference/read-filter/read-filter';
import { IndicatorsService } from '../indicators/indicators.service';
import { ContractsRepository, type ContractFilter } from './contracts.repository';

/** Contracts with their buyer and supplier (public, as their notices are); what each promised and delivered (supplier-level). */
@Injectable()
export class ContractsService {
  constructor(
    private readonly contracts: ContractsRepository,
    private readonly indicators: IndicatorsService,
  ) {}

  async list(filter: ContractFilter) {
    const { rows, total } = await this.contracts.list(filter);
    return page(rows, total, filter);
  }

  /** A contract as its notices publish it: buyer, suppliers and the OCDS releases it was built from (public). */
  async get(idOrReference: string) {
    const contract = await this.find(idOrReference);
    const [suppliers, releases] = [await this.contracts.suppliers(contract.id, contract.supplier_id), await this.contracts.releases(contract.id)];
    return { ...contract, suppliers, releases };
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

  private async find(idOrReference: string) {
    const contract = await this.contracts.find(idOrReference);
    if (!contract) throw new DomainError('not_found', `No contract ${idOrReference}`, { contract: idOrReference });
    return contract;
  }
}
