import { Inject, Injectable } from '@nestjs/common';
import type { Knex } from 'knex';
import type { PageRequest } from '../../platform/paging';
import { KNEX } from '../../platform/tokens';
import type { ResolvedFilter } from '../../reference/read-filter/read-filter';

/** What lists of needs and pledges are filtered by: the place (authority, region, nation), theme, measure, resource kind. */
export type ExchangeListFilter = Partial<Pick<ResolvedFilter, 'authorityIds' | 'regions' | 'nations' | 'themeIds' | 'measureIds'>> & {
  resourceKinds?: string[];
  /** Needs: open (default: open with something left to meet), all. Pledges: open (with something left to offer), all. */
  status?: 'open' | 'all';
};

/** Who may see which matches: everyone's (null), or one organisation's, one supplier's, or those in some authorities. */
export interface MatchScope {
  organisationId?: number | null;
  supplierId?: number | null;
  authorityCodes?: string[] | null;
}

const NEED_COLUMNS = `n.id, n.reference, n.title, n.description, n.resource_kind, n.quantity, n.unit,
  n.quantity_measure, n.matched, (n.quantity_measure - n.matched) as remaining, m.code as measure, m.name as measure_name,
  m.unit as measure_unit, t.code as theme, t.name as theme_name, a.code as authority, a.name as authority_name,
  coalesce(a.region, a.nation) as region, to_char(n.needed_by, 'YYYY-MM-DD') as needed_by, n.status,
  o.identifier as organisation, o.name as organisation_name, o.vcse, n.is_demo, n.created_at`;

const NEED_FROM = `exchange_needs n
  join exchange_organisations o on o.id = n.organisation_id
  join authorities a on a.id = n.authority_id
  join measures m on m.id = n.measure_id
  join themes t on t.id = m.theme_id`;

const PLEDGE_COLUMNS = `p.id, p.reference, p.title, p.resource_kind, p.quantity, p.unit, p.quantity_measure, p.matched,
  (p.quantity_measure - p.matched) as remaining, m.code as measure, m.name as measure_name, m.unit as measure_unit,
  t.code as theme, t.name as theme_name, p.reach, to_char(p.available_from, 'YYYY-MM-DD') as available_from,
  to_char(p.available_to, 'YYYY-MM-DD') as available_to, p.status, c.reference as contract, c.title as contract_title,
  ca.code as contract_authority, s.name as supplier_name, s.scheme || '-' || s.identifier as supplier,
  coalesce((select array_agg(pa.code order by pa.code) from exchange_pledge_places pp join authorities pa on pa.id = pp.authority_id
    where pp.pledge_id = p.id), '{}') as places,
  p.is_demo, p.created_at`;

const PLEDGE_FROM = `exchange_pledges p
  join contracts c on c.id = p.contract_id
  join authorities ca on ca.id = c.authority_id
  join suppliers s on s.id = p.supplier_id
  join measures m on m.id = p.measure_id
  join themes t on t.id = m.theme_id`;

const MATCH_COLUMNS = `x.id, x.status, x.quantity, x.relation, x.reason, x.run_id,
  x.community_accepted_at, x.supplier_accepted_at, to_char(x.delivered_on, 'YYYY-MM-DD') as delivered_on,
  x.delivered_quantity, x.outcome_batch_id, x.created_at, x.updated_at,
  n.id as need_id, n.title as need_title, o.identifier as organisation, o.name as organisation_name,
  a.code as authority, a.name as authority_name,
  p.id as pledge_id, c.reference as contract, s.name as supplier_name, m.code as measure, m.unit as measure_unit,
  'exchange-match-' || x.id as evidence_ref, x.is_demo`;

const MATCH_FROM = `exchange_matches x
  join exchange_needs n on n.id = x.need_id
  join exchange_organisations o on o.id = n.organisation_id
  join authorities a on a.id = n.authority_id
  join exchange_pledges p on p.id = x.pledge_id
  join contracts c on c.id = p.contract_id
  join suppliers s on s.id = p.supplier_id
  join measures m on m.id = p.measure_id`;

/** The exchange as read: the board of needs, pledges, organisations, and matches with their history (knex). */
@Injectable()
export class ExchangeReadRepository {
  constructor(@Inject(KNEX) private readonly knex: Knex) {}

  private where(f: ExchangeListFilter, alias: 'n' | 'p', placeAlias: string): { sql: string; bind: Knex.RawBinding[] } {
    const where: string[] = [];
    const bind: Knex.RawBinding[] = [];
    const any = (column: string, values: readonly unknown[] | undefined, type = 'text') => {
      if (!values?.length) return;
      where.push(`${column} = any(?::${type}[])`);
      bind.push(values as Knex.RawBinding);
    };
    any(`${placeAlias}.id`, f.authorityIds, 'int');
    any(`coalesce(${placeAlias}.region, ${placeAlias}.nation)`, f.regions);
    any(`${placeAlias}.nation`, f.nations);
    any('m.theme_id', f.themeIds, 'int');
    any('m.id', f.measureIds, 'int');
    any(`${alias}.resource_kind`, f.resourceKinds);
    if ((f.status ?? 'open') === 'open') {
      where.push(`${alias}.status = 'open' and ${alias}.matched < ${alias}.quantity_measure`);
      where.push(alias === 'n' ? `(n.needed_by is null or n.needed_by >= current_date)` : `p.available_to >= current_date`);
    }
    return { sql: where.length ? `where ${where.join(' and ')}` : '', bind };
  }

  async needs(f: ExchangeListFilter, paging: PageRequest) {
    const { sql, bind } = this.where(f, 'n', 'a');
    const [{ rows }, { rows: count }] = await Promise.all([
      this.knex.raw(
        `select ${NEED_COLUMNS} from ${NEED_FROM} ${sql}
         order by n.needed_by nulls last, n.id limit ? offset ?`,
        [...bind, paging.limit, paging.offset],
      ),
      this.knex.raw(`select count(*)::int as n from ${NEED_FROM} ${sql}`, bind),
    ]);
    return { rows, total: Number(count[0].n) };
  }

  async need(id: number) {
    const { rows } = await this.knex.raw(`select ${NEED_COLUMNS} from ${NEED_FROM} where n.id = ?`, [id]);
    return rows[0];
  }

  async pledges(f: ExchangeListFilter, paging: PageRequest) {
    // a pledge's place: any of its places
    const { sql, bind } = this.where(f, 'p', 'pa');
    const placed = `${PLEDGE_FROM} join lateral (select pa.* from exchange_pledge_places pp join authorities pa on pa.id = pp.authority_id
      where pp.pledge_id = p.id) pa on true`;
    const [{ rows }, { rows: count }] = await Promise.all([
      this.knex.raw(
        `select distinct on (p.id) ${PLEDGE_COLUMNS} from ${placed} ${sql} order by p.id limit ? offset ?`,
        [...bind, paging.limit, paging.offset],
      ),
      this.knex.raw(`select count(distinct p.id)::int as n from ${placed} ${sql}`, bind),
    ]);
    return { rows, total: Number(count[0].n) };
  }

  async pledge(id: number) {
    const { rows } = await this.knex.raw(`select ${PLEDGE_COLUMNS} from ${PLEDGE_FROM} where p.id = ?`, [id]);
    return rows[0];
  }

  async organisations() {
    const { rows } = await this.knex.raw(
      `select o.identifier, o.name, o.vcse,
         coalesce(array_agg(a.code order by a.code) filter (where a.code is not null), '{}') as authorities,
         (select count(*)::int from exchange_needs n where n.organisation_id = o.id) as needs, o.is_demo
       from exchange_organisations o
       left join exchange_organisation_authorities oa on oa.organisation_id = o.id
       left join authorities a on a.id = oa.authority_id
       group by o.id order by o.name, o.identifier`,
    );
    return rows;
  }

  /** Matches of a need or a pledge, or every match in the scope; newest first. */
  async matches(q: { needId?: number; pledgeId?: number; status?: string[] }, scope: MatchScope, paging: PageRequest) {
    const where: string[] = [];
    const bind: Knex.RawBinding[] = [];
    if (q.needId !== undefined) {
      where.push('x.need_id = ?');
      bind.push(q.needId);
    }
    if (q.pledgeId !== undefined) {
      where.push('x.pledge_id = ?');
      bind.push(q.pledgeId);
    }
    if (q.status?.length) {
      where.push('x.status = any(?::text[])');
      bind.push(q.status);
    }
    this.scoped(scope, where, bind);
    const sql = where.length ? `where ${where.join(' and ')}` : '';
    const [{ rows }, { rows: count }] = await Promise.all([
      this.knex.raw(`select ${MATCH_COLUMNS} from ${MATCH_FROM} ${sql} order by x.id desc limit ? offset ?`, [...bind, paging.limit, paging.offset]),
      this.knex.raw(`select count(*)::int as n from ${MATCH_FROM} ${sql}`, bind),
    ]);
    return { rows, total: Number(count[0].n) };
  }

  async match(id: number, scope: MatchScope) {
    const where = ['x.id = ?'];
    const bind: Knex.RawBinding[] = [id];
    this.scoped(scope, where, bind);
    const { rows } = await this.knex.raw(`select ${MATCH_COLUMNS} from ${MATCH_FROM} where ${where.join(' and ')}`, bind);
    return rows[0];
  }

  /** Every move of a match, oldest first: from, to, the side and the key's public prefix (no person is named). */
  async transitions(matchId: number) {
    const { rows } = await this.knex.raw(
      `select t.from_status, t.to_status, t.side, k.prefix as key_prefix, t.note, t.at
       from exchange_transitions t left join api_keys k on k.id = t.api_key_id
       where t.match_id = ? order by t.at, t.id`,
      [matchId],
    );
    return rows;
  }

  private scoped(scope: MatchScope, where: string[], bind: Knex.RawBinding[]): void {
    if (scope.organisationId != null) {
      where.push('n.organisation_id = ?');
      bind.push(scope.organisationId);
    }
    if (scope.supplierId != null) {
      where.push('p.supplier_id = ?');
      bind.push(scope.supplierId);
    }
    if (scope.authorityCodes) {
      where.push('(a.code = any(?::text[]) or c.authority_id in (select id from authorities where code = any(?::text[])))');
      bind.push(scope.authorityCodes, scope.authorityCodes);
    }
  }
}
