import { Injectable } from '@nestjs/common';
import { PERIOD_YEARS } from '../../platform/periods';
import { describeFilter, invalidParameter, parseReadFilter, quarterBounds, toList, type FilterField, type ReadFilterQuery } from '../../reference/read-filter/read-filter';
import { ReadFilterRepository } from '../../reference/read-filter/read-filter.repository';
import { ValuationRepository, type MeasureValuationInput, type ValuationInputs } from '../../derive/valuation/valuation.repository';
import { additionality, BASES, Dec, PRICE_SERIES, readIndex, rebaseFactor, unitValue, wellbeingUprating, type Basis } from '../../derive/valuation/valuation';
import { AREA_DIMENSIONS, dimensionColumns, DIMENSION_NAMES, MeasuresRepository, type DenominatorRow, type Dimension, type Level, type SummaryDbRow, type SummaryFilter } from './measures.repository';

/** A summary request as the API and the exports receive it (lists as arrays or comma-separated text). */
export interface SummaryQuery extends ReadFilterQuery {
  group_by?: string | string[];
  basis?: string;
  base_year?: number | string;
  crosswalk?: boolean;
  explain?: boolean;
}

export type SummaryValue = string | number | null;
export type SummaryRow = Record<string, SummaryValue | ExplainItem[]>;

export interface ExplainItem {
  measure: string;
  measure_name: string;
  unit: string;
  valuation: string;
  year: number;
  quantity: string;
  returns: number;
  proxy: { id: number; price_year: number; value_gbp: string; prices_of_year: number; source: string; licence: string } | null;
  deflator: { series: string; proxy_prices: unknown; outcome_year: unknown; base_year: unknown } | null;
  gdp_per_head_uprating: unknown;
  adjustments: { deadweight: string; displacement: string; attribution: string; additionality: string; drop_off: string; duration_years: number; pv_multiplier: string | null };
  per_unit_gbp: { nominal: string | null; real: string | null; net: string | null; pv: string | null };
  /** quantity x per-unit £ on the basis: exact, unrounded. */
  value_gbp: string | null;
}

export interface SummaryResult {
  framework: { code: string; version: string; base_price_year: number };
  basis: Basis;
  base_year: number;
  price_series: string;
  currency: 'GBP';
  group_by: Dimension[];
  /** Whether outcomes recorded against other frameworks' measures are counted through the crosswalk. */
  crosswalk: boolean;
  filters: Record<string, unknown>;
  /** Quantities are summed only within one measure: shown when the rows are by measure or one measure is asked for. */
  quantity_shown: boolean;
  /** The rollup level read: cells (authority x sector x measure x quarter), area, or authority_year. */
  level: Level;
  rows: SummaryRow[];
  totals: { value_gbp: number | null; returns: number; contract_returns: number; unvalued_returns: number };
  definitions: Record<string, string>;
}


export const SUMMARY_DEFINITIONS: Record<string, string> = {
  value_gbp: '£ of social value on the basis asked for (rounded to pence for display; explain=true gives the exact figure)',
  quantity: "sum of the outcomes' quantities in the measure's canonical unit (only within one measure)",
  returns: 'outcome returns counted (latest revision of each contract x measure x period)',
  contract_returns: 'contract x measure x quarter cells with at least one return (a contract reporting two measures counts twice)',
  unvalued_returns: 'returns of record_only measures (or years without a proxy value): counted, never in £',
  demo_returns: 'returns from the demo dataset',
  population:
    "residents of the row's area: the authorities matching the row and the filters, each resident counted once (a county through its districts, a combined authority through its members); null for bodies without an area",
  contract_value_gbp: "awarded value of every contract of the row's authorities in its sectors, matching the filters (any award date)",
  value_per_contract_gbp: 'value_gbp / contract_value_gbp: £ of social value per £ of contract value',
  value_per_head_gbp: 'value_gbp / population',
  basis:
    'nominal: prices of the year delivered; real: base-year prices (GDP deflator); net: real x (1 - deadweight)(1 - displacement)(1 - attribution); pv: net over the measure duration with drop-off and Green Book discounting',
};

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

/** The filters the summary takes (department: not in the measure rollups' areas). */
export const SUMMARY_FILTERS: readonly FilterField[] = ['authority', 'kind', 'region', 'nation', 'sector', 'theme', 'measure', 'category', 'framework', 'from', 'to'];

/** The key of a row's group: its group columns k0, k1, ... */
function groupKey(r: Record<string, unknown>): string {
  const parts: string[] = [];
  for (let i = 0; `k${i}` in r; i++) parts.push(String(r[`k${i}`]));
  return parts.join('\u0001');
}

/** The totals over the rows: £ exactly summed then rounded, counts. */
function totalsOf(rows: SummaryDbRow[]): SummaryResult['totals'] {
  const valued = rows.filter((r) => r.value_gbp !== null);
  return {
    value_gbp: valued.length > 0 ? Number(valued.reduce((t, r) => t.plus(r.value_gbp!), new Dec(0)).toFixed(2)) : null,
    returns: rows.reduce((n, r) => n + num(r.returns), 0),
    contract_returns: rows.reduce((n, r) => n + num(r.contract_returns), 0),
    unvalued_returns: rows.reduce((n, r) => n + num(r.unvalued_returns), 0),
  };
}
const round = (v: string | null, dp: number): number | null => (v === null ? null : Number(new Dec(v).toFixed(dp)));

/**
 * The measures summary: social value by any grouping of authority, place, sector, theme, measure and period, on a
 * chosen basis and base year, read from the rollups, with normalisations per £ of contract value and per head, and
 * on request the proxy values, adjustments, deflators and row counts behind every figure.
 */
@Injectable()
export class MeasuresService {
  constructor(
    private readonly repo: MeasuresRepository,
    private readonly filters: ReadFilterRepository,
    private readonly valuation: ValuationRepository,
  ) {}

  async summary(query: SummaryQuery): Promise<SummaryResult> {
    const { groupBy, basis, baseYear, framework, parsed, filter } = await this.request(query);
    // the catalogue and price series: only to move values to another base year, or to explain them
    const rebasing = basis !== 'nominal' && baseYear !== framework.base_price_year;
    const inputs = rebasing || query.explain ? await this.valuation.inputs() : null;
    const measures = inputs ? inputs.measures.filter((m) => m.framework_id === framework.id) : [];
    const rebase = rebasing ? this.rebaseFactors(measures, inputs!, framework.base_price_year, baseYear) : null;
    const [{ level, rows }, denominators] = await Promise.all([this.repo.summary(groupBy, filter, basis, rebase), this.denominators(groupBy, filter)]);
    const explained = query.explain ? await this.explain(groupBy, filter, basis, baseYear, measures, inputs!) : undefined;
    const quantityShown = groupBy.includes('measure') || parsed.measures?.length === 1;
    const out = rows.map((r) => this.row(r, groupBy, quantityShown, denominators, explained));
    return {
      framework: { code: framework.code, version: framework.version, base_price_year: framework.base_price_year },
      basis,
      base_year: baseYear,
      price_series: PRICE_SERIES,
      currency: 'GBP',
      group_by: groupBy,
      crosswalk: filter.crosswalk ?? false,
      filters: describeFilter(parsed),
      quantity_shown: quantityShown,
      level,
      rows: out,
      totals: totalsOf(rows),
      definitions: SUMMARY_DEFINITIONS,
    };
  }

  /**
   * How many contracts and buyers the returns of a summary come from (the summary counts returns and contract x measure
   * x quarter cells, not contracts): the same filters, crosswalk and framework.
   */
  async coverage(query: SummaryQuery): Promise<{ filters: Record<string, unknown>; contracts: number; authorities: number }> {
    const { parsed, filter } = await this.request(query);
    return { filters: describeFilter(parsed), ...(await this.repo.coverage(filter)) };
  }

  /** The request read and checked: its grouping, basis and base year, its framework, and its filter looked up. */
  private async request(query: SummaryQuery) {
    const groupBy = (toList(query.group_by, 'group_by') ?? []) as Dimension[];
    for (const g of groupBy) {
      if (!DIMENSION_NAMES.includes(g)) {
        throw invalidParameter('group_by', `group_by: ${g} is not one of ${DIMENSION_NAMES.join(', ')}`, g);
      }
    }
    if (new Set(groupBy).size !== groupBy.length) throw invalidParameter('group_by', 'group_by names a dimension twice');
    const basis = (query.basis ?? 'real') as Basis;
    if (!BASES.includes(basis)) throw invalidParameter('basis', `basis must be one of ${BASES.join(', ')}`, query.basis);
    const parsed = parseReadFilter(query, SUMMARY_FILTERS);
    const framework = await this.filters.framework(parsed.framework);
    const baseYear = query.base_year === undefined || query.base_year === '' ? framework.base_price_year : Number(query.base_year);
    if (!Number.isInteger(baseYear) || baseYear < PERIOD_YEARS.from || baseYear > PERIOD_YEARS.to) {
      throw invalidParameter('base_year', `base_year must be a year between ${PERIOD_YEARS.from} and ${PERIOD_YEARS.to}`, query.base_year);
    }
    const resolved = await this.filters.resolve(parsed);
    const filter: SummaryFilter = { ...resolved, ...quarterBounds(resolved), frameworkId: framework.id, crosswalk: query.crosswalk ?? false };
    return { groupBy, basis, baseYear, framework, parsed, filter };
  }

  /** Residents and awarded contract value of each row's area (and sectors), looked up by the row's labels. */
  private async denominators(groupBy: Dimension[], filter: SummaryFilter) {
    const [population, contractValue] = await Promise.all([this.repo.population(groupBy, filter), this.repo.contractValue(groupBy, filter)]);
    const lookup = (dims: Dimension[], list: DenominatorRow[]) => {
      const key = (r: Record<string, unknown>) => dims.map((d) => String(r[dimensionColumns(d)[0]])).join('\u0001');
      const map = new Map(list.map((r) => [key(r), r.value === null || r.value === undefined ? null : String(r.value)]));
      return (r: Record<string, unknown>) => map.get(key(r)) ?? null;
    };
    return {
      population: lookup(groupBy.filter((d) => AREA_DIMENSIONS.includes(d)), population),
      contractValue: lookup(groupBy.filter((d) => AREA_DIMENSIONS.includes(d) || d === 'sector'), contractValue),
    };
  }

  /** One row of the answer: its labels, figures rounded for display, normalisations, and what explains it. */
  private row(
    r: SummaryDbRow,
    groupBy: Dimension[],
    quantityShown: boolean,
    denominators: { population: (r: SummaryDbRow) => string | null; contractValue: (r: SummaryDbRow) => string | null },
    explained?: Map<string, ExplainItem[]>,
  ): SummaryRow {
    const row: SummaryRow = {};
    for (const g of groupBy) {
      for (const name of dimensionColumns(g)) {
        row[name] = r[name] === undefined || r[name] === null ? null : typeof r[name] === 'number' ? (r[name] as number) : String(r[name]);
      }
    }
    const people = denominators.population(r);
    const contractGbp = denominators.contractValue(r);
    row.quantity = quantityShown ? round(r.quantity, 6) : null;
    row.value_gbp = round(r.value_gbp, 2);
    row.returns = num(r.returns);
    row.contract_returns = num(r.contract_returns);
    row.unvalued_returns = num(r.unvalued_returns);
    row.demo_returns = num(r.demo_returns);
    row.population = people === null ? null : num(people);
    row.contract_value_gbp = round(contractGbp, 2);
    row.value_per_contract_gbp =
      r.value_gbp !== null && contractGbp !== null && !new Dec(contractGbp).isZero()
        ? Number(new Dec(r.value_gbp).div(contractGbp).toSignificantDigits(6).toFixed())
        : null;
    row.value_per_head_gbp = r.value_gbp !== null && people !== null && num(people) > 0 ? Number(new Dec(r.value_gbp).div(people).toFixed(4)) : null;
    if (explained) row.explain = explained.get(groupKey(r)) ?? [];
    return row;
  }

  /** Per measure: P(to)/P(from), and for wellbeing measures x (G(to)/G(from))^1.3 when real GDP per head is loaded. */
  private rebaseFactors(measures: MeasureValuationInput[], inputs: ValuationInputs, from: number, to: number) {
    const price = rebaseFactor(inputs.prices, from, to);
    const gFrom = readIndex(inputs.gdpPerHead, from);
    const gTo = readIndex(inputs.gdpPerHead, to);
    return {
      measureIds: measures.map((m) => m.id),
      factors: measures.map((m) => (m.valuation === 'wellbeing' && gFrom && gTo ? price.times(wellbeingUprating(gFrom, gTo)) : price).toFixed()),
    };
  }

  private async explain(
    groupBy: Dimension[],
    filter: SummaryFilter,
    basis: Basis,
    baseYear: number,
    measures: MeasureValuationInput[],
    inputs: ValuationInputs,
  ): Promise<Map<string, ExplainItem[]>> {
    const byId = new Map(measures.map((m) => [m.id, m]));
    const names = new Map(
      (await this.repo.measureLabels(measures.map((m) => m.id))).map((m) => [m.id, m]),
    );
    const out = new Map<string, ExplainItem[]>();
    for (const r of await this.repo.explain(groupBy, filter, basis)) {
      const m = byId.get(Number(r.measure_id))!;
      const v = unitValue(m, Number(r.year), baseYear, inputs.prices, inputs.gdpPerHead);
      const perUnit = v[basis];
      const item: ExplainItem = {
        measure: names.get(m.id)!.code,
        measure_name: names.get(m.id)!.name,
        unit: names.get(m.id)!.unit,
        valuation: m.valuation,
        year: Number(r.year),
        quantity: new Dec(r.quantity).toFixed(),
        returns: num(r.returns),
        proxy: v.proxy
          ? { id: v.proxy.id, price_year: v.proxy.price_year, value_gbp: v.proxy.value_gbp, prices_of_year: v.proxy_prices_year!, source: v.proxy.source, licence: v.proxy.licence }
          : null,
        deflator: v.deflator ? { series: PRICE_SERIES, proxy_prices: v.deflator.proxy_prices, outcome_year: v.deflator.year, base_year: v.deflator.base } : null,
        gdp_per_head_uprating: v.gdp_per_head,
        adjustments: {
          deadweight: m.deadweight,
          displacement: m.displacement,
          attribution: m.attribution,
          additionality: v.additionality ?? additionality(m.deadweight, m.displacement, m.attribution).toFixed(),
          drop_off: m.drop_off,
          duration_years: m.duration_years,
          pv_multiplier: v.pv_multiplier,
        },
        per_unit_gbp: { nominal: v.nominal, real: v.real, net: v.net, pv: v.pv },
        value_gbp: perUnit === null ? null : new Dec(r.quantity).times(perUnit).toFixed(),
      };
      const key = groupKey(r);
      const list = out.get(key) ?? [];
      list.push(item);
      out.set(key, list);
    }
    return out;
  }
}
