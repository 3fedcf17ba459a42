import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { frameworkFromCsv, frameworkFromJson } from '../../metrics/reference/catalogue/framework-definition';
import { DomainError } from '../../metrics/platform/errors';

const fixture = (name: string) => readFileSync(join(__dirname, '..', 'fixtures', 'frameworks', name), 'utf8');
const HEADER = {
  code: 'example-licensed',
  version: '2025',
  name: 'Example Borough Council social value measures (FICTIONAL)',
  publisher: 'Example Borough Council (fictional)',
  licence: 'Fictional example: stands in for a framework you hold under its own licence',
  source: "Invented for the social value monitor's documentation and tests; every figure is made up",
  base_price_year: '2025',
};

function problems(fn: () => unknown): Array<{ path: string; message: string; row?: number; field?: string }> {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError);
    expect((err as DomainError).code).toBe('invalid_parameter');
    return (err as DomainError).details as never;
  }
  throw new Error('expected problems');
}

describe('framework definitions', () => {
  it('reads the JSON form with defaults filled in and decimals kept as text', () => {
    const def = frameworkFromJson(JSON.parse(fixture('fictional-licensed-framework.json')));
    expect(def.themes.map((t) => t.code)).toEqual(['JOBS', 'GREEN']);
    const ex1 = def.themes[0].outcomes[0].measures[0];
    expect(ex1).toMatchObject({
      code: 'EX1',
      deadweight: '0.2',
      attribution: '0.1',
      displacement: '0',
      duration_years: 1,
      accepted_units: [{ unit: 'FTE-month', factor: '0.083333333333' }],
    });
    expect(ex1.proxies[1]).toEqual({
      price_year: 2025,
      value_gbp: '12999.99',
      price_base_year: null,
      source: 'Fictional',
      licence: 'Fictional',
      note: null,
    });
    expect(def.crosswalk[1]).toEqual({
      measure: 'EX3',
      to_framework: 'svm-open',
      to_version: null,
      to_measure: 'SVM-CO2E-AVOIDED',
      factor: '0.001',
    });
  });

  it('reads the CSV form into the same definition as the JSON form (crosswalk aside)', () => {
    const fromJson = frameworkFromJson(JSON.parse(fixture('fictional-licensed-framework.json')));
    const fromCsv = frameworkFromCsv(fixture('fictional-licensed-framework.csv'), HEADER);
    expect(fromCsv).toEqual({ ...fromJson, description: null, crosswalk: [] });
  });

  it('names every problem of a JSON framework by its path', () => {
    const bad = JSON.parse(fixture('fictional-licensed-framework.json'));
    delete bad.licence;
    bad.base_price_year = 1800;
    const ex1 = bad.themes[0].outcomes[0].measures[0];
    ex1.deadweight = 1.5;
    ex1.category = 'spiritual';
    ex1.accepted_units.push({ unit: 'FTE-year', factor: '-1' });
    ex1.proxies.push({ price_year: 2025, value_gbp: 'a lot', source: 'x', licence: 'y' });
    bad.themes[0].outcomes[0].measures[1].proxies = [{ price_year: 2025, value_gbp: '1', source: 's', licence: 'l' }];
    bad.themes[1].outcomes[0].measures[0].code = 'EX1';
    bad.crosswalk.push({ measure: 'NOPE', to_framework: 'svm-open', to_measure: 'X' });
    const found = problems(() => frameworkFromJson(bad)).map((p) => `${p.path}: ${p.message}`);
    const m = 'themes[0].outcomes[0].measures[0]';
    expect(found).toEqual(
      expect.arrayContaining([
        'licence: is required',
        'base_price_year: must be a whole number from 1990 to 2100',
        `${m}.deadweight: must be at most 1`,
        `${m}.category: must be one of local_economic, social, environmental`,
        `${m}.accepted_units[1].factor: must be a non-negative decimal number such as 12.5`,
        `${m}.accepted_units[1].unit: is the canonical unit itself`,
        `${m}.proxies[2].value_gbp: must be a non-negative decimal number such as 12.5`,
        `${m}.proxies[2]: duplicates the price year 2025 at ${m}.proxies[1]`,
        'themes[0].outcomes[0].measures[1].proxies: a record_only measure has no proxy values',
        `themes[1].outcomes[0].measures[0]: duplicates the measure code EX1 at ${m}`,
        'crosswalk[2].measure: NOPE is not a measure of this framework',
      ]),
    );
  });

  it('refuses a proxy-valued measure without a value, and a framework that is not an object', () => {
    const def = JSON.parse(fixture('fictional-licensed-framework.json'));
    delete def.themes[1].outcomes[0].measures[0].proxies;
    expect(problems(() => frameworkFromJson(def))).toContainEqual({
      path: 'themes[1].outcomes[0].measures[0].proxies',
      message: 'a proxy measure needs at least one proxy value (or valuation record_only)',
    });
    expect(problems(() => frameworkFromJson([1, 2]))[0].message).toBe('a framework is a JSON object');
  });

  it('names the row and column of each problem in a CSV framework', () => {
    const csv = fixture('fictional-licensed-framework.csv')
      .replace('FTE-year,local_economic,proxy,0.2,0,0.1,0,1,FTE-month=0.083333333333,2025,12999.99', 'FTE-year,local_economic,proxy,0.2,0,0.1,0,1,FTE-month=0.083333333333,2025,-3')
      .replace('kgCO2e,environmental,proxy', 'kgCO2e,planetary,proxy');
    expect(problems(() => frameworkFromCsv(csv, HEADER))).toEqual(
      expect.arrayContaining([
        { path: 'row 3.value_gbp', row: 3, field: 'value_gbp', message: 'must be a non-negative decimal number such as 12.5' },
        { path: 'row 5.category', row: 5, field: 'category', message: 'must be one of local_economic, social, environmental' },
      ]),
    );
    expect(problems(() => frameworkFromCsv('a,b\n1,2\n', HEADER))[0].message).toMatch(/lacks the column\(s\) theme_code/);
    expect(problems(() => frameworkFromCsv(fixture('fictional-licensed-framework.csv'), { ...HEADER, code: '' }))).toContainEqual({
      path: 'code',
      message: 'is required',
    });
  });
});
