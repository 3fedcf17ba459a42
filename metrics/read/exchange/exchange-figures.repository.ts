import { Inject, Injectable } from '@nestjs/common';
import type { Knex } from 'knex';
import type { Basis } from '../../derive/valuation/valuation';
import { KNEX } from '../../platform/tokens';
import { deprivationQuintileSql } from '../../reference/authorities/deprivation';
import type { ResolvedFilter } from '../../reference/read-filter/read-filter';

/** What the exchange's figures are filtered by: the place, the theme, the period, and (the board of needs) resource kinds. */
export type ExchangeFiguresFilter = Pick<ResolvedFilter, 'authorityIds' | 'regions' | 'nations' | 'themeIds' | 'fromDate' | 'toDate'> & {
  resourceKinds?: string[];
};

/** The four stages of the funnel, in order: each a subset of the one before. */
export const EXCHANGE_STAGES = ['pledged', 'matched', 'delivered', 'confirmed'] as const;
export type ExchangeStage = (typeof EXCHANGE_STAGES)[number];

/** How the stage figures are grouped: not at all, by quarter, by the measure's theme, or by region (England's; the nation elsewhere). */
export type StageGrouping = 'total' | 'quarter' | 'theme' | 'region' | 'nation' | 'authority';
/** How unmet need is grouped: also by authority (the need's). */
export type UnmetGrouping = 'total' | 'theme' | 'region' | 'nation' | 'authority';

export interface StageDbRow {
  key: string | null;
  label: string | null;
  stage: ExchangeStage;
  count: number;
  /** Exact £ (numeric as text); null when nothing in the group is valued. */
  value_gbp: string | null;
  /** £ of the group reaching a council in the most deprived IMD quintile (matches only: a pledge has no one place). */
  deprived_gbp: string | null;
  /** Items whose measure has no unit value (record_only, or no proxy value): counted, never in £. */
  unvalued: number;
}

export interface UnmetDbRow {
  key: string | null;
  label: string | null;
  region: string | null;
  open_needs: number;
  unmet_gbp: string | null;
  unvalued: number;
}

/**
 * The measure's £ per unit on a basis: its stored valuation factor (derive/valuation, the pure unitValue) for the year of
 * its latest proxy value, the newest price year the catalogue has for it. A measure without a proxy value (or
 * record_only) has none.
 */
const UNIT_VALUES = (basis: Basis) => `unit_values as (
  select latest.measure_id, f.${basis}_per_unit as per_unit
  from (select measure_id, max(price_year) as year from proxy_values group by measure_id) latest
  join valuation_factors f on f.measure_id = latest.measure_id and f.year = latest.year
)`;

/** Whether the need's council (imd: its mySociety IMD cluster) is in the most deprived quintile; `?` escaped for knex. */
const MOST_DEPRIVED_SQL = `${deprivationQuintileSql('imd.label').replace(/\?/g, '\\?')} = 1`;

/** The day (UTC) of a timestamp, which places it in a quarter. */
const dayOf = (ts: string) => `(${ts} at time zone 'UTC')::date`;

/**
 * The exchange's figures (SQL only; ExchangeFiguresService shapes them): the funnel pledged -> matched -> delivered ->
 * confirmed, each stage counted and valued, by quarter, theme or region; days from a need to its first accepted match;
 * open needs' remaining quantity, valued. A pledge's quarter is when it was posted; a match stage's, when the match
 * first moved into it (its transition's `at`). A pledge's place is any of its places; a match's, its need's authority.
 */
@Injectable()
export class ExchangeFiguresRepository {
  constructor(@Inject(KNEX) private readonly knex: Knex) {}

  /** Conditions on an authority alias (the place filter), with their bindings. */
  private static place(f: ExchangeFiguresFilter, alias: string, bind: Knex.RawBinding[]): string[] {
    const out: string[] = [];
    if (f.authorityIds?.length) {
      out.push(`${alias}.id = any(?::int[])`);
      bind.push(f.authorityIds);
    }
    if (f.regions?.length) {
      out.push(`coalesce(${alias}.region, ${alias}.nation) = any(?::text[])`);
      bind.push(f.regions);
    }
    if (f.nations?.length) {
      out.push(`${alias}.nation = any(?::text[])`);
      bind.push(f.nations);
    }
    return out;
  }

  private static subject(f: ExchangeFiguresFilter, measure: string, kind: string, bind: Knex.RawBinding[]): string[] {
    const out: string[] = [];
    if (f.themeIds?.length) {
      out.push(`${measure}.theme_id = any(?::int[])`);
      bind.push(f.themeIds);
    }
    if (f.resourceKinds?.length) {
      out.push(`${kind} = any(?::text[])`);
      bind.push(f.resourceKinds);
    }
    return out;
  }

  private static period(f: ExchangeFiguresFilter, day: string, bind: Knex.RawBinding[]): string[] {
    const out: string[] = [];
    if (f.fromDate) {
      out.push(`${day} >= ?::date`);
      bind.push(f.fromDate);
    }
    if (f.toDate) {
      out.push(`${day} <= ?::date`);
      bind.push(f.toDate);
    }
    return out;
  }

  private static where(clauses: string[]): string {
    return clauses.length ? `where ${clauses.join(' and ')}` : '';
  }

  /** Each stage's count and £ (and £ to the most deprived quintile), grouped. */
  async stages(f: ExchangeFiguresFilter, basis: Basis, group: StageGrouping): Promise<StageDbRow[]> {
    const bind: Knex.RawBinding[] = [];
    // pledges: in the filter when any of their places is; by region, once in each region of those places
    const placeBind: Knex.RawBinding[] = [];
    const pledgePlace = ExchangeFiguresRepository.place(f, 'pa', placeBind);
    const pledgeRegions = `(select array_agg(distinct coalesce(pa.region, pa.nation)) from exchange_pledge_places pp
        join authorities pa on pa.id = pp.authority_id where pp.pledge_id = p.id${pledgePlace.length ? ` and ${pledgePlace.join(' and ')}` : ''})`;
    bind.push(...placeBind);
    // and its places themselves (those in the filter), for the groupings by authority and nation
    const pledgePlacesBind: Knex.RawBinding[] = [];
    const pledgePlaceIds = `(select array_agg(distinct pa.id) from exchange_pledge_places pp
        join authorities pa on pa.id = pp.authority_id where pp.pledge_id = p.id${(() => {
          const c = ExchangeFiguresRepository.place(f, 'pa', pledgePlacesBind);
          return c.length ? ` and ${c.join(' and ')}` : '';
        })()})`;
    bind.push(...pledgePlacesBind);
    const pledgeWhere: string[] = [];
    if (pledgePlace.length) {
      pledgeWhere.push(`exists (select 1 from exchange_pledge_places pp join authorities pa on pa.id = pp.authority_id
        where pp.pledge_id = p.id and ${ExchangeFiguresRepository.place(f, 'pa', bind).join(' and ')})`);
    }
    const pledged = `select 'pledged'::text as stage, p.id as item, ${dayOf('p.created_at')} as day, p.measure_id, p.resource_kind,
        p.quantity_measure as quantity, ${pledgeRegions} as regions, ${pledgePlaceIds} as places, null::boolean as deprived
      from exchange_pledges p ${ExchangeFiguresRepository.where(pledgeWhere)}`;
    const matchWhere = ExchangeFiguresRepository.place(f, 'a', bind);
    // a match is in a stage while its status is that stage or a later one; it holds its quantity until delivered,
    // then what was delivered (as the pledge's and need's `matched` count it)
    const moved = `select s.stage, x.id as item, ${dayOf('reached.at')} as day, p.measure_id, p.resource_kind,
        case when x.status = 'accepted' then x.quantity else x.delivered_quantity end as quantity,
        array[coalesce(a.region, a.nation)] as regions, array[a.id] as places,
        coalesce(${MOST_DEPRIVED_SQL}, false) as deprived
      from exchange_matches x
      join exchange_pledges p on p.id = x.pledge_id
      join exchange_needs n on n.id = x.need_id
      join authorities a on a.id = n.authority_id
      left join authority_clusters imd on imd.authority_id = a.id and imd.scheme = 'imd'
      join (values ('matched', 'accepted', array['accepted', 'delivered', 'confirmed']), ('delivered', 'delivered', array['delivered', 'confirmed']),
        ('confirmed', 'confirmed', array['confirmed'])) s (stage, reached, statuses) on x.status = any(s.statuses)
      cross join lateral (select coalesce(min(t.at), x.updated_at) as at from exchange_transitions t
        where t.match_id = x.id and t.to_status = s.reached) reached
      ${ExchangeFiguresRepository.where(matchWhere)}`;
    const outer: string[] = [...ExchangeFiguresRepository.subject(f, 'm', 'e.resource_kind', bind), ...ExchangeFiguresRepository.period(f, 'e.day', bind)];
    const key = {
      total: { select: `null::text as key, null::text as label`, from: '', group: '' },
      quarter: { select: `to_char(e.day, 'YYYY-"Q"Q') as key, to_char(e.day, 'YYYY-"Q"Q') as label`, from: '', group: 'key, label,' },
      theme: { select: `t.code as key, t.name as label`, from: 'join themes t on t.id = m.theme_id', group: 't.code, t.name,' },
      region: { select: `r.region as key, r.region as label`, from: 'cross join lateral unnest(coalesce(e.regions, array[null::text])) r (region)', group: 'r.region,' },
      // once in each nation (authority) of the places
      nation: {
        select: `gn.nation as key, gn.nation as label`,
        from: 'cross join lateral (select distinct ga.nation from unnest(e.places) pl (id) join authorities ga on ga.id = pl.id) gn',
        group: 'gn.nation,',
      },
      authority: {
        select: `ga.code as key, ga.name as label`,
        from: 'cross join lateral unnest(e.places) pl (id) join authorities ga on ga.id = pl.id',
        group: 'ga.code, ga.name,',
      },
    }[group];
    const { rows } = await this.knex.raw(
      `with ${UNIT_VALUES(basis)},
       events as (${pledged} union all ${moved})
       select ${key.select}, e.stage, count(*)::int as count, sum(e.quantity * uv.per_unit)::text as value_gbp,
         sum(e.quantity * uv.per_unit) filter (where e.deprived)::text as deprived_gbp,
         (count(*) filter (where uv.per_unit is null))::int as unvalued
       from events e
       join measures m on m.id = e.measure_id
       ${key.from}
       left join unit_values uv on uv.measure_id = e.measure_id
       ${ExchangeFiguresRepository.where(outer)}
       group by ${key.group} e.stage
       order by 1 nulls last, 2`,
      bind,
    );
    return (rows as StageDbRow[]).map((r) => ({ ...r, count: Number(r.count), unvalued: Number(r.unvalued) }));
  }

  /**
   * Open needs (open, something left to meet, not past their date: the board's rule) and their remaining quantity
   * valued, grouped. Now, whatever the period: it is what is still asked.
   */
  async unmet(f: ExchangeFiguresFilter, basis: Basis, group: UnmetGrouping): Promise<UnmetDbRow[]> {
    const bind: Knex.RawBinding[] = [];
    const where = [
      `n.status = 'open'`,
      `n.matched < n.quantity_measure`,
      `(n.needed_by is null or n.needed_by >= current_date)`,
      ...ExchangeFiguresRepository.place(f, 'a', bind),
      ...ExchangeFiguresRepository.subject(f, 'm', 'n.resource_kind', bind),
    ];
    const key = {
      total: { select: 'null::text as key, null::text as label, null::text as region', from: '', group: '' },
      theme: { select: 't.code as key, t.name as label, null::text as region', from: 'join themes t on t.id = m.theme_id', group: 'group by t.code, t.name' },
      region: { select: 'coalesce(a.region, a.nation) as key, coalesce(a.region, a.nation) as label, coalesce(a.region, a.nation) as region', from: '', group: 'group by 1, 2, 3' },
      nation: { select: 'a.nation as key, a.nation as label, null::text as region', from: '', group: 'group by 1, 2, 3' },
      authority: { select: 'a.code as key, a.name as label, coalesce(a.region, a.nation) as region', from: '', group: 'group by a.code, a.name, 3' },
    }[group];
    const { rows } = await this.knex.raw(
      `with ${UNIT_VALUES(basis)}
       select ${key.select}, count(*)::int as open_needs, sum((n.quantity_measure - n.matched) * uv.per_unit)::text as unmet_gbp,
         (count(*) filter (where uv.per_unit is null))::int as unvalued
       from exchange_needs n
       join authorities a on a.id = n.authority_id
       join measures m on m.id = n.measure_id
       ${key.from}
       left join unit_values uv on uv.measure_id = n.measure_id
       ${ExchangeFiguresRepository.where(where)}
       ${key.group}
       order by 1 nulls last`,
      bind,
    );
    return (rows as UnmetDbRow[]).map((r) => ({ ...r, open_needs: Number(r.open_needs), unvalued: Number(r.unvalued) }));
  }

  /**
   * Days from each need being posted to its first accepted match (any match of it that was ever accepted), for the
   * needs whose first acceptance falls in the period: their median and how many there are.
   */
  async daysToMatch(f: ExchangeFiguresFilter): Promise<{ median_days: number | null; needs: number }> {
    const bind: Knex.RawBinding[] = [];
    const inner = [...ExchangeFiguresRepository.place(f, 'a', bind), ...ExchangeFiguresRepository.subject(f, 'm', 'n.resource_kind', bind)];
    const outer = ExchangeFiguresRepository.period(f, dayOf('d.first_at'), bind);
    const { rows } = await this.knex.raw(
      `select percentile_cont(0.5) within group (order by d.days) as median_days, count(*)::int as needs
       from (
         select n.id, min(t.at) as first_at, extract(epoch from (min(t.at) - n.created_at)) / 86400.0 as days
         from exchange_needs n
         join authorities a on a.id = n.authority_id
         join measures m on m.id = n.measure_id
         join exchange_matches x on x.need_id = n.id
         join exchange_transitions t on t.match_id = x.id and t.to_status = 'accepted'
         ${ExchangeFiguresRepository.where(inner)}
         group by n.id, n.created_at
       ) d
       ${ExchangeFiguresRepository.where(outer)}`,
      bind,
    );
    const r = rows[0] ?? {};
    return { median_days: r.median_days === null || r.median_days === undefined ? null : Number(r.median_days), needs: Number(r.needs ?? 0) };
  }

  /** The figures' freshness: the latest move or post on the exchange (null: nothing yet). */
  async asOf(): Promise<string | null> {
    const { rows } = await this.knex.raw(
      `select to_char(greatest((select max(at) from exchange_transitions), (select max(created_at) from exchange_pledges),
         (select max(updated_at) from exchange_needs)) at time zone 'UTC', 'YYYY-MM-DD') as as_of`,
    );
    return rows[0]?.as_of ?? null;
  }
}
