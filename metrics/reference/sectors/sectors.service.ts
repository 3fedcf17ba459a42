import { Injectable } from '@nestjs/common';
import { DomainError } from '../../platform/errors';
import { page } from '../../platform/paging';
import { SectorsRepository, type CpvFilter } from './sectors.repository';

/** The sector list (CPV 2008 divisions) and the CPV codes. */
@Injectable()
export class SectorsService {
  constructor(private readonly sectors: SectorsRepository) {}

  async listSectors() {
    return { data: await this.sectors.listSectors() };
  }

  async listCpv(filter: CpvFilter) {
    const { rows, total } = await this.sectors.listCpv(filter);
    return page(rows, total, filter);
  }

  async getCpv(code: string) {
    const match = /^(\d{8})(-\d)?$/.exec(code.trim());
    if (!match) {
      throw new DomainError('invalid_parameter', 'A CPV code has 8 digits, optionally followed by -check digit', {
        code,
      });
    }
    const found = await this.sectors.findCpv(match[1]);
    if (!found) throw new DomainError('not_found', `No CPV code ${code}`, { code });
    return found;
  }
}
