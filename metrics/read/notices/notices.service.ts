import { Injectable } from '@nestjs/common';
import { overallRating, ratingAgreement, ratingSteps, RATING_LABELS, RATINGS, type Rating } from '../../derive/valuation/delivery';
import { describeFilter, EVERYTHING, parseReadFilter, withinScope, type ReadFilterQuery, type ReadScope } from '../../reference/read-filter/read-filter';
import { ReadFilterRepository } from '../../reference/read-filter/read-filter.repository';
import type { DeliveryState } from '../../derive/delivery/delivery.refresher';
import { DerivedDataService } from '../../derive/derived-data.service';
import { ContractsRepository } from '../contracts/contracts.repository';
import { IndicatorsService } from '../indicators/indicators.service';
import { NoticesRepository, type RatedPeriod } from './notices.repository';

type Lines = Awaited<ReturnType<ContractsRepository['linesOf']>>;

/** The filters the agreement reads: the buyer (authority and its kind, region, nation), the sector, the period assessed. */
export const AGREEMENT_FILTERS = ['authority', 'kind', 'region', 'nation', 'sector', 'from', 'to'] as const;

export type AgreementQuery = Pick<ReadFilterQuery, (typeof AGREEMENT_FILTERS)[number]>;

/** One contract and period rated both ways. */
export interface AgreementPair extends Omit<RatedPeriod, 'ratings'> {
  /** The buyer's rating (UK9): the worst of its KPIs' latest ratings for the period. */
  official: Rating;
  /** The rating computed from the returns: commitment vs delivery as of the period's last day. */
  computed: Rating;
  /** Steps between the two on Inadequate..Good; null when either is Other. */
  steps: number | null;
}

export const AGREEMENT_METHOD =
  "For each contract and period a contract performance notice (UK9) rated: the official rating is the worst of the contract's KPI ratings for that period (a later notice for the same KPI and period supersedes the earlier); the computed rating is the contract's overall delivery rating from its returns (commitment vs delivery, the worst of its measures) as of the last day of that period, with the stored rating thresholds. Contracts rated by a notice but with no commitments are counted apart (not_computable): no rating can be computed for them. Agreement is the share of pairs with the same rating among those where neither is Other.";

/**
 * What the Procurement Act 2023's notices say beside what the returns say: the agreement of the buyer's official
 * ratings (UK9) with the ratings computed from the suppliers' returns, for the same contract and period.
 */
@Injectable()
export class NoticesService {
  constructor(
    private readonly notices: NoticesRepository,
    private readonly contracts: ContractsRepository,
    private readonly indicators: IndicatorsService,
    private readonly filters: ReadFilterRepository,
    private readonly derived: DerivedDataService,
  ) {}

  /** A contract's notices (public: the buyer published them). */
  ofContract(contractId: number) {
    return this.notices.ofContract(contractId);
  }

  /**
   * The cross-table of official (rows) by computed (columns) ratings, with counts of pairs, agreement and pairs two
   * steps or more apart. Aggregate, so public.
   */
  async agreement(query: AgreementQuery) {
    const { filters, pairs, notComputable } = await this.pairs(query, EVERYTHING);
    const summary = ratingAgreement(pairs);
    return {
      filters,
      ratings: RATINGS.map((r) => ({ rating: r, label: RATING_LABELS[r] })),
      ...summary,
      not_computable: notComputable,
      method: AGREEMENT_METHOD,
    };
  }

  /**
   * The contracts and periods where the two ratings differ by two steps or more (or, with `all`, every pair): names a
   * contract's computed rating, which comes from its supplier's returns, so read within the caller's scope.
   */
  async agreementContracts(query: AgreementQuery & { all?: string }, scope: ReadScope = EVERYTHING) {
    const { filters, pairs } = await this.pairs(query, scope);
    const all = query.all === 'true' || query.all === '1';
    const data = pairs.filter((p) => all || (p.steps !== null && p.steps >= 2));
    data.sort((a, b) => (b.steps ?? -1) - (a.steps ?? -1) || a.authority.localeCompare(b.authority) || a.reference.localeCompare(b.reference) || a.period_end.localeCompare(b.period_end));
    return { filters, data, method: AGREEMENT_METHOD };
  }

  /**
   * Each period of one contract rated by a notice, its official rating beside its rating from returns as of the
   * period's last day (none for a contract without commitments). Supplier-level data: the caller has checked that the
   * contract is within its reader's scope.
   */
  async contractPairs(contractId: number): Promise<AgreementPair[]> {
    return (await this.pairsOf(await this.notices.ratedPeriods({ contractIds: [contractId] }))).pairs;
  }

  private async pairs(query: AgreementQuery, scope: ReadScope) {
    const parsed = withinScope(parseReadFilter(query, AGREEMENT_FILTERS), scope);
    const resolved = await this.filters.resolve(parsed);
    const { pairs, notComputable } = await this.pairsOf(await this.notices.ratedPeriods(resolved));
    return { filters: describeFilter(parsed), pairs, notComputable };
  }

  /** The pairs of these rated periods, and how many could not be computed (their contract has no commitments). */
  private async pairsOf(rated: RatedPeriod[]) {
    const ids = [...new Set(rated.map((p) => p.contract_id))];
    const [commitments, outcomes] = await Promise.all([this.contracts.linesOf('commitments', ids, false), this.contracts.linesOf('outcomes', ids, false)]);
    const byContract = (rows: Lines) => {
      const out = new Map<number, Lines>();
      for (const r of rows) {
        const id = Number(r.contract_id);
        if (!out.has(id)) out.set(id, []);
        out.get(id)!.push(r);
      }
      return out;
    };
    const [commitmentsOf, outcomesOf] = [byContract(commitments), byContract(outcomes)];
    const state = await this.derived.deliveryState();
    const pairs: AgreementPair[] = [];
    let notComputable = 0;
    for (const p of rated) {
      const committed = commitmentsOf.get(p.contract_id) ?? [];
      if (committed.length === 0) {
        notComputable += 1;
        continue;
      }
      pairs.push(await this.pair(p, committed, outcomesOf.get(p.contract_id) ?? [], state));
    }
    return { pairs, notComputable };
  }

  private async pair(p: RatedPeriod, commitments: Lines, outcomes: Lines, state: DeliveryState): Promise<AgreementPair> {
    const { delivery } = await this.indicators.contractDelivery(commitments, outcomes, p.period_end, state);
    const official = overallRating(p.ratings);
    const computed = delivery.rating;
    return {
      contract_id: p.contract_id,
      reference: p.reference,
      title: p.title,
      authority: p.authority,
      authority_name: p.authority_name,
      period_start: p.period_start,
      period_end: p.period_end,
      official,
      computed,
      steps: ratingSteps(official, computed),
    };
  }
}
