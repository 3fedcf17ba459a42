import { Injectable } from '@nestjs/common';
import { ContractsRepository, type ContractFilter } from '../../metrics/contracts/contracts.repository';
import { DomainError } from '../../metrics/errors';
import { page } from '../http/paging.dto';

@Injectable()
export class ContractsService {
  constructor(private readonly contracts: ContractsRepository) {}

  async list(filter: ContractFilter) {
    const { rows, total } = await this.contracts.list(filter);
    return page(rows, total, filter);
  }

  /** A contract with its suppliers, OCDS releases, commitments and outcomes (latest revisions; every revision with `history`). */
  async get(idOrReference: string, history: boolean) {
    const contract = await this.contracts.find(idOrReference);
    if (!contract) throw new DomainError('not_found', `No contract ${idOrReference}`, { contract: idOrReference });
    const [commitments, outcomes, suppliers, releases] = [
      await this.contracts.lines('commitments', contract.id, history),
      await this.contracts.lines('outcomes', contract.id, history),
      await this.contracts.suppliers(contract.id, contract.supplier_id),
      await this.contracts.releases(contract.id),
    ];
    return { ...contract, suppliers, releases, commitments, outcomes };
  }
}
