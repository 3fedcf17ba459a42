import {
  additionality,
  Dec,
  discountFactor,
  presentValueMultiplier,
  readIndex,
  rebaseFactor,
  selectProxy,
  unitValue,
  valueOf,
  type MeasureForValuation,
  type ProxyValue,
} from '../../metrics/derive/valuation/valuation';

// The shipped HM Treasury GDP deflator (2024 = 100), the years these examples use
const PRICES = new Map([
  [2019, '81.1085'],
  [2022, '90.5005'],
  [2023, '96.2507'],
  [2024, '100'],
]);

const proxy = (id: number, price_year: number, value_gbp: string, price_base_year: number | null = null): ProxyValue => ({
  id,
  price_year,
  value_gbp,
  price_base_year,
  source: 'test',
  licence: 'OGL-UK-3.0',
});

const measure = (over: Partial<MeasureForValuation>): MeasureForValuation => ({
  id: 1,
  valuation: 'proxy',
  deadweight: '0',
  displacement: '0',
  attribution: '0',
  drop_off: '0',
  duration_years: 1,
  proxies: [],
  ...over,
});

// SVM-EMP-LOCAL-FTE of the open framework: ONS ASHE median earnings per FTE-year, deadweight 15%
const employment = measure({
  id: 7,
  deadweight: '0.15',
  proxies: [proxy(1, 2022, '33061'), proxy(2, 2023, '35004'), proxy(3, 2024, '37430')],
});

describe('selectProxy', () => {
  it("takes the outcome year's own value, else the latest earlier, else the earliest later", () => {
    expect(selectProxy(employment.proxies, 2023)?.value_gbp).toBe('35004');
    expect(selectProxy(employment.proxies, 2026)?.value_gbp).toBe('37430'); // 2024 is the latest before 2026
    expect(selectProxy(employment.proxies, 2019)?.value_gbp).toBe('33061'); // nothing earlier: the earliest, 2022
    expect(selectProxy([], 2023)).toBeNull();
  });
});

describe('readIndex', () => {
  it('holds the series at its nearest year outside its range', () => {
    expect(readIndex(PRICES, 2023)).toEqual({ year: 2023, year_used: 2023, value: '96.2507' });
    expect(readIndex(PRICES, 2026)).toEqual({ year: 2026, year_used: 2024, value: '100' });
    expect(readIndex(PRICES, 2010)).toEqual({ year: 2010, year_used: 2019, value: '81.1085' });
    expect(readIndex(new Map(), 2023)).toBeNull();
  });
});

describe('unitValue', () => {
  it('values an FTE-year of 2023 in 2024 prices, net of 15% deadweight', () => {
    const v = unitValue(employment, 2023, 2024, PRICES);
    // nominal = 35004 x P(2023) / P(2023) = 35004
    expect(v.nominal).toBe('35004');
    // real = 35004 x 100 / 96.2507 = 36367.527716681541017364029560304496486780 (40 significant digits)
    expect(v.real).toBe('36367.52771668154101736402956030449648678');
    // net = real x (1 - 0.15) x (1 - 0) x (1 - 0) = real x 0.85
    expect(v.additionality).toBe('0.85');
    expect(v.net).toBe('30912.39855917930986475942512625882201376');
    // one year: present value = net
    expect(v.pv).toBe(v.net);
    expect(v.proxy?.id).toBe(2);
  });

  it('uprates a value given in another year\'s prices (DESNZ carbon values are in 2022 prices)', () => {
    const carbon = measure({ proxies: [proxy(9, 2025, '273.06', 2022)] });
    const v = unitValue(carbon, 2025, 2024, PRICES);
    // P(2025) is beyond the series: held at 2024 = 100. nominal = 273.06 x 100 / 90.5005
    expect(v.deflator?.year).toEqual({ year: 2025, year_used: 2024, value: '100' });
    expect(v.nominal).toBe('301.7220899332047889238181004524836879354');
    // real in 2024 prices = nominal x P(2024) / P(2025 -> 2024) = nominal
    expect(v.real).toBe(v.nominal);
  });

  it('uprates wellbeing values by real GDP per head to the power 1.3 when that series is loaded', () => {
    const wellby = measure({ valuation: 'wellbeing', proxies: [proxy(5, 2019, '13000')] });
    // without the series: prices only. 13000 x 100 / 81.1085 = 16027.913...
    expect(unitValue(wellby, 2024, 2024, PRICES).nominal).toBe('16027.91322734361996584821566173705591892');
    // with G(2019) = 100, G(2024) = 104: nominal x (104/100)^1.3 = 16027.913... x 1.052305... = 16866.32
    const g = new Map([
      [2019, '100'],
      [2024, '104'],
    ]);
    const v = unitValue(wellby, 2024, 2024, PRICES, g);
    const expected = new Dec('13000').times('100').div('81.1085').times(new Dec('104').div('100').pow('1.3'));
    expect(v.nominal).toBe(expected.toFixed());
    expect(new Dec(v.nominal!).toFixed(2)).toBe('16866.32');
  });

  it('gives no £ for a record_only measure or one without a proxy value', () => {
    expect(unitValue(measure({ valuation: 'record_only', proxies: [proxy(1, 2023, '5')] }), 2023, 2024, PRICES).nominal).toBeNull();
    expect(unitValue(measure({}), 2023, 2024, PRICES).real).toBeNull();
  });

  it('values a multi-year outcome with drop-off and discounting', () => {
    const lasting = measure({ duration_years: 3, drop_off: '0.1', proxies: [proxy(1, 2024, '1000')] });
    const v = unitValue(lasting, 2024, 2024, PRICES);
    // pv multiplier = 1 + 0.9/1.035 + 0.81/1.035^2 = 2.6257088846880907372400756143667296786
    expect(v.pv_multiplier).toBe('2.625708884688090737240075614366729678639');
    expect(new Dec(v.pv!).toFixed(2)).toBe('2625.71');
  });
});

describe('Green Book discounting', () => {
  it('discounts at 3.5% to year 30 and 3.0% after, year 0 undiscounted', () => {
    expect(discountFactor(0).toFixed()).toBe('1');
    // 1 / 1.035
    expect(discountFactor(1).toFixed()).toBe('0.9661835748792270531400966183574879227053');
    // 1 / (1.035^30) / 1.03
    expect(discountFactor(31).toFixed()).toBe('0.3459013695167976121083649561951749959109');
    // the health schedule: 1 / 1.015
    expect(discountFactor(1, 'health').toFixed(6)).toBe('0.985222');
    expect(() => discountFactor(-1)).toThrow(RangeError);
  });

  it('a one-year outcome is worth its net value', () => {
    expect(presentValueMultiplier(1, '0.5').toFixed()).toBe('1');
  });
});

describe('additionality and bases', () => {
  it('multiplies the three adjustments', () => {
    // (1 - 0.19) x (1 - 0.25) x (1 - 0.1) = 0.81 x 0.75 x 0.9 = 0.54675
    expect(additionality('0.19', '0.25', '0.1').toFixed()).toBe('0.54675');
  });

  it('values a quantity on each basis, exactly', () => {
    const v = unitValue(employment, 2023, 2024, PRICES);
    // 2.5 FTE-years x 35004 = 87510
    expect(valueOf('2.5', v, 'nominal')?.toFixed()).toBe('87510');
    expect(valueOf('2.5', unitValue(measure({ valuation: 'record_only' }), 2023, 2024, PRICES), 'net')).toBeNull();
  });

  it('moves real values to another base year by the ratio of price levels', () => {
    // 2024 prices -> 2022 prices: x 90.5005 / 100
    expect(rebaseFactor(PRICES, 2024, 2022).toFixed()).toBe('0.905005');
  });
});
