import { Inject, Injectable } from '@nestjs/common';
import type { Knex } from 'knex';
import { waitForLock } from '../../platform/locks';
import { knexSession } from '../../platform/session';
import { KNEX } from '../../platform/tokens';
import { unitFactorSql } from '../imports/imports.repository';
import type { MatchStatus } from './exchange-rules';
import type { MatchingGeography, OpenNeed, OpenPledge, Proposal, Reach } from './matching';

export interface MeasureUnit {
  measure_id: number;
  code: string;
  framework: string;
  measure_unit: string;
  /** What one of the unit sent is in the measure's unit; null when it does not convert. */
  factor: string | null;
}

export interface NeedRow {
  organisation_id: number;
  reference: string | null;
  title: string;
  description: string | null;
  resource_kind: string;
  quantity: string;
  unit: string;
  measure_id: number;
  quantity_measure: string;
  authority_id: number;
  needed_by: string | null;
  is_demo: boolean;
}

export interface PledgeRow {
  supplier_id: number;
  contract_id: number;
  measure_id: number;
  reference: string | null;
  title: string | null;
  resource_kind: string;
  quantity: string;
  unit: string;
  quantity_measure: string;
  reach: Reach;
  available_from: string;
  available_to: string;
  is_demo: boolean;
}

export interface PledgeContract {
  contract_id: number;
  reference: string;
  supplier_id: number | null;
  authority_code: string;
  /** The contract's latest commitments of the measure, summed over their periods (measure unit); null: none. */
  committed: string | null;
  /** What open and earlier pledges of the contract already offer of the measure (measure unit). */
  pledged: string;
  start_date: string | null;
  end_date: string | null;
}

/** A match with what moving it needs: its parties, its contract and measure, as locked for the move. */
export interface MatchForMove {
  id: number;
  status: MatchStatus;
  quantity: string;
  community_accepted: boolean;
  supplier_accepted: boolean;
  delivered_on: string | null;
  delivered_quantity: string | null;
  outcome_batch_id: number | null;
  organisation_id: number;
  supplier_id: number;
  need_authority: string;
  contract_id: number;
  contract_reference: string;
  contract_start: string | null;
  contract_end: string | null;
  measure_id: number;
  measure_code: string;
  framework: string;
  measure_unit: string;
  is_demo: boolean;
}

const CHUNK = 5_000;

/** The exchange's writes: organisations, needs, pledges, matching runs, matches and their transitions (knex). */
@Injectable()
export class ExchangeRepository {
  constructor(@Inject(KNEX) private readonly knex: Knex) {}

  transaction<T>(fn: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
    return this.knex.transaction(fn);
  }

  /** Every authority's region (England's regions; the nation elsewhere), IMD quintile and geographic neighbours. */
  async geography(): Promise<MatchingGeography> {
    const { rows: places } = await this.knex.raw(
      `select a.code, coalesce(a.region, a.nation) as region,
         (substring(btrim(c.label) from '^([1-5])(?:st|nd|rd|th) IMD quintile$'))::int as quintile
       from authorities a
       left join authority_clusters c on c.authority_id = a.id and c.scheme = 'imd'
       where a.kind = 'local_authority'`,
    );
    const { rows: links } = await this.knex.raw(
      `select a.code, n.code as neighbour from authority_neighbours x
       join authorities a on a.id = x.authority_id join authorities n on n.id = x.neighbour_id
       order by x.authority_id, x.rank`,
    );
    const regionOf = new Map<string, string>();
    const imdQuintile = new Map<string, number>();
    for (const p of places as Array<{ code: string; region: string | null; quintile: number | null }>) {
      if (p.region) regionOf.set(p.code, p.region);
      if (p.quintile !== null) imdQuintile.set(p.code, p.quintile);
    }
    const neighboursOf = new Map<string, string[]>();
    for (const l of links as Array<{ code: string; neighbour: string }>) {
      const list = neighboursOf.get(l.code) ?? [];
      list.push(l.neighbour);
      neighboursOf.set(l.code, list);
    }
    return { regionOf, neighboursOf, imdQuintile };
  }

  async authorityIds(codes: readonly string[]): Promise<Map<string, number>> {
    if (codes.length === 0) return new Map();
    const rows: Array<{ id: number; code: string }> = await this.knex('authorities').whereIn('code', codes as string[]).select('id', 'code');
    return new Map(rows.map((r) => [r.code, r.id]));
  }

  /** The measure a code names (in the framework named, or the default one) and the factor of `unit` to its unit. */
  async measureUnit(code: string, framework: string | null, unit: string): Promise<MeasureUnit | undefined> {
    const { rows } = await this.knex.raw(
      `with i as (select ?::text as unit, ?::text as code, ?::text as framework)
       select m.id as measure_id, m.code, f.code || '@' || f.version as framework, m.unit as measure_unit,
         ${unitFactorSql('i.unit', 'm')} as factor
       from i join measures m on m.code = i.code join frameworks f on f.id = m.framework_id
       where case when i.framework is null then f.is_default
         else f.code = split_part(i.framework, '@', 1) and (position('@' in i.framework) = 0 or f.version = split_part(i.framework, '@', 2)) end
       order by f.created_at desc, f.id desc limit 1`,
      [unit, code, framework],
    );
    return rows[0];
  }

  async organisation(identifier: string): Promise<{ id: number; identifier: string; authorities: string[] } | undefined> {
    const { rows } = await this.knex.raw(
      `select o.id, o.identifier, coalesce(array_agg(a.code order by a.code) filter (where a.code is not null), '{}') as authorities
       from exchange_organisations o
       left join exchange_organisation_authorities oa on oa.organisation_id = o.id
       left join authorities a on a.id = oa.authority_id
       where o.identifier = ? group by o.id`,
      [identifier],
    );
    return rows[0];
  }

  async organisationById(id: number): Promise<{ id: number; identifier: string } | undefined> {
    return this.knex('exchange_organisations').where({ id }).first('id', 'identifier');
  }

  /** Creates an organisation, or updates its name, flag and authorities (the identifier is its key). */
  async upsertOrganisation(
    trx: Knex.Transaction,
    o: { identifier: string; name: string; vcse: boolean; authorityIds: number[]; isDemo: boolean },
  ): Promise<{ id: number; created: boolean }> {
    const { rows } = await trx.raw(
      `insert into exchange_organisations (identifier, name, vcse, is_demo) values (?, ?, ?, ?)
       on conflict (identifier) do update set name = excluded.name, vcse = excluded.vcse, updated_at = now()
       returning id, (xmax = 0) as created`,
      [o.identifier, o.name, o.vcse, o.isDemo],
    );
    const { id, created } = rows[0] as { id: number; created: boolean };
    await trx('exchange_organisation_authorities').where({ organisation_id: id }).delete();
    if (o.authorityIds.length > 0) {
      await trx('exchange_organisation_authorities').insert(o.authorityIds.map((authority_id) => ({ organisation_id: id, authority_id })));
    }
    return { id, created };
  }

  async insertNeeds(trx: Knex.Transaction, needs: readonly NeedRow[]): Promise<number[]> {
    const ids: number[] = [];
    for (let i = 0; i < needs.length; i += CHUNK) {
      const rows: Array<{ id: number }> = await trx('exchange_needs').insert(needs.slice(i, i + CHUNK)).returning('id');
      ids.push(...rows.map((r) => Number(r.id)));
    }
    return ids;
  }

  async insertPledges(trx: Knex.Transaction, pledges: ReadonlyArray<PledgeRow & { places: number[] }>): Promise<number[]> {
    const ids: number[] = [];
    for (let i = 0; i < pledges.length; i += CHUNK) {
      const chunk = pledges.slice(i, i + CHUNK);
      const rows: Array<{ id: number }> = await trx('exchange_pledges')
        .insert(chunk.map(({ places: _places, ...p }) => p))
        .returning('id');
      const places = chunk.flatMap((p, j) => p.places.map((authority_id) => ({ pledge_id: Number(rows[j].id), authority_id })));
      if (places.length > 0) await trx.batchInsert('exchange_pledge_places', places, CHUNK);
      ids.push(...rows.map((r) => Number(r.id)));
    }
    return ids;
  }

  /** The contract a pledge is made against, by reference: its supplier, buyer, commitment of the measure and pledges. */
  async pledgeContract(reference: string, measureId: number): Promise<PledgeContract | undefined> {
    const { rows } = await this.knex.raw(
      `select c.id as contract_id, c.reference, c.supplier_id, a.code as authority_code,
         to_char(c.start_date, 'YYYY-MM-DD') as start_date, to_char(c.end_date, 'YYYY-MM-DD') as end_date,
         (select sum(target_canonical) from commitments m where m.contract_id = c.id and m.measure_id = ? and m.is_latest) as committed,
         coalesce((select sum(quantity_measure) from exchange_pledges p
           where p.contract_id = c.id and p.measure_id = ? and p.status <> 'withdrawn'), 0) as pledged
       from contracts c join authorities a on a.id = c.authority_id
       where c.reference = ?`,
      [measureId, measureId, reference],
    );
    return rows[0];
  }

  /** Open pledges with something left to offer and open needs with something left to meet, on `today`. */
  async openForMatching(trx: Knex.Transaction, today: string): Promise<{ pledges: OpenPledge[]; needs: OpenNeed[] }> {
    const { rows: pledges } = await trx.raw(
      `select p.id, p.resource_kind as kind, p.measure_id as "measureId", (p.quantity_measure - p.matched)::float8 as remaining,
         p.reach, coalesce(array_agg(a.code order by a.code) filter (where a.code is not null), '{}') as places
       from exchange_pledges p
       left join exchange_pledge_places pp on pp.pledge_id = p.id
       left join authorities a on a.id = pp.authority_id
       where p.status = 'open' and p.matched < p.quantity_measure and p.available_to >= ?::date
       group by p.id order by p.id`,
      [today],
    );
    const { rows: needs } = await trx.raw(
      `select n.id, n.resource_kind as kind, n.measure_id as "measureId", (n.quantity_measure - n.matched)::float8 as remaining,
         a.code as authority, n.needed_by as "neededBy"
       from exchange_needs n join authorities a on a.id = n.authority_id
       where n.status = 'open' and n.matched < n.quantity_measure and (n.needed_by is null or n.needed_by >= ?::date)
       order by n.id`,
      [today],
    );
    const num = <T extends { id: unknown; remaining: unknown }>(r: T) => ({ ...r, id: Number(r.id), remaining: Number(r.remaining) });
    return { pledges: (pledges as OpenPledge[]).map(num), needs: (needs as OpenNeed[]).map(num) };
  }

  /** Opens a matching run, after any other instance's run under way has ended. */
  async startRun(trx: Knex.Transaction, trigger: string, apiKeyId: number | null): Promise<number> {
    await waitForLock(knexSession(trx), 'exchangeMatching');
    const [{ id }] = await trx('exchange_runs').insert({ trigger, api_key_id: apiKeyId }).returning('id');
    return Number(id);
  }

  async finishRun(
    trx: Knex.Transaction,
    id: number,
    r: { pledges: number; needs: number; proposals: number; expired: number; figures: unknown },
  ): Promise<void> {
    await trx('exchange_runs')
      .where({ id })
      .update({ ...r, figures: JSON.stringify(r.figures), finished_at: trx.fn.now() });
  }

  /**
   * Proposals whose need or pledge closed, passed its date or has less left than they ask expire (with a transition
   * each): nobody could accept them any more.
   */
  async expireStale(trx: Knex.Transaction, today: string): Promise<number> {
    const { rows } = await trx.raw(
      `with gone as (
         update exchange_matches m set status = 'expired', updated_at = now()
         from exchange_needs n, exchange_pledges p
         where m.need_id = n.id and m.pledge_id = p.id and m.status = 'proposed'
           and (n.status <> 'open' or p.status <> 'open' or p.available_to < ?::date
             or (n.needed_by is not null and n.needed_by < ?::date)
             or m.quantity > n.quantity_measure - n.matched or m.quantity > p.quantity_measure - p.matched)
         returning m.id)
       insert into exchange_transitions (match_id, from_status, to_status, side, note)
       select id, 'proposed', 'expired', 'service', 'its need or pledge closed, passed its date or has less left' from gone
       returning match_id`,
      [today, today],
    );
    return rows.length;
  }

  /**
   * Live proposals: `accepted_by_one` those one side has accepted (kept, and what they ask is left out of a run's
   * capacities), the others those nobody has accepted yet (a run keeps those it proposes again, expires the rest).
   */
  async liveProposals(trx: Knex.Transaction): Promise<Array<{ id: number; pledge_id: number; need_id: number; quantity: number; accepted_by_one: boolean }>> {
    const { rows } = await trx.raw(
      `select id, pledge_id, need_id, quantity::float8 as quantity,
         (community_accepted_at is not null or supplier_accepted_at is not null) as accepted_by_one
       from exchange_matches where status = 'proposed'`,
    );
    return (rows as Array<{ id: unknown; pledge_id: unknown; need_id: unknown; quantity: number; accepted_by_one: boolean }>).map((r) => ({
      id: Number(r.id),
      pledge_id: Number(r.pledge_id),
      need_id: Number(r.need_id),
      quantity: r.quantity,
      accepted_by_one: r.accepted_by_one,
    }));
  }

  /** Expires these proposals (a run did not propose them again), each with a transition. */
  async expireReplaced(trx: Knex.Transaction, ids: readonly number[], runId: number): Promise<number> {
    let n = 0;
    for (let i = 0; i < ids.length; i += CHUNK) {
      const { rows } = await trx.raw(
        `with gone as (
           update exchange_matches set status = 'expired', updated_at = now()
           where id = any(?::bigint[]) and status = 'proposed' returning id)
         insert into exchange_transitions (match_id, from_status, to_status, side, note)
         select id, 'proposed', 'expired', 'service', 'not proposed again by matching run ' || ?::text from gone
         returning match_id`,
        [ids.slice(i, i + CHUNK) as number[], String(runId)],
      );
      n += rows.length;
    }
    return n;
  }

  async insertProposals(
    trx: Knex.Transaction,
    runId: number,
    proposals: ReadonlyArray<Proposal & { reason: unknown }>,
    isDemo: boolean,
  ): Promise<number> {
    let n = 0;
    for (let i = 0; i < proposals.length; i += CHUNK) {
      const chunk = proposals.slice(i, i + CHUNK);
      const { rows } = await trx.raw(
        `with made as (
           insert into exchange_matches (pledge_id, need_id, quantity, relation, reason, run_id, is_demo)
           select r.pledge_id, r.need_id, r.quantity, r.relation, r.reason, ?, ?
           from jsonb_to_recordset(?::jsonb) as r(pledge_id bigint, need_id bigint, quantity numeric, relation text, reason jsonb)
           on conflict (pledge_id, need_id) where status in ('proposed', 'accepted', 'delivered') do nothing
           returning id)
         insert into exchange_transitions (match_id, from_status, to_status, side, note)
         select id, null, 'proposed', 'service', 'proposed by matching run ' || ?::text from made
         returning match_id`,
        [
          runId,
          isDemo,
          JSON.stringify(chunk.map((p) => ({ pledge_id: p.pledgeId, need_id: p.needId, quantity: p.quantity, relation: p.relation, reason: p.reason }))),
          String(runId),
        ],
      );
      n += rows.length;
    }
    return n;
  }

  /** A match with its parties, locked against other moves until the transaction ends. */
  async matchForMove(trx: Knex.Transaction, id: number): Promise<MatchForMove | undefined> {
    const { rows } = await trx.raw(
      `select m.id, m.status, m.quantity, m.community_accepted_at is not null as community_accepted,
         m.supplier_accepted_at is not null as supplier_accepted, m.delivered_on, m.delivered_quantity, m.outcome_batch_id,
         n.organisation_id, p.supplier_id, na.code as need_authority, c.id as contract_id, c.reference as contract_reference,
         to_char(c.start_date, 'YYYY-MM-DD') as contract_start, to_char(c.end_date, 'YYYY-MM-DD') as contract_end,
         me.id as measure_id, me.code as measure_code, f.code || '@' || f.version as framework, me.unit as measure_unit,
         m.is_demo
       from exchange_matches m
       join exchange_needs n on n.id = m.need_id
       join authorities na on na.id = n.authority_id
       join exchange_pledges p on p.id = m.pledge_id
       join contracts c on c.id = p.contract_id
       join measures me on me.id = p.measure_id
       join frameworks f on f.id = me.framework_id
       where m.id = ?
       for update of m`,
      [id],
    );
    return rows[0];
  }

  /** Moves a match and records the move; the hold trigger moves the pledge's and need's matched quantities. */
  async moveMatch(
    trx: Knex.Transaction,
    id: number,
    from: MatchStatus,
    patch: {
      status: MatchStatus;
      community_accepted?: boolean;
      supplier_accepted?: boolean;
      delivered_on?: string;
      delivered_quantity?: string;
      outcome_batch_id?: number;
    },
    by: { side: string; apiKeyId: number | null; note: string | null },
  ): Promise<void> {
    const set: Record<string, unknown> = { status: patch.status, updated_at: trx.fn.now() };
    if (patch.community_accepted) set.community_accepted_at = trx.raw('coalesce(community_accepted_at, now())');
    if (patch.supplier_accepted) set.supplier_accepted_at = trx.raw('coalesce(supplier_accepted_at, now())');
    if (patch.delivered_on !== undefined) set.delivered_on = patch.delivered_on;
    if (patch.delivered_quantity !== undefined) set.delivered_quantity = patch.delivered_quantity;
    if (patch.outcome_batch_id !== undefined) set.outcome_batch_id = patch.outcome_batch_id;
    await trx('exchange_matches').where({ id }).update(set);
    await trx('exchange_transitions').insert({
      match_id: id,
      from_status: from,
      to_status: patch.status,
      side: by.side,
      api_key_id: by.apiKeyId,
      note: by.note,
    });
  }

  /** Who owns a need or a pledge, where it is, and its status, locked until the transaction ends. */
  async ownerForUpdate(
    trx: Knex.Transaction,
    what: 'need' | 'pledge',
    id: number,
  ): Promise<{ status: string; organisation_id: number | null; supplier_id: number | null; authority: string } | undefined> {
    const { rows } = await trx.raw(
      what === 'need'
        ? `select n.status, n.organisation_id, null::bigint as supplier_id, a.code as authority
           from exchange_needs n join authorities a on a.id = n.authority_id where n.id = ? for update of n`
        : `select p.status, null::int as organisation_id, p.supplier_id, a.code as authority
           from exchange_pledges p join contracts c on c.id = p.contract_id join authorities a on a.id = c.authority_id
           where p.id = ? for update of p`,
      [id],
    );
    return rows[0];
  }

  /** Withdraws a need or pledge; its proposals expire with it (accepted matches stand until their parties cancel them). */
  async withdraw(trx: Knex.Transaction, what: 'need' | 'pledge', id: number, apiKeyId: number | null): Promise<number> {
    const table = what === 'need' ? 'exchange_needs' : 'exchange_pledges';
    const column = what === 'need' ? 'need_id' : 'pledge_id';
    await trx(table).where({ id }).update({ status: 'withdrawn', updated_at: trx.fn.now() });
    const { rows } = await trx.raw(
      `with gone as (
         update exchange_matches set status = 'expired', updated_at = now() where ${column} = ? and status = 'proposed' returning id)
       insert into exchange_transitions (match_id, from_status, to_status, side, api_key_id, note)
       select id, 'proposed', 'expired', 'service', ?, 'its ${what} was withdrawn' from gone
       returning match_id`,
      [id, apiKeyId],
    );
    return rows.length;
  }

  /** The latest outcome a contract holds for a measure over exactly one day, with its evidence reference. */
  async outcomeOnDay(trx: Knex.Transaction, contractId: number, measureId: number, day: string): Promise<{ evidence_ref: string | null } | undefined> {
    return trx('outcomes')
      .where({ contract_id: contractId, measure_id: measureId, period_start: day, period_end: day, is_latest: true })
      .first('evidence_ref');
  }
}
