import { Injectable } from '@nestjs/common';
import { DomainError } from '../../platform/errors';
import { page, type Page } from '../../platform/paging';
import { AuthoritiesRepository, type AuthorityDetail, type AuthorityFilter, type AuthoritySummary } from './authorities.repository';
import { normaliseName } from './normalise-name';

/** Who writes for authorities: null for every one (an admin), else the codes a key may write for. */
export type AllowedAuthorities = readonly string[] | null;

/** Councils, departments and other bodies: listed, one in full, and the names they appear under in contract data. */
@Injectable()
export class AuthoritiesService {
  constructor(private readonly authorities: AuthoritiesRepository) {}

  async list(filter: AuthorityFilter): Promise<Page<AuthoritySummary>> {
    const { rows, total } = await this.authorities.list(filter);
    return page(rows, total, filter);
  }

  regions(): Promise<{ region: string; authorities: number }[]> {
    return this.authorities.regions();
  }

  async get(code: string): Promise<AuthorityDetail> {
    const found = await this.authorities.findByCode(code);
    if (!found) throw new DomainError('not_found', `No authority with code ${code}`, { code });
    return found;
  }

  /** A name the authority's contracts are published under, so that later imports match it (by a key allowed to write for it). */
  async addName(allowed: AllowedAuthorities, code: string, name: string) {
    const authority = await this.get(code);
    if (allowed !== null && !allowed.includes(authority.code)) {
      throw new DomainError('authority_not_allowed', `This key may write only for ${allowed.join(', ')}, not for ${authority.code}.`, {
        authority: authority.code,
        allowed,
      });
    }
    const added = await this.authorities.addName(authority.code, name.trim(), 'user');
    if (!added) {
      throw new DomainError('conflict', `${authority.code} already has a name matching "${name}"`, {
        name_normalised: normaliseName(name),
      });
    }
    return { code: authority.code, name: name.trim(), name_normalised: normaliseName(name), source: 'user' };
  }
}
