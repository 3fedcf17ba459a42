import { Inject, Injectable } from '@nestjs/common';
import type { Knex } from 'knex';
import { KNEX } from '../../platform/tokens';
import type { DemoExchangeCommitment } from './demo-exchange';
import type { DemoNoticeAuthority } from './demo-notices';

/** What the demo generator reads: whether the database holds contracts yet, and the authorities to spread them over, the
 * measures' names. */
@Injectable()
export class DemoRepository {
  constructor(@Inject(KNEX) private readonly knex: Knex) {}

  async anyContract(): Promise<boolean> {
    return (await this.knex('contracts').first('id')) !== undefined;
  }

  /** Councils (not combined authorities) and central government departments, by code. */
  authorities(): Promise<DemoNoticeAuthority[]> {
    return this.knex('authorities')
      .whereIn('kind', ['local_authority', 'central_department'])
      .whereNot('subtype', 'Combined authority')
      .orderBy('code')
      .select('code', 'name', 'region', 'kind');
  }

  /** The default framework's measures: code to name (the demo's KPI titles). */
  async measureNames(): Promise<Map<string, string>> {
    const rows: Array<{ code: string; name: string }> = await this.knex('measures as m')
      .join('frameworks as f', 'f.id', 'm.framework_id')
      .where('f.is_default', true)
      .select('m.code', 'm.name');
    return new Map(rows.map((r) => [r.code, r.name]));
  }

  /** Demo contracts' latest commitments of these measures (default framework), summed over their periods. */
  async exchangeCommitments(measures: readonly string[]): Promise<DemoExchangeCommitment[]> {
    const { rows } = await this.knex.raw(
      `select c.reference as contract, a.code as authority, a.name as authority_name, m.code as measure,
         sum(cm.target_canonical)::float8 as committed,
         to_char(c.start_date, 'YYYY-MM-DD') as start_date, to_char(c.end_date, 'YYYY-MM-DD') as end_date
       from commitments cm
       join contracts c on c.id = cm.contract_id and c.is_demo and c.supplier_id is not null
       join authorities a on a.id = c.authority_id and a.kind = 'local_authority'
       join measures m on m.id = cm.measure_id
       join frameworks f on f.id = m.framework_id and f.is_default
       where cm.is_latest and m.code = any(?::text[])
       group by c.id, a.id, m.id
       order by a.code, c.reference, m.code`,
      [[...measures]],
    );
    return rows;
  }

  /** The proposals a matching run made, with the contract and measure each would deliver against. */
  async proposalsOfRun(runId: number): Promise<Array<{ id: number; contract: string; measure_id: number; start_date: string | null; end_date: string | null }>> {
    const { rows } = await this.knex.raw(
      `select x.id, c.reference as contract, p.measure_id, to_char(c.start_date, 'YYYY-MM-DD') as start_date,
         to_char(c.end_date, 'YYYY-MM-DD') as end_date
       from exchange_matches x join exchange_pledges p on p.id = x.pledge_id join contracts c on c.id = p.contract_id
       where x.run_id = ? and x.status = 'proposed' order by x.id`,
      [runId],
    );
    return rows.map((r: { id: string | number }) => ({ ...r, id: Number(r.id) }));
  }

  /**
   * Spreads the demo exchange over the past year: each match's moves happen `days_ago` days back (its delivery on its
   * delivered_on day, its confirmation three days later), its need and pledge posted before it was proposed. Demo
   * rows only.
   */
  async backdateExchange(matches: ReadonlyArray<{ id: number; days_ago: number }>): Promise<void> {
    if (matches.length === 0) return;
    await this.knex.transaction(async (trx) => {
      const v = `(select * from jsonb_to_recordset(?::jsonb) as r(id bigint, days_ago int)) v`;
      const json = JSON.stringify(matches);
      await trx.raw(
        `update exchange_transitions t set at = case t.to_status
           when 'proposed' then now() - make_interval(days => v.days_ago + 2)
           when 'delivered' then x.delivered_on + interval '12 hours'
           when 'confirmed' then least(now(), x.delivered_on + interval '3 days')
           else now() - make_interval(days => v.days_ago) end
         from ${v}, exchange_matches x
         where t.match_id = v.id and x.id = v.id and x.is_demo`,
        [json],
      );
      await trx.raw(
        `update exchange_matches x set created_at = now() - make_interval(days => v.days_ago + 2),
           community_accepted_at = case when x.community_accepted_at is not null then now() - make_interval(days => v.days_ago) end,
           supplier_accepted_at = case when x.supplier_accepted_at is not null then now() - make_interval(days => v.days_ago) end,
           updated_at = now() - make_interval(days => v.days_ago)
         from ${v} where x.id = v.id and x.is_demo`,
        [json],
      );
      await trx.raw(
        `update exchange_needs n set created_at = f.first - interval '10 days'
         from (select need_id, min(created_at) as first from exchange_matches where is_demo group by need_id) f
         where n.id = f.need_id and n.is_demo and f.first - interval '10 days' < n.created_at`,
      );
      await trx.raw(
        `update exchange_pledges p set created_at = f.first - interval '5 days'
         from (select pledge_id, min(created_at) as first from exchange_matches where is_demo group by pledge_id) f
         where p.id = f.pledge_id and p.is_demo and f.first - interval '5 days' < p.created_at`,
      );
    });
  }
}
