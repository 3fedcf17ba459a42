import { Injectable } from '@nestjs/common';
import { DomainError } from '../../platform/errors';
import { page } from '../../platform/paging';
import { IndicatorsService } from '../indicators/indicators.service';
import { ContractsRepository, type ContractFilter } from './contracts.repository';

/** Contracts with their buyer and supplier; one contract with what it promised and delivered. */
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

  /**
   * A contract with its suppliers, OCDS releases, commitments and outcomes (latest revisions; every revision with
   * `history`), and commitment vs delivery as of the end of the last closed quarter: each latest commitment with its
   * expected and delivered to date, ratio and rating, each measure, and the contract's overall rating.
   */
  async get(idOrReference: string, history: boolean) {
    const contract = await this.contracts.find(idOrReference);
    if (!contract) throw new DomainError('not_found', `No contract ${idOrReference}`, { contract: idOrReference });
    const [commitments, outcomes, suppliers, releases] = [
      await this.contracts.lines('commitments', contract.id, history),
      await this.contracts.lines('outcomes', contract.id, history),
      await this.contracts.suppliers(contract.id, contract.supplier_id),
      await this.contracts.releases(contract.id),
    ];
    const { perCommitment, delivery } = await this.indicators.contractDelivery(commitments, outcomes);
    const withDelivery = commitments.map((c) => {
      const d = perCommitment.get(c.id);
      return { ...c, expected_to_date: d?.expected_to_date ?? null, delivered_to_date: d?.delivered_to_date ?? null, delivery_ratio: d?.ratio ?? null, rating: d?.rating ?? null };
    });
    return { ...contract, suppliers, releases, commitments: withDelivery, outcomes, delivery_rating: delivery.rating, delivery };
  }
}
