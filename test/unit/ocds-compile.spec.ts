import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  compileReleases,
  findAwardCorrections,
  mergeRules,
  mergeRulesOf,
  normaliseSupplierName,
  OcdsCompileError,
} from '../../metrics/ingest/ocds/ocds-compile';

type Json = Record<string, any>;

const FIXTURES = join(__dirname, '..', 'fixtures', 'ocds', 'merge-1.1');
const readJson = (name: string) => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'));

/** Every case of the folder, so a case added upstream is tested and one lost fails the count. */
const CASES = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.json') && !f.endsWith('-compiled.json') && !f.endsWith('-versioned.json'))
  .map((f) => f.slice(0, -'.json'.length))
  .sort();

describe('compileReleases on the ocdsmerge conformance cases (OCDS 1.1)', () => {
  it('finds all 17 cases, each with its compiled release', () => {
    expect(CASES).toHaveLength(17);
    const files = new Set(readdirSync(FIXTURES));
    expect(CASES.filter((c) => !files.has(`${c}-compiled.json`))).toEqual([]);
  });

  it.each(CASES)('%s', (name) => {
    expect(compileReleases(readJson(`${name}.json`))).toStrictEqual(readJson(`${name}-compiled.json`));
  });

  it("gives the fictional example's published compiled record (OCDS sample-data), from its six releases", () => {
    const dir = join(__dirname, '..', 'fixtures', 'ocds', 'samples', 'fictional-example-1.1');
    const releases = JSON.parse(readFileSync(join(dir, 'ocds-213czf-000-00001.json'), 'utf8')).releases;
    const record = JSON.parse(readFileSync(join(dir, 'record', 'ocds-213czf-000-00001.json'), 'utf8')).records[0];
    expect(releases).toHaveLength(6);
    expect(compileReleases(releases)).toStrictEqual(record.compiledRelease);
  });

  it('gives the compiled release its metadata first, in the order ocdsmerge writes it', () => {
    expect(Object.keys(compileReleases(readJson('simple.json'))).slice(0, 4)).toEqual(['tag', 'id', 'date', 'ocid']);
  });
});

describe('mergeRules', () => {
  const rules = mergeRules();

  it('drops the release metadata and merges the core arrays of objects with an id by id', () => {
    for (const p of ['id', 'date', 'tag']) expect(rules.get(p)).toBe('omit');
    for (const p of ['parties', 'awards', 'awards/suppliers', 'awards/items', 'contracts', 'contracts/implementation/transactions', 'tender/milestones/documents']) {
      expect([p, rules.get(p)]).toEqual([p, 'identifierMerge']);
    }
    expect(rules.get('ocid')).toBeUndefined();
    expect(rules.get('tender')).toBeUndefined();
  });

  it('replaces whole the wholeListMerge arrays, the arrays of non-objects and of objects without an id', () => {
    for (const p of ['parties/additionalIdentifiers', 'tender/items/additionalClassifications', 'parties/roles', 'tender/submissionMethod', 'awards/amendments/changes']) {
      expect([p, rules.get(p)]).toEqual([p, 'wholeListMerge']);
    }
  });

  it("merges the extensions' metric arrays by id and follows their wholeListMerge", () => {
    const byId = [
      'tender/targets',
      'awards/agreedMetrics',
      'awards/agreedMetrics/observations',
      'contracts/agreedMetrics/observations',
      'contracts/implementation/metrics',
      'contracts/implementation/metrics/observations',
    ];
    for (const p of byId) {
      expect([p, rules.get(p)]).toEqual([p, 'identifierMerge']);
    }
    for (const p of ['tender/sustainability', 'contracts/amendments/rationaleClassifications', 'awards/additionalProcurementCategories']) {
      expect([p, rules.get(p)]).toEqual([p, 'wholeListMerge']);
    }
    // The UK extension's Classification arrays without wholeListMerge: Classification has an id.
    expect(rules.get('contracts/terminationRationaleClassifications')).toBe('identifierMerge');
  });

  it('derives the rules of a schema: $ref followed, wholeListMerge over nested rules, mixed item types replaced', () => {
    const schema = {
      properties: {
        a: { type: 'array', items: { $ref: '#/definitions/Thing' } },
        b: { type: 'array', wholeListMerge: true, items: { $ref: '#/definitions/Thing' } },
        c: { type: 'array', items: { type: ['object', 'string'], properties: { id: { type: 'string' } } } },
        d: { type: ['object', 'null'], properties: { e: { type: 'array', items: { type: 'object', properties: { x: {} } } } } },
        f: { type: 'string', omitWhenMerged: true },
      },
      definitions: {
        Thing: { type: 'object', properties: { id: { type: 'string', versionId: true }, parts: { type: 'array', items: { $ref: '#/definitions/Thing' } } } },
      },
    };
    expect(Object.fromEntries(mergeRulesOf(schema))).toEqual({
      // A definition that contains itself is followed once: `a/parts` is not entered again.
      a: 'identifierMerge',
      b: 'wholeListMerge',
      c: 'wholeListMerge',
      'd/e': 'wholeListMerge',
      f: 'omit',
    });
  });
});

/** A release of the process `ocds-x-1`, with the fields given. */
const release = (id: string, date: string, extra: Json = {}): Json => ({ ocid: 'ocds-x-1', id, date, tag: ['tender'], ...extra });

/** The compiled release, read as loosely as the test needs. */
const compile = (releases: unknown[]): Json => compileReleases(releases);

describe('compileReleases', () => {
  it('takes the releases in date order, whatever order they come in; equal dates keep the order given', () => {
    const compiled = compile([
      release('3', '2024-03-01T00:00:00Z', { tender: { title: 'third' } }),
      release('1', '2024-01-01T00:00:00Z', { tender: { title: 'first', status: 'planned' } }),
      release('2a', '2024-02-01T00:00:00Z', { tender: { status: 'active' } }),
      release('2b', '2024-02-01T00:00:00Z', { tender: { status: 'complete' } }),
    ]);
    expect(compiled).toStrictEqual({
      tag: ['compiled'],
      id: 'ocds-x-1-2024-03-01T00:00:00Z',
      date: '2024-03-01T00:00:00Z',
      ocid: 'ocds-x-1',
      tender: { title: 'third', status: 'complete' },
    });
  });

  it('orders by the instant, not the text, when offsets differ', () => {
    const compiled = compile([
      release('1', '2024-01-01T09:00:00+01:00', { tender: { title: 'earlier (08:00Z)' } }),
      release('2', '2024-01-01T08:30:00Z', { tender: { title: 'later' } }),
    ]);
    expect(compiled.tender).toEqual({ title: 'later' });
    expect(compiled.id).toBe('ocds-x-1-2024-01-01T08:30:00Z');
  });

  it('removes a whole object a later release sets to null', () => {
    const compiled = compile([
      release('1', '2024-01-01T00:00:00Z', { tender: { value: { amount: 5, currency: 'GBP' }, title: 'T' } }),
      release('2', '2024-02-01T00:00:00Z', { tender: { value: null } }),
    ]);
    expect(compiled.tender).toEqual({ title: 'T' });
  });

  it('merges by id the arrays the schema does not know when every item has an id, and replaces the others', () => {
    const compiled = compile([
      release('1', '2024-01-01T00:00:00Z', { tender: { lots: [{ id: 'L1', title: 'one' }, { id: 'L2' }] }, notes: [{ text: 'a' }, { text: 'b' }] }),
      release('2', '2024-02-01T00:00:00Z', { tender: { lots: [{ id: 'L2', title: 'two' }, { id: 'L3' }] }, notes: [{ text: 'c' }] }),
    ]);
    expect(compiled.tender).toEqual({ lots: [{ id: 'L1', title: 'one' }, { id: 'L2', title: 'two' }, { id: 'L3' }] });
    expect(compiled.notes).toEqual([{ text: 'c' }]);
  });

  it('merges metric observations by id, through awards and agreed metrics', () => {
    const award = (observations: Json[]) => ({ awards: [{ id: 'A1', agreedMetrics: [{ id: 'M1', title: 'Jobs', observations }] }] });
    const compiled = compile([
      release('1', '2024-01-01T00:00:00Z', award([{ id: 'o1', measure: 10 }, { id: 'o2', measure: 5 }])),
      release('2', '2024-06-01T00:00:00Z', award([{ id: 'o2', measure: 7 }, { id: 'o3', measure: 1 }])),
    ]);
    expect(compiled.awards[0].agreedMetrics[0].observations).toEqual([
      { id: 'o1', measure: 10 },
      { id: 'o2', measure: 7 },
      { id: 'o3', measure: 1 },
    ]);
  });

  it('matches ids as text, as ocdsmerge does, and appends an item without an id of an identifierMerge array', () => {
    const compiled = compile([
      release('1', '2024-01-01T00:00:00Z', { awards: [{ id: 1, title: 'one' }, { title: 'no id' }] }),
      release('2', '2024-02-01T00:00:00Z', { awards: [{ id: '1', status: 'active' }, { title: 'no id' }] }),
    ]);
    // One award: the newer release's id, as any field, is the one kept.
    expect(compiled.awards).toEqual([{ id: '1', title: 'one', status: 'active' }, { title: 'no id' }, { title: 'no id' }]);
  });

  it('does not share objects with its input', () => {
    const input = [release('1', '2024-01-01T00:00:00Z', { parties: [{ id: 'p', roles: ['buyer'], address: { locality: 'Leeds' } }] })];
    const compiled = compile(input);
    compiled.parties[0].roles.push('supplier');
    compiled.parties[0].address.locality = 'York';
    expect(input[0].parties[0]).toEqual({ id: 'p', roles: ['buyer'], address: { locality: 'Leeds' } });
  });

  it('refuses what it cannot compile', () => {
    expect(() => compileReleases([])).toThrow(OcdsCompileError);
    expect(() => compileReleases(['x'])).toThrow('release 0 is not an object');
    expect(() => compileReleases([release('1', 'yesterday')])).toThrow('release 0 has no valid date');
    expect(() => compileReleases([release('1', '2024-01-01'), { ...release('2', '2024-01-02'), ocid: 'ocds-y' }])).toThrow('more than one process');
  });
});

const WIRRAL_SUPPLIER = { id: 'GB-COH-01234567', name: 'Highway Works Ltd' };

/** An award of the Wirral case: the same highways contract, published again under a new id with a new value. */
const wirralAward = (id: string, date: string, amount: number): Json => ({
  id,
  title: 'Highways maintenance term contract',
  status: 'active',
  date,
  value: { amount, currency: 'GBP' },
  suppliers: [WIRRAL_SUPPLIER],
  contractPeriod: { startDate: '2023-04-01T00:00:00Z', endDate: '2028-03-31T23:59:59Z' },
});

describe('the Wirral case: an award corrected under a new id', () => {
  const ocid = 'ocds-b5fd17-wirral-0001';
  const releases = [
    { ocid, id: `${ocid}-award-1`, date: '2023-02-01T10:00:00Z', tag: ['award'], awards: [wirralAward(`${ocid}-1`, '2023-02-01T10:00:00Z', 10_000_000)] },
    { ocid, id: `${ocid}-award-2`, date: '2023-03-15T10:00:00Z', tag: ['awardUpdate'], awards: [wirralAward(`${ocid}-2`, '2023-03-15T10:00:00Z', 18_800_000)] },
  ];

  it('keeps both awards, each with its own value, as the standard does', () => {
    const compiled = compile(releases);
    expect(compiled.awards.map((a: Json) => [a.id, a.value.amount])).toEqual([
      [`${ocid}-1`, 10_000_000],
      [`${ocid}-2`, 18_800_000],
    ]);
    expect(compiled.id).toBe(`${ocid}-2023-03-15T10:00:00Z`);
  });

  it('finds the pair as a correction: same supplier and period, the later award with the same title', () => {
    expect(findAwardCorrections(compileReleases(releases))).toEqual([
      { first: `${ocid}-1`, second: `${ocid}-2`, reason: 'same suppliers, overlapping contract periods, the later award has the same title' },
    ]);
  });
});

describe('findAwardCorrections', () => {
  const period = { startDate: '2024-01-01T00:00:00Z', endDate: '2025-12-31T00:00:00Z' };
  const award = (id: string, extra: Json = {}): Json => ({
    id,
    title: `Award ${id}`,
    status: 'active',
    date: '2024-01-01T00:00:00Z',
    value: { amount: 250_000, currency: 'GBP' },
    suppliers: [{ name: 'Acme Care Ltd' }],
    contractPeriod: period,
    ...extra,
  });
  const find = (...awards: Json[]) => findAwardCorrections({ ocid: 'ocds-x-1', awards });

  it('finds two active awards of one supplier, period and value, the supplier named two ways', () => {
    expect(find(award('1'), award('2', { suppliers: [{ name: 'ACME CARE LIMITED.' }] }))).toEqual([
      { first: '1', second: '2', reason: 'same suppliers, overlapping contract periods, both active with the same value' },
    ]);
  });

  it('finds a near value, and puts the older award first', () => {
    const [pair] = find(award('9', { date: '2024-03-01T00:00:00Z', value: { amount: 251_000, currency: 'GBP' } }), award('3'));
    expect(pair).toEqual({ first: '3', second: '9', reason: 'same suppliers, overlapping contract periods, both active with a near value' });
  });

  it("reads a supplier's name from the parties when the award gives only its id", () => {
    const compiled = {
      parties: [{ id: 'GB-COH-1', name: 'Acme Care Ltd' }],
      awards: [award('1', { suppliers: [{ id: 'GB-COH-1' }] }), award('2', { suppliers: [{ id: 'GB-CHC-99', name: 'Acme Care' }] })],
    };
    expect(findAwardCorrections(compiled).map((p) => [p.first, p.second])).toEqual([['1', '2']]);
  });

  it('does not pair two lots awarded to different suppliers', () => {
    expect(
      find(
        award('lot-1', { relatedLots: ['1'], suppliers: [{ id: 'GB-COH-1', name: 'Acme Care Ltd' }] }),
        award('lot-2', { relatedLots: ['2'], suppliers: [{ id: 'GB-COH-2', name: 'Bright Homecare Ltd' }] }),
      ),
    ).toEqual([]);
  });

  it('does not pair awards of one supplier for different lots, at different values, or one after the other', () => {
    expect(find(award('1', { relatedLots: ['1'] }), award('2', { relatedLots: ['2'] }))).toEqual([]);
    expect(find(award('1'), award('2', { value: { amount: 300_000, currency: 'GBP' } }))).toEqual([]);
    expect(find(award('1'), award('2', { value: { amount: 250_000, currency: 'EUR' } }))).toEqual([]);
    expect(find(award('1'), award('2', { contractPeriod: { startDate: '2025-12-31T00:00:00Z', endDate: '2027-12-31T00:00:00Z' } }))).toEqual([]);
  });

  it('does not pair when the publisher already said which stands, or when it cannot tell', () => {
    expect(find(award('1', { status: 'cancelled' }), award('2'))).toEqual([]);
    expect(find(award('1', { contractPeriod: undefined }), award('2'))).toEqual([]);
    expect(find(award('1', { suppliers: [] }), award('2', { suppliers: [] }))).toEqual([]);
    // The same title but no later date: nothing says which replaces which.
    expect(find(award('1', { title: 'Care', status: 'pending' }), award('2', { title: 'Care', status: 'pending' }))).toEqual([]);
  });

  it('normalises supplier names', () => {
    expect(normaliseSupplierName('The Acme Care & Support Company Ltd.')).toBe('acme care and support company');
    expect(normaliseSupplierName('Société Générale PLC')).toBe('societe generale');
    expect(normaliseSupplierName('Ltd')).toBe('ltd');
    expect(normaliseSupplierName('  ')).toBeNull();
    expect(normaliseSupplierName(7)).toBeNull();
  });
});
