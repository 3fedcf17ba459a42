import { Inject, Injectable } from '@nestjs/common';
import type { Knex } from 'knex';
import { KNEX } from '../../platform/tokens';
import { escapeLike } from '../../platform/sql';
import { normaliseName } from './normalise-name';

export interface AuthorityFilter {
  kind?: string;
  subtype?: string;
  nation?: string;
  region?: string;
  /** Free text over the name, the short name and every alternative name. */
  q?: string;
  limit: number;
  offset: number;
}

export interface AuthorityRef {
  code: string;
  name: string;
}

export interface AuthoritySummary {
  code: string;
  name: string;
  short_name: string | null;
  kind: string;
  subtype: string | null;
  nation: string | null;
  region: string | null;
  population: number | null;
  area_km2: string | null;
  parent: AuthorityRef | null;
  combined_authority: AuthorityRef | null;
}

export interface AuthorityDetail extends AuthoritySummary {
  latitude: string | null;
  longitude: string | null;
  govuk_slug: string | null;
  source: string;
  alternative_names: Array<{ name: string; source: string }>;
  identifiers: Array<{ scheme: string; identifier: string; is_current: boolean }>;
}

const SUMMARY_COLUMNS = [
  'a.code',
  'a.name',
  'a.short_name',
  'a.kind',
  'a.subtype',
  'a.nation',
  'a.region',
  'a.population',
  'a.area_km2',
  'p.code as parent_code',
  'p.name as parent_name',
  'c.code as combined_authority_code',
  'c.name as combined_authority_name',
];

type SummaryRow = Omit<AuthoritySummary, 'parent' | 'combined_authority'> & {
  parent_code: string | null;
  parent_name: string | null;
  combined_authority_code: string | null;
  combined_authority_name: string | null;
};

function toSummary(row: SummaryRow): AuthoritySummary {
  const { parent_code, parent_name, combined_authority_code, combined_authority_name, ...rest } = row;
  return {
    ...rest,
    parent: parent_code ? { code: parent_code, name: parent_name! } : null,
    combined_authority: combined_authority_code
      ? { code: combined_authority_code, name: combined_authority_name! }
      : null,
  };
}

@Injectable()
export class AuthoritiesRepository {
  constructor(@Inject(KNEX) private readonly knex: Knex) {}

  private base() {
    return this.knex('authorities as a')
      .leftJoin('authorities as p', 'p.id', 'a.parent_id')
      .leftJoin('authorities as c', 'c.id', 'a.combined_authority_id');
  }

  async list(filter: AuthorityFilter): Promise<{ rows: AuthoritySummary[]; total: number }> {
    const query = this.base();
    if (filter.kind) query.where('a.kind', filter.kind);
    if (filter.subtype) query.whereRaw('lower(a.subtype) = lower(?)', [filter.subtype]);
    if (filter.nation) query.whereRaw('lower(a.nation) = lower(?)', [filter.nation]);
    if (filter.region) query.whereRaw('lower(a.region) = lower(?)', [filter.region]);
    if (filter.q) {
      const text = `%${escapeLike(filter.q.trim())}%`;
      const normalised = `%${escapeLike(normaliseName(filter.q))}%`;
      query.where((w) =>
        w
          .whereILike('a.name', text)
          .orWhereILike('a.short_name', text)
          .orWhereILike('a.code', text)
          .orWhereExists((e) =>
            e
              .select(this.knex.raw('1'))
              .from('authority_names as n')
              .whereRaw('n.authority_id = a.id')
              .andWhereLike('n.name_normalised', normalised),
          ),
      );
    }
    const [{ total }] = await query.clone().clearSelect().count<Array<{ total: number }>>({ total: '*' });
    const rows = await query
      .select(SUMMARY_COLUMNS)
      .orderBy([{ column: 'a.name' }, { column: 'a.code' }])
      .limit(filter.limit)
      .offset(filter.offset);
    return { rows: rows.map(toSummary), total: Number(total) };
  }

  /** The regions authorities are in, with how many, by name. */
  async regions(): Promise<{ region: string; authorities: number }[]> {
    const rows = await this.knex('authorities').whereNotNull('region').groupBy('region').orderBy('region').select('region').count<{ region: string; n: number }[]>({ n: '*' });
    return rows.map((r) => ({ region: r.region, authorities: Number(r.n) }));
  }

  async findByCode(code: string): Promise<AuthorityDetail | undefined> {
    const row = await this.base()
      .select([...SUMMARY_COLUMNS, 'a.id', 'a.latitude', 'a.longitude', 'a.govuk_slug', 'a.source'])
      .whereRaw('upper(a.code) = upper(?)', [code])
      .first();
    if (!row) return undefined;
    const { id, latitude, longitude, govuk_slug, source, ...summary } = row;
    const [names, identifiers] = await Promise.all([
      this.knex('authority_names').where({ authority_id: id }).orderBy('name').select('name', 'source'),
      this.knex('authority_identifiers')
        .where({ authority_id: id })
        .orderBy([{ column: 'is_current', order: 'desc' }, 'scheme', 'identifier'])
        .select('scheme', 'identifier', 'is_current'),
    ]);
    return {
      ...toSummary(summary as SummaryRow),
      latitude,
      longitude,
      govuk_slug,
      source,
      alternative_names: names,
      identifiers,
    };
  }

  /** Ids of the given codes (exact codes), for the ones that exist. */
  async idsByCode(codes: string[]): Promise<Map<string, number>> {
    if (codes.length === 0) return new Map();
    const rows: Array<{ id: number; code: string }> = await this.knex('authorities').whereIn('code', codes).select('id', 'code');
    return new Map(rows.map((r) => [r.code, r.id]));
  }

  /** Adds an alternative name; false when the authority already has a name that normalises the same way. */
  async addName(code: string, name: string, source: string): Promise<boolean> {
    const result = await this.knex.raw(
      `insert into authority_names (authority_id, name, name_normalised, source)
       select id, ?, ?, ? from authorities where code = ?
       on conflict (authority_id, name_normalised) do nothing
       returning authority_id`,
      [name, normaliseName(name), source, code],
    );
    return result.rows.length > 0;
  }
}
