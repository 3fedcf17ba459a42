import { Injectable } from '@nestjs/common';
import {
  AuthoritiesRepository,
  type AuthorityDetail,
  type AuthorityFilter,
} from '../../metrics/reference/authorities/authorities.repository';
import { normaliseName } from '../../metrics/reference/authorities/normalise-name';
import { DomainError } from '../../metrics/platform/errors';
import { assertMayWriteFor, type Principal } from '../auth/principal';
import { page, type Page } from '../http/paging.dto';
import type { AuthoritySummaryDto } from './authorities.dto';

@Injectable()
export class AuthoritiesService {
  constructor(private readonly authorities: AuthoritiesRepository) {}

  async list(filter: AuthorityFilter): Promise<Page<AuthoritySummaryDto>> {
    const { rows, total } = await this.authorities.list(filter);
    return page(rows, total, filter);
  }

  async get(code: string): Promise<AuthorityDetail> {
    const found = await this.authorities.findByCode(code);
    if (!found) throw new DomainError('not_found', `No authority with code ${code}`, { code });
    return found;
  }

  /** A name the authority's contracts are published under, so that later imports match it. */
  async addName(principal: Principal, code: string, name: string) {
    const authority = await this.get(code);
    assertMayWriteFor(principal, authority.code);
    const added = await this.authorities.addName(authority.code, name.trim(), 'user');
    if (!added) {
      throw new DomainError('conflict', `${authority.code} already has a name matching "${name}"`, {
        name_normalised: normaliseName(name),
      });
    }
    return { code: authority.code, name: name.trim(), name_normalised: normaliseName(name), source: 'user' };
  }
}
