import { Injectable } from '@nestjs/common';
import { BASES, Dec, type Basis } from '../../derive/valuation/valuation';
import { RESOURCE_KINDS } from '../../reference/exchange-vocabulary';
import { describeFilter, invalidParameter, parseReadFilter, toList, type FilterField, type ReadFilterQuery } from '../../reference/read-filter/read-filter';
import { ReadFilterRepository } from '../../reference/read-filter/read-filter.repository';
import {
  EXCHANGE_STAGES,
  ExchangeFiguresRepository,
  type ExchangeFiguresFilter,
  type ExchangeStage,
  type StageDbRow,
  type StageGrouping,
  type UnmetDbRow,
} from './exchange-figures.repository';

export { EXCHANGE_STAGES, type ExchangeStage } from './exchange-figures.repository';

/** The read filter's fields the exchange's figures take: the place (of a need; any place of a pledge), the theme, the period. */
export const EXCHANGE_FIGURE_FILTERS: readonly FilterField[] = ['authority', 'region', 'nation', 'theme', 'from', 'to'];

export type ExchangeFiguresQuery = Pick<ReadFilterQuery, 'authority' | 'region' | 'nation' | 'theme' | 'from' | 'to'> & {
  /** £ basis of the unit values (default net). */
  basis?: string;
  /** Only needs, pledges and matches of these resource kinds (the board of needs' filter). */
  resource_kind?: string | string[];
};

export const EXCHANGE_DEFAULT_BASIS: Basis = 'net';

/** One group's funnel: each stage's count and £ (rounded to pence; null: nothing valued). */
export type StageFigures = { [S in ExchangeStage as `${S}_count`]: number } & { [S in ExchangeStage as `${S}_gbp`]: number | null } & {
  /** Items counted but not in £ (their measure has no unit value). */
  unvalued: number;
};

export interface ExchangeHeadline extends StageFigures {
  /** Confirmed £ / pledged £ (null when nothing pledged is valued). */
  conversion: number | null;
  /** Median days from a need being posted to its first accepted match (needs first matched in the period). */
  median_days_to_match: number | null;
  needs_matched: number;
  /** £ of confirmed deliveries to needs in councils of the most deprived IMD quintile. */
  most_deprived_gbp: number | null;
  /** most_deprived_gbp / confirmed_gbp. */
  most_deprived_share: number | null;
  /** Open needs now (whatever the period) and their remaining quantity valued. */
  open_needs: number;
  unmet_gbp: number | null;
}

export interface ExchangeFigures<R> {
  filters: Record<string, unknown>;
  basis: Basis;
  /** The latest post or move on the exchange (YYYY-MM-DD), or null. */
  as_of: string | null;
  rows: R[];
}

export type GroupRow = StageFigures & { key: string | null; label: string | null; open_needs: number; unmet_gbp: number | null };
export type UnmetRow = { code: string; name: string; region: string | null; open_needs: number; unmet_gbp: number | null; unvalued: number };

export const EXCHANGE_DEFINITIONS: Record<string, string> = {
  pledged: "pledges posted (any status since), each its quantity in the measure's unit; quarter: when posted; place: any of its places",
  matched: 'matches accepted by both sides (now accepted, delivered or confirmed), each the quantity it holds (delivered: what was delivered); quarter: when accepted',
  delivered: 'matches marked delivered (now delivered or confirmed), the quantity delivered; quarter: when marked delivered',
  confirmed: "deliveries confirmed by the community organisation (each an outcome return of the pledge's contract); quarter: when confirmed",
  value_gbp:
    "quantity x the measure's £ per unit on the basis, for the year of its latest proxy value (the valuation's factors); a measure without a proxy value (record_only) is counted, not valued",
  conversion: 'confirmed £ / pledged £',
  median_days_to_match: "median days from a need being posted to the first acceptance of any of its matches, over needs first matched in the period",
  most_deprived_share: "confirmed £ to needs in councils of the most deprived IMD quintile (mySociety's '1st IMD quintile') / confirmed £",
  unmet_gbp: "open needs (open, something left, not past their date): what is left (quantity - matched) x the £ per unit; now, whatever the period",
};

/** Exact £ text rounded to pence, as a number (null stays null). */
const pounds = (v: string | null | undefined): number | null => (v === null || v === undefined ? null : Number(new Dec(v).toDecimalPlaces(2).toFixed()));
/** a / b of exact £ texts, to 6 significant digits; null when b is nothing or zero. */
const ratio = (a: string | null, b: string | null): number | null =>
  b === null || new Dec(b).isZero() ? null : Number(new Dec(a ?? 0).div(b).toSignificantDigits(6).toFixed());

const emptyStages = (): StageFigures =>
  Object.assign({ unvalued: 0 }, ...EXCHANGE_STAGES.map((s) => ({ [`${s}_count`]: 0, [`${s}_gbp`]: null }))) as StageFigures;

/**
 * The exchange's figures, for its dashboard, the board of needs, and (later) the indicators and reports: the funnel
 * pledged -> matched -> delivered -> confirmed in counts and £, conversion, days to match, the share reaching the most
 * deprived places, and unmet need by place and theme. The one read filter (place, theme, period), and a £ basis.
 */
@Injectable()
export class ExchangeFiguresService {
  constructor(
    private readonly repo: ExchangeFiguresRepository,
    private readonly filters: ReadFilterRepository,
  ) {}

  private async filter(query: ExchangeFiguresQuery): Promise<{ filter: ExchangeFiguresFilter; filters: Record<string, unknown>; basis: Basis }> {
    const parsed = parseReadFilter(query, EXCHANGE_FIGURE_FILTERS);
    const resolved = await this.filters.resolve(parsed);
    const basis = (query.basis === undefined || query.basis === '' ? EXCHANGE_DEFAULT_BASIS : query.basis) as Basis;
    if (!BASES.includes(basis)) throw invalidParameter('basis', `basis must be one of ${BASES.join(', ')}`, query.basis);
    const kinds = toList(query.resource_kind, 'resource_kind');
    const bad = kinds?.find((k) => !(RESOURCE_KINDS as readonly string[]).includes(k));
    if (bad !== undefined) throw invalidParameter('resource_kind', `resource_kind must be one or more of ${RESOURCE_KINDS.join(', ')}`, bad);
    const { authorityIds, regions, nations, themeIds, fromDate, toDate } = resolved;
    return {
      filter: { authorityIds, regions, nations, themeIds, fromDate, toDate, resourceKinds: kinds },
      filters: { ...describeFilter(parsed), ...(kinds ? { resource_kind: kinds } : {}) },
      basis,
    };
  }

  /** Stage rows of one grouping, one figure set per key (keys in the repository's order). */
  private static byKey(rows: StageDbRow[]): Map<string | null, { label: string | null; figures: StageFigures; deprived: string | null; confirmedExact: string | null; pledgedExact: string | null }> {
    const out = new Map<string | null, { label: string | null; figures: StageFigures; deprived: string | null; confirmedExact: string | null; pledgedExact: string | null }>();
    for (const r of rows) {
      const g = out.get(r.key) ?? { label: r.label, figures: emptyStages(), deprived: null, confirmedExact: null, pledgedExact: null };
      const f = g.figures as Record<string, number | null>;
      f[`${r.stage}_count`] = r.count;
      f[`${r.stage}_gbp`] = pounds(r.value_gbp);
      g.figures.unvalued += r.unvalued;
      if (r.stage === 'confirmed') {
        g.deprived = r.deprived_gbp;
        g.confirmedExact = r.value_gbp;
      }
      if (r.stage === 'pledged') g.pledgedExact = r.value_gbp;
      out.set(r.key, g);
    }
    return out;
  }

  /** The headline figures: the funnel in all, conversion, median days to match, the share to the most deprived, unmet need. */
  async headline(query: ExchangeFiguresQuery): Promise<ExchangeFigures<ExchangeHeadline>> {
    const { filter, filters, basis } = await this.filter(query);
    const [stages, days, unmet, asOf] = await Promise.all([
      this.repo.stages(filter, basis, 'total'),
      this.repo.daysToMatch(filter),
      this.repo.unmet(filter, basis, 'total'),
      this.repo.asOf(),
    ]);
    const g = ExchangeFiguresService.byKey(stages).get(null);
    const u = unmet[0];
    const row: ExchangeHeadline = {
      ...(g?.figures ?? emptyStages()),
      conversion: ratio(g?.confirmedExact ?? null, g?.pledgedExact ?? null),
      median_days_to_match: days.median_days === null ? null : Math.round(days.median_days * 10) / 10,
      needs_matched: days.needs,
      most_deprived_gbp: g?.confirmedExact ? pounds(g.deprived ?? '0') : null,
      most_deprived_share: ratio(g?.deprived ?? null, g?.confirmedExact ?? null),
      open_needs: u?.open_needs ?? 0,
      unmet_gbp: pounds(u?.unmet_gbp),
    };
    return { filters, basis, as_of: asOf, rows: [row] };
  }

  /** The funnel by quarter (quarters with anything, oldest first). */
  async byQuarter(query: ExchangeFiguresQuery): Promise<ExchangeFigures<StageFigures & { quarter: string }>> {
    const { filter, filters, basis } = await this.filter(query);
    const [stages, asOf] = await Promise.all([this.repo.stages(filter, basis, 'quarter'), this.repo.asOf()]);
    const rows = [...ExchangeFiguresService.byKey(stages).entries()].map(([key, g]) => ({ quarter: String(key), ...g.figures }));
    return { filters, basis, as_of: asOf, rows };
  }

  /** The funnel and unmet need by the measure's theme (or by region), every theme or region with either. */
  async byGroup(query: ExchangeFiguresQuery, group: Extract<StageGrouping, 'theme' | 'region'>): Promise<ExchangeFigures<GroupRow>> {
    const { filter, filters, basis } = await this.filter(query);
    const [stages, unmet, asOf] = await Promise.all([this.repo.stages(filter, basis, group), this.repo.unmet(filter, basis, group), this.repo.asOf()]);
    const groups = ExchangeFiguresService.byKey(stages);
    const unmetOf = new Map<string | null, UnmetDbRow>(unmet.map((u) => [u.key, u]));
    const keys = [...new Set([...groups.keys(), ...unmetOf.keys()])];
    const rows: GroupRow[] = keys.map((key) => {
      const g = groups.get(key);
      const u = unmetOf.get(key);
      return {
        key,
        label: g?.label ?? u?.label ?? null,
        ...(g?.figures ?? emptyStages()),
        unvalued: (g?.figures.unvalued ?? 0) + (u?.unvalued ?? 0),
        open_needs: u?.open_needs ?? 0,
        unmet_gbp: pounds(u?.unmet_gbp),
      };
    });
    rows.sort((a, b) => (a.label ?? '\uffff').localeCompare(b.label ?? '\uffff', 'en-GB'));
    return { filters, basis, as_of: asOf, rows };
  }

  /** Unmet need by the need's authority: open needs and their remaining quantity valued (now). */
  async unmetByAuthority(query: ExchangeFiguresQuery): Promise<ExchangeFigures<UnmetRow>> {
    const { filter, filters, basis } = await this.filter(query);
    const [unmet, asOf] = await Promise.all([this.repo.unmet(filter, basis, 'authority'), this.repo.asOf()]);
    const rows = unmet.map((u) => ({ code: String(u.key), name: String(u.label), region: u.region, open_needs: u.open_needs, unmet_gbp: pounds(u.unmet_gbp), unvalued: u.unvalued }));
    return { filters, basis, as_of: asOf, rows };
  }

  /**
   * The exchange's figures for the implementation indicators, in exact £ text, in all or by the place of a need (any
   * place of a pledge): pledged and confirmed £, confirmed £ to the most deprived quintile, open needs and unmet £.
   */
  async forIndicators(query: ExchangeFiguresQuery, group: Extract<StageGrouping, 'total' | 'authority' | 'region' | 'nation'>): Promise<ExchangeIndicatorRow[]> {
    const { filter, basis } = await this.filter(query);
    const [stages, unmet] = await Promise.all([this.repo.stages(filter, basis, group), this.repo.unmet(filter, basis, group)]);
    const groups = ExchangeFiguresService.byKey(stages);
    const unmetOf = new Map<string | null, UnmetDbRow>(unmet.map((u) => [u.key, u]));
    return [...new Set([...groups.keys(), ...unmetOf.keys()])].map((key) => {
      const g = groups.get(key);
      const u = unmetOf.get(key);
      return {
        key,
        label: g?.label ?? u?.label ?? null,
        pledged_gbp: g?.pledgedExact ?? null,
        confirmed_gbp: g?.confirmedExact ?? null,
        most_deprived_gbp: g?.deprived ?? null,
        open_needs: u?.open_needs ?? 0,
        unmet_gbp: u?.unmet_gbp ?? null,
      };
    });
  }
}

/** One group of the exchange's figures for the indicators: £ as exact decimal text (null: nothing valued). */
export interface ExchangeIndicatorRow {
  key: string | null;
  label: string | null;
  pledged_gbp: string | null;
  confirmed_gbp: string | null;
  most_deprived_gbp: string | null;
  open_needs: number;
  unmet_gbp: string | null;
}
