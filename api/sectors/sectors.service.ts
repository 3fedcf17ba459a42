import { Injectable } from '@nestjs/common';
import { SectorsRepository, type CpvFilter } from '../../metrics/reference/sectors/sectors.repository';
import { DomainError } from '../../metrics/platform/errors';
import { page } from '../http/paging.dto';

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
