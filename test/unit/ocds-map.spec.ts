import {
  cleanText,
  cpvCode8,
  dateOf,
  mapRelease,
  mergeContract,
  normaliseIdentifier,
  type ContractState,
  type MappedRelease,
  type MapResult,
  type Problem,
} from '../../metrics/ingest/ocds/ocds-map';

type Json = Record<string, any>;

/** A minimal valid release (a tender notice), with whatever the test adds or replaces. */
function release(extra: Json = {}): Json {
  return {
    ocid: 'ocds-abc123-0001',
    id: 'ocds-abc123-0001-tender',
    date: '2024-05-01T10:00:00Z',
    tag: ['tender'],
    tender: { id: 't1', title: 'Home care services', status: 'active' },
    ...extra,
  };
}

/** The release mapped; fails the test with its problems when it was rejected. */
function mapped(input: unknown, path = 'releases[0]'): MappedRelease {
  const result = mapRelease(input, path);
  if (!result.release) throw new Error(`release rejected: ${JSON.stringify(result.problems)}`);
  return result.release;
}

const errors = (r: MapResult) => r.problems.filter((p) => p.severity === 'error');
const brief = (ps: Problem[]) => ps.map((p) => ({ severity: p.severity, path: p.path, code: p.code }));

describe('cleanText', () => {
  it('removes stray escape sequences and control characters, collapses blanks and trims', () => {
    expect(cleanText('  Kent\\nCounty\\t  Council \\r ')).toBe('Kent County Council');
    expect(cleanText('A\u0000B\u0007C\u001f\u007fD')).toBe('ABCD');
    expect(cleanText('two\t\tspaces   here')).toBe('two spaces here');
  });

  it('reads numbers as text and gives null for empty text and non-text', () => {
    expect(cleanText(12345)).toBe('12345');
    expect(cleanText('   ')).toBeNull();
    expect(cleanText('\\n\u0000')).toBeNull();
    for (const v of [null, undefined, true, {}, ['a']]) expect(cleanText(v)).toBeNull();
  });

  it('cuts the text to the maximum length', () => {
    expect(cleanText('abcdef', 3)).toBe('abc');
    expect(cleanText('x'.repeat(20_000))).toHaveLength(10_000);
  });
});

describe('normaliseIdentifier', () => {
  it.each([
    ['GB-COH', '11111111.0', '11111111'],
    ['GB-COH', '1234567', '01234567'],
    ['GB-COH', 1234567, '01234567'],
    ['GB-COH', '1234567.00', '01234567'],
    ['GB-COH', ' sc 123456 ', 'SC123456'],
    ['GB-COH', '01234567', '01234567'],
    ['GB-CHC', '1234567', '1234567'],
    ['GB-CHC', '1081234.0', '1081234'],
    ['GB-LAE', 'ken', 'KEN'],
  ])('%s %p -> %s', (scheme, id, expected) => {
    expect(normaliseIdentifier(scheme, id)).toBe(expected);
  });

  it('gives null for an empty or missing identifier', () => {
    for (const v of ['', '  ', null, undefined, {}]) expect(normaliseIdentifier('GB-COH', v)).toBeNull();
  });

  it('keeps a decimal that is not a spreadsheet whole number', () => {
    expect(normaliseIdentifier('GB-COH', '1234567.5')).toBe('1234567.5');
  });
});

describe('cpvCode8', () => {
  it.each([['45233130-5'], ['45233130.0'], ['45233130.00'], [45233130], [' 45233130 '], ['45233130']])('%p -> 45233130', (v) => {
    expect(cpvCode8(v)).toBe('45233130');
  });

  it.each([['4523313'], ['452331301'], ['45233130-55'], ['CPV45233130'], ['45233130.5'], [''], [null], [{}]])('%p is not a CPV code', (v) => {
    expect(cpvCode8(v)).toBeNull();
  });
});

describe('dateOf', () => {
  it('gives the calendar date of a date or date-time as written', () => {
    expect(dateOf('2024-02-29')).toBe('2024-02-29');
    expect(dateOf('2024-03-01T23:30:00-05:00')).toBe('2024-03-01');
    expect(dateOf('2024-03-01 10:00:00')).toBe('2024-03-01');
    expect(dateOf(' 2024-12-31T00:00:00Z ')).toBe('2024-12-31');
  });

  it('refuses impossible dates and other forms', () => {
    for (const v of ['2023-02-29', '2024-13-01', '2024-04-31', '2024-00-10', '01/03/2024', '2024-03-01x', '2024-3-1', '', 20240301, null]) {
      expect(dateOf(v)).toBeNull();
    }
  });
});

describe('mapRelease', () => {
  describe('the release itself', () => {
    it('maps a minimal tender release', () => {
      const result = mapRelease(release(), 'releases[0]');
      expect(result.problems).toEqual([]);
      expect(result.release_id).toBe('ocds-abc123-0001-tender');
      const m = result.release!;
      expect(m).toMatchObject({ release_id: 'ocds-abc123-0001-tender', ocid: 'ocds-abc123-0001', date: '2024-05-01T10:00:00.000Z', tags: ['tender'] });
      expect(m.contract).toMatchObject({ title: 'Home care services', title_source: 'tender', stage: 'pipeline', value_amount: null, currency: null });
      expect(m.buyer).toBeNull();
      expect(m.suppliers).toEqual([]);
      expect(m.observations).toEqual([]);
    });

    it('fingerprints the release content', () => {
      const a = mapped(release());
      expect(a.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(mapped(release()).sha256).toBe(a.sha256);
      expect(mapped(release({ tender: { title: 'Home care services.' } })).sha256).not.toBe(a.sha256);
    });

    it('rejects what is not an object', () => {
      for (const v of [null, 'release', 42, [release()]]) {
        const r = mapRelease(v, 'releases[7]');
        expect(r.release).toBeNull();
        expect(r.release_id).toBeNull();
        expect(brief(r.problems)).toEqual([{ severity: 'error', path: 'releases[7]', code: 'not_a_release' }]);
      }
      expect(mapRelease(1, '').problems[0].path).toBe('$');
    });

    it('rejects a release without id, ocid or date, naming each path under the given one', () => {
      const r = mapRelease({ tag: ['tender'], tender: { title: 'T' } }, 'releases[3]');
      expect(r.release).toBeNull();
      expect(r.release_id).toBeNull();
      expect(brief(r.problems)).toEqual([
        { severity: 'error', path: 'releases[3].id', code: 'missing_field' },
        { severity: 'error', path: 'releases[3].ocid', code: 'missing_field' },
        { severity: 'error', path: 'releases[3].date', code: 'missing_field' },
      ]);
    });

    it('gives the id of a rejected release when it has one', () => {
      const r = mapRelease(release({ ocid: '  ' }), 'records[2].releases[1]');
      expect(r.release).toBeNull();
      expect(r.release_id).toBe('ocds-abc123-0001-tender');
      expect(brief(r.problems)).toEqual([{ severity: 'error', path: 'records[2].releases[1].ocid', code: 'missing_field' }]);
    });

    it('rejects a date that is not an ISO 8601 date-time', () => {
      for (const date of ['2024-02-30T10:00:00Z', 'yesterday', '01/05/2024']) {
        const r = mapRelease(release({ date }), 'releases[0]');
        expect(r.release).toBeNull();
        expect(brief(r.problems)).toEqual([{ severity: 'error', path: 'releases[0].date', code: 'invalid_date' }]);
        expect(r.problems[0].value).toBe(date);
      }
    });

    it('names paths without a prefix for a bare release', () => {
      const r = mapRelease({ ocid: 'x', date: '2024-01-01T00:00:00Z' }, '');
      expect(brief(r.problems)).toEqual([{ severity: 'error', path: 'id', code: 'missing_field' }]);
      const amount = mapRelease(release({ tender: { value: { amount: '5', currency: 'GBP' } } }), '');
      expect(amount.problems.map((p) => p.path)).toEqual(['tender.value.amount']);
    });
  });

  describe('values', () => {
    it('rejects amounts given as strings or empty', () => {
      const r = mapRelease(release({ tender: { value: { amount: '1000', currency: 'GBP' } } }), 'releases[0]');
      expect(r.release).toBeNull();
      expect(brief(r.problems)).toEqual([{ severity: 'error', path: 'releases[0].tender.value.amount', code: 'invalid_amount' }]);
      expect(r.problems[0].value).toBe('1000');
      expect(r.problems[0].message).toMatch(/string/);

      const empty = mapRelease(release({ tender: { value: { amount: '', currency: 'GBP' } } }), 'releases[0]');
      expect(brief(errors(empty))).toEqual([{ severity: 'error', path: 'releases[0].tender.value.amount', code: 'invalid_amount' }]);
      expect(empty.problems[0].message).toMatch(/empty/);
    });

    it('rejects negative amounts and values that are not objects', () => {
      const neg = mapRelease(release({ awards: [{ id: 'a', status: 'active', value: { amount: -1, currency: 'GBP' } }] }), 'releases[0]');
      expect(brief(errors(neg))).toEqual([{ severity: 'error', path: 'releases[0].awards[0].value.amount', code: 'invalid_amount' }]);
      const scalar = mapRelease(release({ tender: { value: 5000 } }), 'releases[0]');
      expect(brief(errors(scalar))).toEqual([{ severity: 'error', path: 'releases[0].tender.value', code: 'invalid_value' }]);
    });

    it('names the award whose amount is bad', () => {
      const r = mapRelease(
        release({
          awards: [
            { id: 'a1', status: 'active', value: { amount: 10, currency: 'GBP' } },
            { id: 'a2', status: 'active', value: { amount: '20', currency: 'GBP' } },
          ],
        }),
        'releases[0]',
      );
      expect(r.release).toBeNull();
      expect(brief(errors(r))).toEqual([{ severity: 'error', path: 'releases[0].awards[1].value.amount', code: 'invalid_amount' }]);
    });

    it('rejects an unknown currency and a missing one', () => {
      const r = mapRelease(release({ tender: { value: { amount: 100, currency: 'XYZ' } } }), 'releases[0]');
      expect(r.release).toBeNull();
      expect(brief(r.problems)).toEqual([{ severity: 'error', path: 'releases[0].tender.value.currency', code: 'unknown_currency' }]);
      expect(r.problems[0].value).toBe('XYZ');
      const none = mapRelease(release({ tender: { value: { amount: 100 } } }), 'releases[0]');
      expect(brief(none.problems)).toEqual([{ severity: 'error', path: 'releases[0].tender.value.currency', code: 'missing_currency' }]);
    });

    it('reads a currency code in any case', () => {
      expect(mapped(release({ tender: { value: { amount: 100, currency: ' gbp ' } } })).contract).toMatchObject({ value_amount: '100', currency: 'GBP' });
    });

    it('keeps a value in another currency, with a warning', () => {
      const r = mapRelease(release({ tender: { value: { amount: 2500.5, currency: 'EUR' } } }), 'releases[0]');
      expect(r.release!.contract).toMatchObject({ value_amount: '2500.5', currency: 'EUR' });
      expect(brief(r.problems)).toEqual([{ severity: 'warning', path: 'releases[0].tender.value', code: 'non_gbp_value' }]);
      expect(r.problems[0].value).toBe('2500.5 EUR');
    });

    it('takes the contracts signed, else the awards, else the tender estimate', () => {
      const tender = { title: 'T', value: { amount: 1000, currency: 'GBP' } };
      expect(mapped(release({ tender })).contract.value_amount).toBe('1000');
      const awards = [
        { id: 'a1', status: 'active', suppliers: [{ name: 'S' }], value: { amount: 100.1, currency: 'GBP' } },
        { id: 'a2', status: 'pending', suppliers: [{ name: 'S' }], value: { amount: 200.2, currency: 'GBP' } },
        { id: 'a3', status: 'cancelled', value: { amount: 999, currency: 'GBP' } },
      ];
      expect(mapped(release({ tender, awards })).contract.value_amount).toBe('300.3');
      const contracts = [{ id: 'c1', awardID: 'a1', status: 'active', value: { amount: 450, currency: 'GBP' } }];
      expect(mapped(release({ tender, awards, contracts })).contract.value_amount).toBe('450');
    });

    it('keeps no total of values in several currencies', () => {
      const r = mapRelease(
        release({
          awards: [
            { id: 'a1', suppliers: [{ name: 'S' }], value: { amount: 100, currency: 'GBP' } },
            { id: 'a2', suppliers: [{ name: 'S' }], value: { amount: 100, currency: 'EUR' } },
          ],
        }),
        'releases[0]',
      );
      expect(r.release!.contract).toMatchObject({ value_amount: null, currency: null });
      expect(brief(r.problems)).toEqual([{ severity: 'warning', path: 'releases[0].awards[0].value', code: 'mixed_currencies' }]);
    });

    it('writes large and fractional amounts as exact decimals', () => {
      expect(mapped(release({ tender: { value: { amount: 1e14, currency: 'GBP' } } })).contract.value_amount).toBe('100000000000000');
      expect(mapped(release({ tender: { value: { amount: 123456789.75, currency: 'GBP' } } })).contract.value_amount).toBe('123456789.75');
      // past what the columns hold: refused, naming the path, rather than failing the batch in the database
      const huge = mapRelease(release({ tender: { value: { amount: 1e21, currency: 'GBP' } } }), 'releases[0]');
      expect(huge.release).toBeNull();
      expect(huge.problems[0]).toMatchObject({ severity: 'error', path: 'releases[0].tender.value.amount', code: 'invalid_amount' });
      expect(mapped(release({ tender: { value: { amount: 1.25, currency: 'GBP' } } })).contract.value_amount).toBe('1.25');
    });
  });

  describe('Find a Tender shapes', () => {
    it('reads the CPV code among the award and contract items\' additional classifications, after the other sources', () => {
      const cpv = (id: string) => ({ items: [{ id: '1', additionalClassifications: [{ scheme: 'CPV', id, description: 'x' }] }] });
      expect(mapped(release({ awards: [{ id: 'a', status: 'active', ...cpv('90911200') }] })).contract.cpv).toBe('90911200');
      expect(mapped(release({ contracts: [{ id: 'c', status: 'active', ...cpv('60130000') }] })).contract.cpv).toBe('60130000');
      // the tender's own classification comes first
      const both = release({ tender: { id: 't', status: 'active', classification: { scheme: 'CPV', id: '85311000' } }, awards: [{ id: 'a', status: 'active', ...cpv('90911200') }] });
      expect(mapped(both).contract.cpv).toBe('85311000');
      // not from an award that is not in force
      expect(mapped(release({ awards: [{ id: 'a', status: 'cancelled', ...cpv('90911200') }] })).contract.cpv).toBeNull();
    });

    it('reads a PPON in both its forms, preferring another identifier as the organisation\'s own', () => {
      const block = mapped(release({ buyer: { id: 'b' }, parties: [{ id: 'b', name: 'Kent County Council', identifier: { scheme: 'GB-PPON', id: 'pken-1111-aaaa' }, roles: ['buyer'] }] }));
      expect(block.buyer).toEqual({ name: 'Kent County Council', scheme: 'GB-PPON', identifier: 'PKEN-1111-AAAA' });
      const partyId = mapped(release({ buyer: { id: 'GB-PPON-PKEN-1111-AAAA', name: 'Kent County Council' } }));
      expect(partyId.buyer).toEqual({ name: 'Kent County Council', scheme: 'GB-PPON', identifier: 'PKEN-1111-AAAA' });
      const both = mapped(
        release({
          awards: [{ id: 'a', status: 'active', suppliers: [{ id: 's' }] }],
          parties: [{ id: 's', name: 'Acme Ltd', roles: ['supplier'], identifier: { scheme: 'GB-PPON', id: 'PACM-2222-BBBB' }, additionalIdentifiers: [{ scheme: 'GB-COH', id: '1234567' }] }],
        }),
      );
      expect(both.suppliers[0]).toMatchObject({ scheme: 'GB-COH', identifier: '01234567', identifiers: [{ scheme: 'GB-PPON', identifier: 'PACM-2222-BBBB' }] });
    });

    it('reads the buyer type of a UK_CA_TYPE classification, in either form of its id', () => {
      const typed = (id: string, description?: string) =>
        mapped(release({ parties: [{ id: 'b', name: 'Somebody', roles: ['buyer'], details: { classifications: [{ scheme: 'TED_CA_TYPE', id: 'body-pl' }, { scheme: 'UK_CA_TYPE', id, description }] } }] })).buyer!.type;
      expect(typed('centralGovernment')).toBe('Central government');
      expect(typed('publicAuthoritySubCentralGovernment')).toBe('Sub-central government');
      expect(typed('publicUndertaking')).toBe('Public undertaking');
      expect(typed('privateUtility')).toBe('Private utility');
      expect(typed('somethingNew', 'Something new')).toBe('Something new');
      expect(typed('somethingNew')).toBe('somethingNew');
      expect(mapped(release({ buyer: { name: 'Kent County Council' } })).buyer!.type).toBeUndefined();
    });

    it('keeps no value below 1 (a placeholder such as £0.01), naming its path in a warning', () => {
      const r = mapRelease(release({ tender: { id: 't', status: 'active', value: { amount: 0.01, currency: 'GBP' } } }), 'releases[0]');
      expect(r.release!.contract.value_amount).toBeNull();
      expect(r.problems).toEqual([{ severity: 'warning', path: 'releases[0].tender.value.amount', code: 'placeholder_value', message: expect.stringMatching(/placeholder/), value: '0.01' }]);
      // a placeholder contract value gives way to the award's real one, and is not summed with another contract's
      const contracts = mapped(
        release({
          awards: [{ id: 'a', status: 'active', value: { amount: 5000, currency: 'GBP' } }],
          contracts: [{ id: 'c', status: 'active', value: { amount: 0.01, currency: 'GBP' } }],
        }),
      );
      expect(contracts.contract.value_amount).toBe('5000');
      const summed = mapped(
        release({ contracts: [{ id: 'c1', status: 'active', value: { amount: 0, currency: 'GBP' } }, { id: 'c2', status: 'active', value: { amount: 1200, currency: 'GBP' } }] }),
      );
      expect(summed.contract.value_amount).toBe('1200');
      expect(mapped(release({ tender: { id: 't', status: 'active', value: { amount: 1, currency: 'GBP' } } })).contract.value_amount).toBe('1');
    });

    it('maps a cancellation that names no buyer, for the contract to keep its authority', () => {
      const r = mapped(release({ id: 'x-cancel', tag: ['tenderCancellation'], tender: { id: 't', status: 'cancelled' } }));
      expect(r.buyer).toBeNull();
      expect(r.contract.stage).toBe('cancelled');
    });
  });

  describe('classification', () => {
    it('takes the CPV code of the tender items first', () => {
      const m = mapped(
        release({
          tender: {
            title: 'T',
            classification: { scheme: 'CPV', id: '85000000' },
            items: [{ id: '1', classification: { scheme: 'CPV', id: '45233130-5' } }],
          },
        }),
      );
      expect(m.contract.cpv).toBe('45233130');
    });

    it('falls back on the non-core tender.classification, then additional classifications', () => {
      expect(mapped(release({ tender: { title: 'T', items: [{ id: '1' }], classification: { scheme: 'CPV', id: '45233130.0' } } })).contract.cpv).toBe('45233130');
      const additional = mapped(
        release({
          tender: {
            title: 'T',
            items: [{ id: '1', classification: { scheme: 'UNSPSC', id: '72141000' } }],
            additionalClassifications: [{ scheme: 'CPVS', id: 'PA01' }, { scheme: 'cpv', id: 85311000 }],
          },
        }),
      );
      expect(additional.contract.cpv).toBe('85311000');
      const itemAdditional = mapped(
        release({ tender: { title: 'T', items: [{ id: '1', additionalClassifications: [{ scheme: 'CPV', id: '79410000-1' }] }] } }),
      );
      expect(itemAdditional.contract.cpv).toBe('79410000');
    });

    it('warns of a CPV code it cannot read and goes on to the next', () => {
      const r = mapRelease(
        release({ tender: { title: 'T', items: [{ id: '1', classification: { scheme: 'CPV', id: '4523' } }], classification: { scheme: 'CPV', id: '45233130' } } }),
        'releases[0]',
      );
      expect(r.release!.contract.cpv).toBe('45233130');
      expect(brief(r.problems)).toEqual([{ severity: 'warning', path: 'releases[0].tender.items[0].classification.id', code: 'invalid_cpv' }]);
    });

    it('leaves the CPV null when there is none', () => {
      expect(mapped(release()).contract.cpv).toBeNull();
    });
  });

  describe('buyer', () => {
    it('finds the buyer identifier in the parties by buyer.id', () => {
      const m = mapped(
        release({
          buyer: { id: 'org-1', name: 'Kent County Council' },
          parties: [
            { id: 'org-2', name: 'Someone else', identifier: { scheme: 'GB-LAE', id: 'XXX' }, roles: ['buyer'] },
            { id: 'org-1', name: 'Kent CC', identifier: { scheme: 'gb-lae', id: 'ken' }, roles: ['buyer'] },
          ],
        }),
      );
      expect(m.buyer).toEqual({ name: 'Kent County Council', scheme: 'GB-LAE', identifier: 'KEN' });
    });

    it('finds the buyer by its role when the release has no buyer block, and its name in the party', () => {
      const m = mapped(release({ parties: [{ id: 'p1', name: 'Swansea Council', identifier: { scheme: 'GB-GSS', id: 'W06000011' }, roles: ['buyer', 'procuringEntity'] }] }));
      expect(m.buyer).toEqual({ name: 'Swansea Council', scheme: 'GB-GSS', identifier: 'W06000011' });
    });

    it('uses an additional identifier when the main one has no usable scheme', () => {
      const m = mapped(
        release({
          buyer: { id: 'p1' },
          parties: [{ id: 'p1', name: 'Met Office', identifier: { scheme: '', id: '' }, additionalIdentifiers: [{ scheme: 'GB-GOR', id: 'D1234' }] }],
        }),
      );
      expect(m.buyer).toEqual({ name: 'Met Office', scheme: 'GB-GOR', identifier: 'D1234' });
    });

    it('reads an org-id given as the party id, normalising a company number', () => {
      const m = mapped(release({ buyer: { id: 'GB-COH-1234567', name: 'Acme Housing Ltd' }, parties: [{ id: 'GB-COH-1234567' }] }));
      expect(m.buyer).toEqual({ name: 'Acme Housing Ltd', scheme: 'GB-COH', identifier: '01234567' });
    });

    it('keeps a buyer with a name only (Contracts Finder leaves the scheme empty)', () => {
      const m = mapped(release({ buyer: { id: '8130c4', name: 'Met Office' }, parties: [{ id: '8130c4', name: 'Met Office', identifier: { scheme: '', id: '' }, roles: ['buyer'] }] }));
      expect(m.buyer).toEqual({ name: 'Met Office', scheme: null, identifier: null });
    });

    it('drops a buyer with neither name nor identifier, with a warning', () => {
      const r = mapRelease(release({ buyer: { id: 'nobody' } }), 'releases[0]');
      expect(r.release!.buyer).toBeNull();
      expect(brief(r.problems)).toEqual([{ severity: 'warning', path: 'releases[0].buyer', code: 'unusable_buyer' }]);
    });
  });

  describe('suppliers', () => {
    it('joins award suppliers with their parties, reading scale and VCSE, without duplicates', () => {
      const m = mapped(
        release({
          tag: ['award'],
          parties: [
            { id: 's1', name: 'Acme Care Ltd', identifier: { scheme: 'GB-COH', id: '11111111.0' }, details: { scale: 'micro', vcse: false }, roles: ['supplier'] },
            { id: 's2', name: 'Big Care plc', identifier: { scheme: 'GB-COH', id: '1234567' }, details: { scale: 'large' }, roles: ['supplier'] },
            { id: 's3', name: 'Valley Community Trust', details: { scale: 'sme', vcse: true }, roles: ['supplier'] },
            { id: 'b1', name: 'Kent County Council', roles: ['buyer'] },
          ],
          awards: [
            { id: 'a1', status: 'active', suppliers: [{ id: 's1', name: 'Acme Care Ltd' }, { id: 's2', name: 'Big Care plc' }] },
            { id: 'a2', status: 'active', suppliers: [{ id: 's1', name: 'Acme Care Ltd' }] },
          ],
        }),
      );
      expect(m.suppliers).toEqual([
        { name: 'Acme Care Ltd', scheme: 'GB-COH', identifier: '11111111', scale: 'sme', vcse: false, supported_employment: null, public_service_mutual: null },
        { name: 'Big Care plc', scheme: 'GB-COH', identifier: '01234567', scale: 'large', vcse: null, supported_employment: null, public_service_mutual: null },
        { name: 'Valley Community Trust', scheme: null, identifier: null, scale: 'sme', vcse: true, supported_employment: null, public_service_mutual: null },
      ]);
    });

    it('counts two suppliers with the same name and no identifier once', () => {
      const m = mapped(release({ awards: [{ id: 'a1', suppliers: [{ name: 'Bright Start CIC' }, { name: 'bright start cic' }] }] }));
      expect(m.suppliers.map((s) => s.name)).toEqual(['Bright Start CIC']);
    });

    it('warns of a supplier without a name and does not keep it', () => {
      const r = mapRelease(release({ awards: [{ id: 'a1', suppliers: [{ id: 'x1' }, { name: 'Named Ltd' }] }] }), 'releases[0]');
      expect(r.release!.suppliers.map((s) => s.name)).toEqual(['Named Ltd']);
      expect(brief(r.problems)).toEqual([{ severity: 'warning', path: 'releases[0].awards[0].suppliers[0]', code: 'unnamed_supplier' }]);
    });
  });

  describe('stage', () => {
    it('is pipeline for a tender alone', () => {
      expect(mapped(release()).contract.stage).toBe('pipeline');
    });

    it('is cancelled for a cancelled or unsuccessful tender without awards', () => {
      expect(mapped(release({ tender: { title: 'T', status: 'cancelled' } })).contract.stage).toBe('cancelled');
      expect(mapped(release({ tender: { title: 'T', status: 'unsuccessful' } })).contract.stage).toBe('cancelled');
    });

    it('is awarded for an active award with its supplier, without a warning', () => {
      const r = mapRelease(release({ awards: [{ id: 'a1', status: 'active', suppliers: [{ name: 'Acme' }] }] }), 'releases[0]');
      expect(r.release!.contract.stage).toBe('awarded');
      expect(r.problems).toEqual([]);
    });

    it('is awarded for an award without supplier, with a warning', () => {
      const r = mapRelease(release({ awards: [{ id: 'a0', status: 'cancelled' }, { id: 'a1', status: 'active' }] }), 'releases[2]');
      expect(r.release!.contract.stage).toBe('awarded');
      expect(brief(r.problems)).toEqual([{ severity: 'warning', path: 'releases[2].awards[1].suppliers', code: 'award_without_supplier' }]);
    });

    it('is awarded for a contract alone', () => {
      expect(mapped({ ocid: 'o', id: 'r', date: '2024-01-01T00:00:00Z', contracts: [{ id: 'c1', status: 'active' }] }).contract.stage).toBe('awarded');
    });

    it('stays in the pipeline when every award is cancelled but the tender is active, and is cancelled without a tender', () => {
      expect(mapped(release({ awards: [{ id: 'a1', status: 'unsuccessful' }] })).contract.stage).toBe('pipeline');
      expect(mapped({ ocid: 'o', id: 'r', date: '2024-01-01T00:00:00Z', awards: [{ id: 'a1', status: 'cancelled' }] }).contract.stage).toBe('cancelled');
    });

    it('is null when the release says nothing of the stage', () => {
      expect(mapped({ ocid: 'o', id: 'r', date: '2024-01-01T00:00:00Z', tag: ['update'], parties: [] }).contract.stage).toBeNull();
    });
  });

  describe('whether the Act applies', () => {
    const tender = (t: Json) => mapped(release({ tender: { title: 'T', ...t } })).contract;

    it('reads services from mainProcurementCategory first', () => {
      expect(tender({ mainProcurementCategory: 'services', items: [{ classification: { scheme: 'CPV', id: '45000000' } }] })).toMatchObject({
        is_services: true,
        procurement_category: 'services',
      });
      expect(tender({ mainProcurementCategory: 'works', xClassifications: { ojeuContractType: 'Services' } })).toMatchObject({ is_services: false, procurement_category: 'works' });
    });

    it('else from xClassifications.ojeuContractType (Contracts Finder)', () => {
      expect(tender({ xClassifications: { ojeuContractType: 'Services' }, items: [{ classification: { scheme: 'CPV', id: '45000000' } }] })).toMatchObject({
        is_services: true,
        procurement_category: 'services',
      });
      expect(tender({ xClassifications: { ojeuContractType: 'Works' }, items: [{ classification: { scheme: 'CPV', id: '85000000' } }] })).toMatchObject({
        is_services: false,
        procurement_category: 'works',
      });
    });

    it('else from the CPV division: 50 and above are services', () => {
      expect(tender({ items: [{ classification: { scheme: 'CPV', id: '50000000' } }] }).is_services).toBe(true);
      expect(tender({ items: [{ classification: { scheme: 'CPV', id: '85311000' } }] }).is_services).toBe(true);
      expect(tender({ items: [{ classification: { scheme: 'CPV', id: '45233130' } }] }).is_services).toBe(false);
      expect(tender({ items: [{ classification: { scheme: 'CPV', id: '33100000' } }] }).is_services).toBe(false);
      expect(tender({}).is_services).toBeNull();
    });

    it('reads above_threshold from aboveThreshold, else a GPA coverage', () => {
      expect(tender({ aboveThreshold: true }).above_threshold).toBe(true);
      expect(tender({ aboveThreshold: false, coveredBy: ['GPA'] }).above_threshold).toBe(false);
      expect(tender({ coveredBy: ['gpa'] }).above_threshold).toBe(true);
      expect(tender({ coveredBy: ['EU'] }).above_threshold).toBeNull();
      expect(tender({}).above_threshold).toBeNull();
    });

    it('is in scope for services above the threshold, out of it for works or below the threshold, else unknown', () => {
      expect(tender({ mainProcurementCategory: 'services', aboveThreshold: true }).in_scope).toBe(true);
      expect(tender({ mainProcurementCategory: 'services', aboveThreshold: false }).in_scope).toBe(false);
      expect(tender({ mainProcurementCategory: 'works', aboveThreshold: true }).in_scope).toBe(false);
      expect(tender({ mainProcurementCategory: 'works' }).in_scope).toBe(false);
      expect(tender({ mainProcurementCategory: 'services' }).in_scope).toBeNull();
      expect(tender({ aboveThreshold: true }).in_scope).toBeNull();
    });
  });

  describe('social value signals', () => {
    it('collects sustainability goals of the tender and its lots, sorted, without duplicates', () => {
      const c = mapped(
        release({
          tender: {
            title: 'T',
            sustainability: [{ goal: 'social.disabilities' }, { goal: 'economic.sme' }],
            lots: [{ id: 'L1', sustainability: [{ goal: 'environmental' }, { goal: 'economic.sme' }] }],
          },
        }),
      ).contract;
      expect(c.sv_goals).toEqual(['economic.sme', 'environmental', 'social.disabilities']);
      expect(c.sv_evaluated).toBe(true);
      expect(c.sv_weighting_pct).toBeNull();
    });

    it('reads the weight of a social value award criterion of a lot', () => {
      const c = mapped(
        release({
          tender: {
            title: 'T',
            lots: [
              {
                id: 'L1',
                awardCriteria: {
                  criteria: [
                    { type: 'price', name: 'Price', description: '60%' },
                    { type: 'quality', name: 'Quality', description: '30%' },
                    { type: 'quality', name: 'Social value', description: '10%' },
                  ],
                },
              },
            ],
          },
        }),
      ).contract;
      expect(c).toMatchObject({ sv_evaluated: true, sv_weighting_pct: '10', sv_goals: null });
    });

    it('reads weights given as numbers, fractions as percentages, and keeps the largest over lots', () => {
      const c = mapped(
        release({
          tender: {
            title: 'T',
            awardCriteria: { criteria: [{ name: 'Community benefits', numbers: [{ number: 0.125 }] }] },
            lots: [{ id: 'L1', awardCriteria: { criteria: [{ name: 'Social Value', numbers: [{ number: 5 }] }] } }],
          },
        }),
      ).contract;
      expect(c.sv_weighting_pct).toBe('12.5');
    });

    it('takes a hasSustainability flag as evaluated, with no weight', () => {
      expect(mapped(release({ tender: { title: 'T', hasSustainability: true } })).contract).toMatchObject({ sv_evaluated: true, sv_weighting_pct: null });
    });

    it('says nothing without a signal: price and quality criteria are not social value', () => {
      const c = mapped(release({ tender: { title: 'T', awardCriteria: { criteria: [{ name: 'Price', description: '70%' }, { name: 'Quality', description: '30%' }] } } })).contract;
      expect(c).toMatchObject({ sv_evaluated: null, sv_weighting_pct: null, sv_goals: null });
    });
  });

  describe('dates', () => {
    it('reads start and end from the contract period, and the award date', () => {
      const c = mapped(
        release({
          tender: { title: 'T', contractPeriod: { startDate: '2024-01-01', endDate: '2024-12-31' } },
          awards: [{ id: 'a1', date: '2024-05-20T09:00:00Z', suppliers: [{ name: 'S' }] }],
          contracts: [{ id: 'c1', status: 'active', period: { startDate: '2024-06-01T00:00:00Z', endDate: '2027-05-31T23:59:59Z' } }],
        }),
      ).contract;
      expect(c).toMatchObject({ start_date: '2024-06-01', end_date: '2027-05-31', award_date: '2024-05-20' });
    });

    it('reads start and end from the Contract start and Contract end milestones (Contracts Finder)', () => {
      const c = mapped(
        release({
          tender: {
            title: ' Climate Science for Service Partnership ',
            status: 'active',
            milestones: [
              { id: 1, title: 'Contract start', description: 'Anticipated contract start date', dueDate: '2015-04-01T00:00:00Z' },
              { id: 2, title: 'Contract end', description: 'Anticipated contract end date', dueDate: '2016-03-31T00:00:00Z' },
            ],
          },
        }),
      ).contract;
      expect(c).toMatchObject({ title: 'Climate Science for Service Partnership', start_date: '2015-04-01', end_date: '2016-03-31' });
    });

    it('skips a date it cannot read, with a warning', () => {
      const r = mapRelease(
        release({ tender: { title: 'T', contractPeriod: { startDate: '2024-02-30' }, milestones: [{ title: 'Contract start', dueDate: '2024-03-01T00:00:00Z' }] } }),
        'releases[0]',
      );
      expect(r.release!.contract.start_date).toBe('2024-03-01');
      expect(brief(r.problems)).toEqual([{ severity: 'warning', path: 'releases[0].tender.contractPeriod.startDate', code: 'invalid_date' }]);
    });

    it('ignores an end date before the start date, with a warning', () => {
      const r = mapRelease(release({ tender: { title: 'T', contractPeriod: { startDate: '2025-01-01', endDate: '2024-01-01' } } }), 'releases[0]');
      expect(r.release!.contract).toMatchObject({ start_date: '2025-01-01', end_date: null });
      expect(brief(r.problems)).toEqual([{ severity: 'warning', path: 'releases[0].contracts', code: 'end_before_start' }]);
    });
  });

  describe('title and description', () => {
    it('come from the tender, else the contract, else the award', () => {
      const award = { id: 'a1', title: 'Award title', description: 'Award text', suppliers: [{ name: 'S' }] };
      const contract = { id: 'c1', title: 'Contract title', description: 'Contract text' };
      expect(mapped(release({ tender: { title: 'Tender title', description: 'Tender text' }, awards: [award], contracts: [contract] })).contract).toMatchObject({
        title: 'Tender title',
        description: 'Tender text',
        title_source: 'tender',
      });
      expect(mapped(release({ tender: { id: 't' }, awards: [award], contracts: [contract] })).contract).toMatchObject({
        title: 'Contract title',
        description: 'Contract text',
        title_source: 'contract',
      });
      expect(mapped(release({ tender: undefined, awards: [award] })).contract).toMatchObject({ title: 'Award title', description: 'Award text', title_source: 'award' });
      expect(mapped({ ocid: 'o', id: 'r', date: '2024-01-01T00:00:00Z' }).contract).toMatchObject({ title: null, description: null, title_source: null });
    });
  });

  describe('metrics', () => {
    const period = { startDate: '2024-04-01', endDate: '2025-03-31' };

    it('reads targets from award agreedMetrics and results from contract implementation metrics', () => {
      const r = mapRelease(
        release({
          awards: [
            {
              id: 'a1',
              status: 'active',
              suppliers: [{ name: 'S' }],
              agreedMetrics: [{ id: 'apprentices', title: 'Apprenticeships', observations: [{ id: 'o1', measure: 4, unit: { name: 'people' }, period }] }],
            },
          ],
          contracts: [
            {
              id: 'c1',
              status: 'active',
              period: { startDate: '2024-06-01', endDate: '2026-05-31' },
              implementation: {
                metrics: [
                  {
                    id: 'local-spend',
                    title: 'Local spend',
                    observations: [
                      { id: 'o1', value: { amount: 12000.5, currency: 'GBP' }, period },
                      { id: 'o2', measure: ' 3.5 ', unit: { id: 'FTE' } },
                    ],
                  },
                ],
              },
            },
          ],
        }),
        'releases[4]',
      );
      expect(r.problems).toEqual([]);
      expect(r.release!.observations).toEqual([
        {
          kind: 'target',
          path: 'releases[4].awards[0].agreedMetrics[0].observations[0]',
          metric_id: 'apprentices',
          metric_title: 'Apprenticeships',
          period_start: '2024-04-01',
          period_end: '2025-03-31',
          quantity: '4',
          unit: 'people',
        },
        {
          kind: 'actual',
          path: 'releases[4].contracts[0].implementation.metrics[0].observations[0]',
          metric_id: 'local-spend',
          metric_title: 'Local spend',
          period_start: '2024-04-01',
          period_end: '2025-03-31',
          quantity: '12000.5',
          unit: 'GBP',
        },
        {
          kind: 'actual',
          path: 'releases[4].contracts[0].implementation.metrics[0].observations[1]',
          metric_id: 'local-spend',
          metric_title: 'Local spend',
          period_start: '2024-06-01',
          period_end: '2026-05-31',
          quantity: '3.5',
          unit: 'FTE',
        },
      ]);
    });

    it('reads targets agreed in a contract', () => {
      const m = mapped(release({ contracts: [{ id: 'c1', agreedMetrics: [{ title: 'Volunteering hours', observations: [{ measure: 120, period }] }] }] }));
      expect(m.observations).toMatchObject([{ kind: 'target', metric_id: null, metric_title: 'Volunteering hours', quantity: '120', unit: null }]);
    });

    it('warns of observations without a period, with a measure that is not a number, or with nothing, and keeps the rest', () => {
      const r = mapRelease(
        release({
          contracts: [
            {
              id: 'c1',
              implementation: {
                metrics: [
                  {
                    id: 'm1',
                    observations: [
                      { id: 'o1', measure: 5 },
                      { id: 'o2', measure: 'about 3', period },
                      { id: 'o3', measure: -2, period },
                      { id: 'o4', period },
                      { id: 'o5', measure: '7', period },
                      { id: 'o6', measure: 1, period: { startDate: '2025-01-01', endDate: '2024-01-01' } },
                    ],
                  },
                  { observations: [{ measure: 1, period }] },
                ],
              },
            },
          ],
        }),
        'releases[0]',
      );
      const p = 'releases[0].contracts[0].implementation.metrics';
      expect(brief(r.problems)).toEqual([
        { severity: 'warning', path: `${p}[0].observations[0].period`, code: 'no_period' },
        { severity: 'warning', path: `${p}[0].observations[1].measure`, code: 'invalid_measure' },
        { severity: 'warning', path: `${p}[0].observations[2].measure`, code: 'invalid_measure' },
        { severity: 'warning', path: `${p}[0].observations[3]`, code: 'empty_observation' },
        { severity: 'warning', path: `${p}[0].observations[5].period`, code: 'no_period' },
        { severity: 'warning', path: `${p}[1]`, code: 'unidentified_metric' },
      ]);
      expect(r.release!.observations.map((o) => [o.path, o.quantity])).toEqual([[`${p}[0].observations[4]`, '7']]);
    });

    it('ignores the metrics of a cancelled award', () => {
      const m = mapped(
        release({
          awards: [
            { id: 'a1', status: 'cancelled', agreedMetrics: [{ id: 'x', observations: [{ measure: 1, period }] }] },
            { id: 'a2', status: 'active', suppliers: [{ name: 'S' }], agreedMetrics: [{ id: 'y', observations: [{ measure: 2, period }] }] },
          ],
        }),
      );
      expect(m.observations.map((o) => o.metric_id)).toEqual(['y']);
    });
  });
});

describe('mergeContract', () => {
  const state = (s: Partial<ContractState>): ContractState => ({
    title: null,
    title_source: null,
    description: null,
    stage: null,
    cpv: null,
    value_amount: null,
    currency: null,
    award_date: null,
    start_date: null,
    end_date: null,
    procurement_category: null,
    is_services: null,
    above_threshold: null,
    in_scope: null,
    sv_evaluated: null,
    sv_weighting_pct: null,
    sv_goals: null,
    reference: 'ocds-abc123-0001',
    authority_id: 1,
    supplier_id: null,
    release_date: '2024-01-01T00:00:00.000Z',
    ...s,
  });
  /** A contract as held after its first release: with the provenance the merge keeps. */
  const held = (s: Partial<ContractState> | ContractState) => mergeContract(null, state(s));
  const JAN = '2024-01-01T00:00:00.000Z';
  const FEB = '2024-02-01T00:00:00.000Z';
  const MAR = '2024-03-01T00:00:00.000Z';

  it('takes the first release as it is, with a settled stage', () => {
    const first = state({ title: 'T', title_source: 'tender', stage: 'pipeline', cpv: '85000000' });
    expect(mergeContract(null, first)).toEqual({ ...first, provenance: { dates: { text: JAN, cpv: JAN, stage: JAN }, stage: 'pipeline' } });
    expect(mergeContract(null, state({ stage: 'awarded', supplier_id: null })).stage).toBe('pipeline');
    expect(mergeContract(null, state({ stage: 'awarded', supplier_id: 4 })).stage).toBe('awarded');
    expect(mergeContract(null, state({ stage: 'cancelled' })).stage).toBe('cancelled');
  });

  it('lets a newer release override the fields it gives and keep those it leaves out', () => {
    const current = held({ release_date: JAN, cpv: '85000000', start_date: '2024-04-01', end_date: '2025-03-31', sv_weighting_pct: '10', value_amount: '100', currency: 'GBP' });
    const merged = mergeContract(current, state({ release_date: FEB, end_date: '2026-03-31', is_services: true, value_amount: '90', currency: 'EUR' }));
    expect(merged).toMatchObject({
      cpv: '85000000',
      start_date: '2024-04-01',
      end_date: '2026-03-31',
      is_services: true,
      sv_weighting_pct: '10',
      value_amount: '90',
      currency: 'EUR',
      release_date: FEB,
    });
  });

  it('lets an older release only fill gaps', () => {
    const current = held({ release_date: FEB, cpv: '85000000', value_amount: '90', currency: 'GBP' });
    const merged = mergeContract(current, state({ release_date: JAN, cpv: '45000000', start_date: '2024-04-01', value_amount: '100', currency: 'EUR', is_services: false }));
    expect(merged).toMatchObject({ cpv: '85000000', start_date: '2024-04-01', in_scope: false, value_amount: '90', currency: 'GBP', release_date: FEB });
    const noValue = mergeContract(held({ release_date: FEB }), state({ release_date: JAN, value_amount: '100', currency: 'EUR' }));
    expect(noValue).toMatchObject({ value_amount: '100', currency: 'EUR' });
  });

  it('keeps the reference and the authority the contract was created for', () => {
    const merged = mergeContract(held({ authority_id: 1, reference: 'ocds-a' }), state({ release_date: FEB, authority_id: 2, reference: 'ocds-b' }));
    expect(merged).toMatchObject({ authority_id: 1, reference: 'ocds-a' });
  });

  it('never takes an awarded contract back to the pipeline', () => {
    const awarded = mergeContract(null, state({ release_date: JAN, stage: 'awarded', supplier_id: 7 }));
    expect(mergeContract(awarded, state({ release_date: FEB, stage: 'pipeline' })).stage).toBe('awarded');
    expect(mergeContract(awarded, state({ release_date: FEB, stage: null })).stage).toBe('awarded');
    expect(mergeContract(awarded, state({ release_date: FEB, stage: 'cancelled' })).stage).toBe('cancelled');
  });

  it('takes a newer stage, and an older one only when none is known', () => {
    const pipeline = held({ release_date: FEB, stage: 'pipeline' });
    expect(mergeContract(pipeline, state({ release_date: MAR, stage: 'cancelled' })).stage).toBe('cancelled');
    expect(mergeContract(pipeline, state({ release_date: JAN, stage: 'cancelled' })).stage).toBe('pipeline');
    expect(mergeContract(held({ release_date: FEB, stage: 'cancelled' }), state({ release_date: JAN, stage: 'awarded', supplier_id: 3 })).stage).toBe('cancelled');
  });

  it('counts a contract awarded only once a supplier is known', () => {
    const tender = mergeContract(null, state({ release_date: JAN, stage: 'pipeline' }));
    const noSupplier = mergeContract(tender, state({ release_date: FEB, stage: 'awarded', supplier_id: null }));
    expect(noSupplier.stage).toBe('pipeline');
    const withSupplier = mergeContract(noSupplier, state({ release_date: MAR, stage: 'awarded', supplier_id: 12 }));
    expect(withSupplier).toMatchObject({ stage: 'awarded', supplier_id: 12 });
  });

  it('takes title and description from the best source, the newer of two from the same one', () => {
    const tender = state({ release_date: JAN, title: 'Tender title', description: 'Tender text', title_source: 'tender' });
    const award = state({ release_date: FEB, title: 'Award title', description: 'Award text', title_source: 'award' });
    const contract = state({ release_date: MAR, title: 'Contract title', description: 'Contract text', title_source: 'contract' });
    expect(mergeContract(held(tender), award)).toMatchObject({ title: 'Tender title', description: 'Tender text', title_source: 'tender' });
    expect(mergeContract(held(award), contract)).toMatchObject({ title: 'Contract title', description: 'Contract text', title_source: 'contract' });
    expect(mergeContract(held(contract), award)).toMatchObject({ title: 'Contract title', title_source: 'contract' });
    const amended = state({ release_date: FEB, title: 'Tender title (amended)', description: null, title_source: 'tender' });
    expect(mergeContract(held(tender), amended)).toMatchObject({ title: 'Tender title (amended)', description: 'Tender text', title_source: 'tender' });
    expect(mergeContract(held(amended), tender)).toMatchObject({ title: 'Tender title (amended)', description: 'Tender text', title_source: 'tender' });
    const untitled = state({ release_date: MAR, title: null, description: null, title_source: null });
    expect(mergeContract(held(award), untitled)).toMatchObject({ title: 'Award title', description: 'Award text', title_source: 'award' });
  });

  it('drops the older of a start and end date that contradict each other, and derives in_scope from the merged parts', () => {
    const first = held({ release_date: JAN, start_date: '2024-01-01', end_date: '2024-12-31', is_services: false, above_threshold: true });
    expect(first.in_scope).toBe(false);
    const moved = mergeContract(first, state({ release_date: FEB, start_date: '2025-02-01', is_services: true }));
    expect(moved).toMatchObject({ start_date: '2025-02-01', end_date: null, is_services: true, above_threshold: true, in_scope: true });
  });

  it('takes each part from the newest release that gives it, across imports (the held contract keeps where each came from)', () => {
    const a = state({ release_date: JAN, cpv: '11111111', title: 'A', title_source: 'tender', value_amount: '100', currency: 'GBP', stage: 'pipeline' });
    const b = state({ release_date: FEB, cpv: '22222222', title: 'B', title_source: 'tender', value_amount: '120', currency: 'GBP', stage: 'awarded', supplier_id: 7 });
    const c = state({ release_date: MAR, end_date: '2026-01-01' });
    const inOrder = [a, b, c].reduce<ContractState | null>((acc, x) => mergeContract(acc, x), null)!;
    expect(inOrder).toMatchObject({ cpv: '22222222', title: 'B', value_amount: '120', stage: 'awarded', supplier_id: 7, end_date: '2026-01-01' });
    for (const order of [[c, a, b], [a, c, b], [b, c, a], [c, b, a]]) {
      expect(order.reduce<ContractState | null>((acc, x) => mergeContract(acc, x), null)).toEqual(inOrder);
    }
    // a release that says nothing of the stage does not stop an older award from counting
    expect(mergeContract(mergeContract(null, c), b)).toMatchObject({ stage: 'awarded', supplier_id: 7 });
  });

  it('gives the same contract whichever order the releases are merged in', () => {
    // a tender, its award, and the contract signed: each gives part of the picture
    const tender = state({
      release_date: JAN,
      title: 'Home care services',
      description: 'Care at home for adults',
      title_source: 'tender',
      stage: 'pipeline',
      cpv: '85311000',
      value_amount: '1000000',
      currency: 'GBP',
      start_date: '2024-04-01',
      end_date: '2026-03-31',
      procurement_category: 'services',
      is_services: true,
      above_threshold: true,
      in_scope: true,
      sv_evaluated: true,
      sv_weighting_pct: '10',
      sv_goals: ['economic.sme'],
    });
    const award = state({
      release_date: FEB,
      title: 'Award of home care services',
      title_source: 'award',
      stage: 'awarded',
      supplier_id: 7,
      value_amount: '950000',
      currency: 'GBP',
      award_date: '2024-02-01',
    });
    const contract = state({
      release_date: MAR,
      title: 'Home care contract',
      description: 'Signed contract',
      title_source: 'contract',
      stage: 'awarded',
      supplier_id: 7,
      value_amount: '975000',
      currency: 'GBP',
      start_date: '2024-05-01',
      end_date: '2027-04-30',
    });
    const permutations = [
      [tender, award, contract],
      [tender, contract, award],
      [award, tender, contract],
      [award, contract, tender],
      [contract, tender, award],
      [contract, award, tender],
    ];
    const results = permutations.map((p) => p.reduce<ContractState | null>((acc, s) => mergeContract(acc, s), null));
    const expected = {
      ...tender,
      stage: 'awarded',
      supplier_id: 7,
      value_amount: '975000',
      award_date: '2024-02-01',
      start_date: '2024-05-01',
      end_date: '2027-04-30',
      release_date: MAR,
      provenance: expect.objectContaining({ stage: 'awarded' }),
    };
    for (const r of results) expect(r).toEqual(expected);
    for (const r of results) expect(r!.provenance).toEqual(results[0]!.provenance);
  });
});
