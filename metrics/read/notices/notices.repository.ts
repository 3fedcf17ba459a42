import { Inject, Injectable } from '@nestjs/common';
import type { Knex } from 'knex';
import { KNEX } from '../../platform/tokens';
import type { ResolvedFilter } from '../../reference/read-filter/read-filter';
import type { Rating } from '../../derive/valuation/delivery';

/** A contract and a period its buyer rated (UK9): each KPI's latest rating for that period. */
export interface RatedPeriod {
  contract_id: number;
  reference: string;
  title: string;
  authority: string;
  authority_name: string;
  period_start: string;
  period_end: string;
  ratings: Rating[];
}

/** The latest rating of each contract, KPI and period (a later notice for the same KPI and period supersedes). */
const LATEST_RATINGS = `(select distinct on (contract_id, metric_id, period_start, period_end) *
  from contract_performance order by contract_id, metric_id, period_start, period_end, release_date desc, id desc)`;

/** The SQL of what the Procurement Act 2023's notices published: KPIs, ratings, failures, changes, payments. */
@Injectable()
export class NoticesRepository {
  constructor(@Inject(KNEX) private readonly knex: Knex) {}

  /** A contract's notices: KPIs, the rationale for none, every rating (superseded ones marked), failures, events. */
  async ofContract(contractId: number) {
    const [kpis, ratings, failures, events, [contract]] = await Promise.all([
      this.knex('contract_kpis').where({ contract_id: contractId }).orderByRaw('metric_id collate "C"').select('metric_id', 'title', 'description', 'release_id', 'release_date'),
      this.knex.raw(
        `select p.metric_id, p.observation_id, p.period_start, p.period_end, p.classification, p.rating, p.notes, s.name as supplier,
           p.release_id, p.release_date,
           p.id <> first_value(p.id) over (partition by p.metric_id, p.period_start, p.period_end order by p.release_date desc, p.id desc) as superseded
         from contract_performance p left join suppliers s on s.id = p.supplier_id
         where p.contract_id = ? order by p.period_end desc, p.metric_id collate "C", p.release_date desc`,
        [contractId],
      ).then((r: { rows: unknown[] }) => r.rows),
      this.knex('performance_failures').where({ contract_id: contractId }).orderBy(['decision_date', 'id'])
        .select('requirement', 'description', 'decision_date', 'penalty_date', 'penalty_type', 'penalty_value_gbp', 'partial_termination', 'release_id'),
      this.knex('contract_events').where({ contract_id: contractId }).orderBy(['event_date', 'id']).select('kind', 'event_date', 'description', 'rationale', 'release_id'),
      this.knex('contracts').where({ id: contractId }).select('kpi_rationale'),
    ]);
    return { kpis, kpi_rationale: contract?.kpi_rationale ?? null, ratings, performance_failures: failures, events };
  }

  /** Each contract and period rated by a notice, with its KPIs' latest ratings; in the filter (the period's end in from..to), or of these contracts. */
  async ratedPeriods(
    f: Partial<Pick<ResolvedFilter, 'authorityIds' | 'kinds' | 'regions' | 'nations' | 'sectors' | 'fromDate' | 'toDate'>> & { contractIds?: readonly number[] },
  ): Promise<RatedPeriod[]> {
    const where: string[] = [];
    const bind: unknown[] = [];
    const any = (column: string, values: readonly unknown[] | undefined, type = 'text') => {
      if (!values?.length) return;
      where.push(`${column} = any(?::${type}[])`);
      bind.push(values);
    };
    any('a.id', f.authorityIds, 'int');
    any('c.id', f.contractIds, 'bigint');
    any('a.kind', f.kinds);
    any('a.region', f.regions);
    any('a.nation', f.nations);
    any('c.sector::text', f.sectors);
    if (f.fromDate) {
      where.push('l.period_end >= ?::date');
      bind.push(f.fromDate);
    }
    if (f.toDate) {
      where.push('l.period_end <= ?::date');
      bind.push(f.toDate);
    }
    const { rows } = await this.knex.raw(
      `select c.id as contract_id, c.reference, c.title, a.code as authority, a.name as authority_name,
         to_char(l.period_start, 'YYYY-MM-DD') as period_start, to_char(l.period_end, 'YYYY-MM-DD') as period_end,
         array_agg(l.rating order by l.metric_id collate "C") as ratings
       from ${LATEST_RATINGS} l
       join contracts c on c.id = l.contract_id join authorities a on a.id = c.authority_id
       ${where.length ? `where ${where.join(' and ')}` : ''}
       group by c.id, a.id, l.period_start, l.period_end
       order by a.code collate "C", c.reference collate "C", l.period_end`,
      bind as Knex.RawBinding[],
    );
    return rows.map((r: RatedPeriod & { contract_id: string | number }) => ({ ...r, contract_id: Number(r.contract_id) }));
  }
}
