import { Injectable } from '@nestjs/common';
import { DomainError } from '../../platform/errors';
import { page, type Page, type PageRequest } from '../../platform/paging';
import { describeFilter, invalidParameter, parseReadFilter, type ReadFilterQuery } from '../../reference/read-filter/read-filter';
import { MATCH_STATUSES, RESOURCE_KINDS } from '../../reference/exchange-vocabulary';
import { ReadFilterRepository } from '../../reference/read-filter/read-filter.repository';
import { ExchangeReadRepository, type MatchScope } from './exchange-read.repository';

/** The place and subject a list of needs or pledges takes: the shared read filter's fields, and these of its own. */
export const EXCHANGE_FILTERS = ['authority', 'region', 'nation', 'theme', 'measure'] as const;


export type ExchangeListQuery = Pick<ReadFilterQuery, (typeof EXCHANGE_FILTERS)[number]> & {
  resource_kind?: string | string[];
  status?: string;
};

function listOf(field: string, value: string | string[] | undefined, allowed: readonly string[]): string[] | undefined {
  if (value === undefined) return undefined;
  const values = (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  const bad = values.filter((v) => !allowed.includes(v));
  if (bad.length > 0) throw invalidParameter(field, `${field} must be one or more of ${allowed.join(', ')}`, bad.join(','));
  return values.length ? values : undefined;
}

/**
 * The exchange as read: the board of open needs and the pledges (public: what organisations ask and suppliers offer,
 * no person named), organisations, and matches with every move (to their parties, their brokers and analysts).
 */
@Injectable()
export class ExchangeReadService {
  constructor(
    private readonly repo: ExchangeReadRepository,
    private readonly filters: ReadFilterRepository,
  ) {}

  private async listFilter(query: ExchangeListQuery) {
    const parsed = parseReadFilter(query, EXCHANGE_FILTERS);
    const resolved = await this.filters.resolve(parsed);
    const status = query.status ?? 'open';
    if (status !== 'open' && status !== 'all') throw invalidParameter('status', 'status must be open or all', status);
    const resourceKinds = listOf('resource_kind', query.resource_kind, RESOURCE_KINDS);
    return {
      filters: { ...describeFilter(parsed), ...(resourceKinds ? { resource_kind: resourceKinds } : {}), status },
      filter: { ...resolved, resourceKinds, status: status as 'open' | 'all' },
    };
  }

  /** The board: open needs (something left to meet, not past their date), soonest needed first. */
  async needs(query: ExchangeListQuery, paging: PageRequest): Promise<Page<unknown> & { filters: Record<string, unknown> }> {
    const { filters, filter } = await this.listFilter(query);
    const { rows, total } = await this.repo.needs(filter, paging);
    return { filters, ...page(rows, total, paging) };
  }

  async need(id: number) {
    const need = await this.repo.need(id);
    if (!need) throw new DomainError('not_found', `No need ${id}`, { field: 'id', value: id });
    return need;
  }

  async pledges(query: ExchangeListQuery, paging: PageRequest): Promise<Page<unknown> & { filters: Record<string, unknown> }> {
    const { filters, filter } = await this.listFilter(query);
    const { rows, total } = await this.repo.pledges(filter, paging);
    return { filters, ...page(rows, total, paging) };
  }

  async pledge(id: number) {
    const pledge = await this.repo.pledge(id);
    if (!pledge) throw new DomainError('not_found', `No pledge ${id}`, { field: 'id', value: id });
    return pledge;
  }

  organisations() {
    return this.repo.organisations();
  }

  async matches(
    query: { need?: number; pledge?: number; status?: string | string[] },
    scope: MatchScope,
    paging: PageRequest,
  ): Promise<Page<unknown>> {
    const status = listOf('status', query.status, MATCH_STATUSES);
    const { rows, total } = await this.repo.matches({ needId: query.need, pledgeId: query.pledge, status }, scope, paging);
    return page(rows, total, paging);
  }

  /** A match and its moves; not found when it is outside the caller's scope. */
  async match(id: number, scope: MatchScope) {
    const match = await this.repo.match(id, scope);
    if (!match) throw new DomainError('not_found', `No match ${id}`, { field: 'id', value: id });
    return { ...match, transitions: await this.repo.transitions(id) };
  }
}
