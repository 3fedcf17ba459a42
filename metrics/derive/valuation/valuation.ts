import Decimal from 'decimal.js';

/**
 * Valuation: what one unit of a measure is worth, in exact decimal arithmetic (decimal.js, 40 significant digits;
 * the only inexact steps are the divisions by a price index and the discounting, carried to 40 digits). Pure: every
 * input is passed in; the rollups store the per-unit factors this computes, so SQL only ever multiplies a sum of
 * quantities by them.
 *
 * The method (README "How a figure is valued"):
 *   proxy       the measure's proxy value for the outcome's year: the one for that price year, else the latest earlier
 *               one, else the earliest later one; it is in the prices of its price_base_year (or of its price year)
 *   nominal £   quantity x proxy x P(year) / P(proxy prices)            (P: the GDP deflator; wellbeing values also
 *                                                                       x (G(year) / G(proxy prices))^1.3, G: real GDP
 *                                                                       per head, when that series is loaded)
 *   real £      nominal x P(base) / P(year)                              (base: the framework's base price year, or the
 *                                                                       one asked for; wellbeing x (G(base)/G(year))^1.3)
 *   net £       real x (1 - deadweight) x (1 - displacement) x (1 - attribution)
 *   present £   net x sum over t = 0 .. duration-1 of (1 - drop-off)^t x DF(t)   (DF: Green Book discount factor)
 * A price index beyond its series is held at the nearest year it has (the deflator's outturn ends before the present).
 */
export const Dec = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_EVEN, toExpNeg: -40, toExpPos: 40 });
export type Dec = Decimal;

/** The price index series (HM Treasury GDP deflator, calendar years) and the optional real GDP per head series. */
export const PRICE_SERIES = 'hmt-gdp-deflator-cy';
export const GDP_PER_HEAD_SERIES = 'ons-real-gdp-per-head-cy';
/** Elasticity of the marginal utility of income used to uprate wellbeing values (Green Book wellbeing guidance). */
export const WELLBEING_ELASTICITY = '1.3';

export type Valuation = 'proxy' | 'wellbeing' | 'record_only';

export interface ProxyValue {
  id: number;
  price_year: number;
  value_gbp: string;
  price_base_year: number | null;
  source: string;
  licence: string;
}

export interface MeasureForValuation {
  id: number;
  valuation: Valuation;
  deadweight: string;
  displacement: string;
  attribution: string;
  drop_off: string;
  duration_years: number;
  proxies: ProxyValue[];
}

/** year -> index value (exact decimal text). */
export type IndexSeries = ReadonlyMap<number, string>;

export interface IndexReading {
  /** The year asked for. */
  year: number;
  /** The year whose value was used (the nearest one the series has). */
  year_used: number;
  value: string;
}

/** The proxy value that applies to outcomes of `year`: its own price year, else the latest earlier, else the earliest later. */
export function selectProxy(proxies: readonly ProxyValue[], year: number): ProxyValue | null {
  let best: ProxyValue | null = null;
  for (const p of proxies) if (p.price_year <= year && (!best || p.price_year > best.price_year)) best = p;
  if (best) return best;
  for (const p of proxies) if (!best || p.price_year < best.price_year) best = p;
  return best;
}

/** The series' value for `year`, held at its first or last year outside its range; null for an empty series. */
export function readIndex(series: IndexSeries, year: number): IndexReading | null {
  if (series.size === 0) return null;
  if (series.has(year)) return { year, year_used: year, value: series.get(year)! };
  const years = [...series.keys()].sort((a, b) => a - b);
  const used = year < years[0] ? years[0] : years[years.length - 1];
  return { year, year_used: used, value: series.get(used)! };
}

/** amount x P(to) / P(from). */
export function reprice(amount: Decimal.Value, from: IndexReading, to: IndexReading): Decimal {
  return new Dec(amount).times(to.value).div(from.value);
}

/** Wellbeing uprating between two years: (G(to) / G(from))^elasticity. */
export function wellbeingUprating(from: IndexReading, to: IndexReading, elasticity: Decimal.Value = WELLBEING_ELASTICITY): Decimal {
  return new Dec(to.value).div(from.value).pow(elasticity);
}

/** (1 - deadweight) x (1 - displacement) x (1 - attribution). */
export function additionality(deadweight: Decimal.Value, displacement: Decimal.Value, attribution: Decimal.Value): Decimal {
  return new Dec(1).minus(deadweight).times(new Dec(1).minus(displacement)).times(new Dec(1).minus(attribution));
}

/** Green Book discount rates by year band (Table 8): standard, and for health and wellbeing effects. */
export const DISCOUNT_SCHEDULES = {
  standard: [
    { from: 0, to: 30, rate: '0.035' },
    { from: 31, to: 75, rate: '0.03' },
    { from: 76, to: 125, rate: '0.025' },
    { from: 126, to: 200, rate: '0.02' },
    { from: 201, to: 300, rate: '0.015' },
    { from: 301, to: Infinity, rate: '0.01' },
  ],
  health: [
    { from: 0, to: 30, rate: '0.015' },
    { from: 31, to: 75, rate: '0.0129' },
    { from: 76, to: 125, rate: '0.0107' },
    { from: 126, to: 200, rate: '0.0086' },
    { from: 201, to: 300, rate: '0.0064' },
    { from: 301, to: Infinity, rate: '0.0043' },
  ],
} as const;
export type DiscountSchedule = keyof typeof DISCOUNT_SCHEDULES;

/**
 * The Green Book discount factor of year t (year 0 undiscounted): the product of 1/(1 + r) over years 1..t, each year
 * at its band's rate (so the rate steps down after year 30 without a jump in the factor).
 */
export function discountFactor(t: number, schedule: DiscountSchedule = 'standard'): Decimal {
  if (!Number.isInteger(t) || t < 0) throw new RangeError(`discount year must be a whole number >= 0, not ${t}`);
  let factor = new Dec(1);
  for (const band of DISCOUNT_SCHEDULES[schedule]) {
    const years = Math.max(0, Math.min(t, band.to) - Math.max(band.from, 1) + 1);
    if (years > 0) factor = factor.div(new Dec(1).plus(band.rate).pow(years));
  }
  return factor;
}

/** sum over t = 0 .. duration-1 of (1 - dropOff)^t x DF(t): what one year's net value is worth over the duration. */
export function presentValueMultiplier(durationYears: number, dropOff: Decimal.Value, schedule: DiscountSchedule = 'standard'): Decimal {
  if (!Number.isInteger(durationYears) || durationYears < 1) throw new RangeError(`duration must be a whole number of years >= 1, not ${durationYears}`);
  let sum = new Dec(0);
  const keep = new Dec(1).minus(dropOff);
  for (let t = 0; t < durationYears; t++) sum = sum.plus(keep.pow(t).times(discountFactor(t, schedule)));
  return sum;
}

export interface UnitValue {
  measure_id: number;
  year: number;
  base_year: number;
  /** null: the measure is record_only, or has no proxy value. */
  proxy: ProxyValue | null;
  /** The year whose prices the proxy is in. */
  proxy_prices_year: number | null;
  deflator: { proxy_prices: IndexReading; year: IndexReading; base: IndexReading } | null;
  gdp_per_head: { proxy_prices: IndexReading; year: IndexReading; base: IndexReading } | null;
  additionality: string | null;
  pv_multiplier: string | null;
  nominal: string | null;
  real: string | null;
  net: string | null;
  pv: string | null;
}

const text = (d: Decimal) => d.toFixed();

/**
 * £ per unit of a measure for outcomes of `year`, in that year's prices (nominal), in `baseYear` prices (real), net
 * of additionality, and as a present value over the measure's duration.
 */
export function unitValue(
  measure: MeasureForValuation,
  year: number,
  baseYear: number,
  prices: IndexSeries,
  gdpPerHead: IndexSeries = new Map(),
): UnitValue {
  const empty: UnitValue = {
    measure_id: measure.id,
    year,
    base_year: baseYear,
    proxy: null,
    proxy_prices_year: null,
    deflator: null,
    gdp_per_head: null,
    additionality: null,
    pv_multiplier: null,
    nominal: null,
    real: null,
    net: null,
    pv: null,
  };
  if (measure.valuation === 'record_only') return empty;
  const proxy = selectProxy(measure.proxies, year);
  if (!proxy) return empty;
  const proxyYear = proxy.price_base_year ?? proxy.price_year;
  const p = { proxy_prices: readIndex(prices, proxyYear), year: readIndex(prices, year), base: readIndex(prices, baseYear) };
  if (!p.proxy_prices || !p.year || !p.base) return { ...empty, proxy, proxy_prices_year: proxyYear };
  const deflator = p as UnitValue['deflator'] & object;
  let nominal = reprice(proxy.value_gbp, deflator.proxy_prices, deflator.year);
  let real = reprice(nominal, deflator.year, deflator.base);
  let g: UnitValue['gdp_per_head'] = null;
  if (measure.valuation === 'wellbeing' && gdpPerHead.size > 0) {
    g = { proxy_prices: readIndex(gdpPerHead, proxyYear)!, year: readIndex(gdpPerHead, year)!, base: readIndex(gdpPerHead, baseYear)! };
    nominal = nominal.times(wellbeingUprating(g.proxy_prices, g.year));
    real = real.times(wellbeingUprating(g.year, g.base));
  }
  const adds = additionality(measure.deadweight, measure.displacement, measure.attribution);
  const net = real.times(adds);
  const multiplier = presentValueMultiplier(measure.duration_years, measure.drop_off);
  return {
    ...empty,
    proxy,
    proxy_prices_year: proxyYear,
    deflator,
    gdp_per_head: g,
    additionality: text(adds),
    pv_multiplier: text(multiplier),
    nominal: text(nominal),
    real: text(real),
    net: text(net),
    pv: text(net.times(multiplier)),
  };
}

export type Basis = 'nominal' | 'real' | 'net' | 'pv';
export const BASES: readonly Basis[] = ['nominal', 'real', 'net', 'pv'];

/** The £ of a quantity on a basis: quantity x the unit value (null when the measure is not valued). */
export function valueOf(quantity: Decimal.Value, unit: UnitValue, basis: Basis): Decimal | null {
  const perUnit = unit[basis];
  return perUnit === null ? null : new Dec(quantity).times(perUnit);
}

/**
 * Real, net and present values held in the framework's base year are moved to another base year by one factor:
 * P(to) / P(from) (wellbeing values also x (G(to)/G(from))^1.3, which the caller applies per measure when loaded).
 */
export function rebaseFactor(prices: IndexSeries, fromBase: number, toBase: number): Decimal {
  const from = readIndex(prices, fromBase);
  const to = readIndex(prices, toBase);
  if (!from || !to) return new Dec(1);
  return new Dec(to.value).div(from.value);
}
