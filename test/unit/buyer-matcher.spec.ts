import { createHash } from 'node:crypto';
import { normaliseName } from '../../metrics/reference/authorities/normalise-name';
import { BuyerMatcher, diceSimilarity } from '../../metrics/ingest/ocds/buyer-matcher';
import type { OrgRef } from '../../metrics/ingest/ocds/ocds-map';

const CODE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

const KENT = { authority_id: 1, code: 'KEN' };
const SWANSEA = { authority_id: 2, code: 'SWA' };
const RCT = { authority_id: 3, code: 'RCT' };
const GWYNEDD = { authority_id: 4, code: 'GWN' };
const CAMDEN = { authority_id: 5, code: 'CMD' };
const NORTHSHIRE_CC = { authority_id: 6, code: 'NSC' };
const NORTHSHIRE_DC = { authority_id: 7, code: 'NSD' };

function matcher() {
  return new BuyerMatcher(
    [
      { scheme: 'GB-LAE', identifier: 'KEN', ...KENT },
      { scheme: 'GB-GSS', identifier: 'E10000016', ...KENT },
      { scheme: 'GB-GSS', identifier: 'W06000011', ...SWANSEA },
      { scheme: 'GB-GSS', identifier: 'E09000007', ...CAMDEN },
      { scheme: 'GB-LAE', identifier: 'cmd', ...CAMDEN },
    ],
    [
      { name: 'Kent County Council', ...KENT },
      { name: 'City and County of Swansea Council', ...SWANSEA },
      { name: 'Cyngor Dinas a Sir Abertawe', ...SWANSEA },
      { name: 'Rhondda Cynon Taf County Borough Council', ...RCT },
      { name: 'Gwynedd Council', ...GWYNEDD },
      { name: 'Cyngor Gwynedd', ...GWYNEDD },
      { name: 'Camden', ...CAMDEN },
      { name: 'London Borough of Camden', ...CAMDEN },
      { name: 'Northshire County Council', ...NORTHSHIRE_CC },
      { name: 'Northshire District Council', ...NORTHSHIRE_DC },
    ],
  );
}

const buyer = (name: string | null, scheme: string | null = null, identifier: string | null = null): OrgRef => ({ name, scheme, identifier });

describe('BuyerMatcher', () => {
  describe('by identifier', () => {
    it('matches a (scheme, identifier) an authority carries', () => {
      expect(matcher().match(buyer('Some other name', 'GB-LAE', 'KEN'))).toEqual({ method: 'identifier', authority: KENT });
      expect(matcher().match(buyer(null, 'GB-GSS', 'W06000011'))).toEqual({ method: 'identifier', authority: SWANSEA });
    });

    it('compares identifiers without regard to case', () => {
      expect(matcher().match(buyer(null, 'GB-LAE', 'CMD'))).toEqual({ method: 'identifier', authority: CAMDEN });
      expect(matcher().match(buyer(null, 'GB-LAE', 'ken'))).toEqual({ method: 'identifier', authority: KENT });
    });

    it('matches a GSS code published under another scheme', () => {
      expect(matcher().match(buyer(null, 'GB-LAC', 'E09000007'))).toEqual({ method: 'identifier', authority: CAMDEN });
      expect(matcher().match(buyer(null, 'GB-ONS', 'E10000016'))).toEqual({ method: 'identifier', authority: KENT });
    });

    it('does not match the same identifier under another scheme when it is not a GSS code', () => {
      const m = matcher().match(buyer(null, 'GB-LAS', 'KEN'));
      expect(m.method).toBe('created');
      expect(m.authority).toBeUndefined();
    });

    it('prefers the identifier to the name', () => {
      expect(matcher().match(buyer('Kent County Council', 'GB-GSS', 'W06000011'))).toEqual({ method: 'identifier', authority: SWANSEA });
    });

    it('falls back on the name when the identifier is unknown', () => {
      expect(matcher().match(buyer('Kent County Council', 'GB-COH', '01234567'))).toEqual({ method: 'name', authority: KENT });
    });
  });

  describe('by name', () => {
    it.each([
      ['City & County of Swansea', SWANSEA],
      ['Swansea', SWANSEA],
      ['Rhondda Cynon Taf CBC', RCT],
      ['RHONDDA CYNON TAF COUNTY BOROUGH COUNCIL', RCT],
      ['Cyngor Gwynedd', GWYNEDD],
      ['Gwynedd Council', GWYNEDD],
      ['London Borough of Camden', CAMDEN],
      ['Camden Council', CAMDEN],
      ['Kent CC', KENT],
    ])('matches %s', (name, authority) => {
      expect(matcher().match(buyer(name))).toEqual({ method: 'name', authority });
    });

    it('matches no authority by a name two authorities share', () => {
      const m = matcher().match(buyer('Northshire Council'));
      expect(m.method).toBe('created');
      expect(m.authority).toBeUndefined();
      expect(m.create).toMatchObject({ name: 'Northshire Council', name_normalised: 'northshire' });
    });

    it('keeps a name that one authority gives twice', () => {
      const m = new BuyerMatcher([], [
        { name: 'Gwynedd Council', ...GWYNEDD },
        { name: 'Cyngor Gwynedd', ...GWYNEDD },
        { name: 'GWYNEDD', ...GWYNEDD },
      ]);
      expect(m.match(buyer('Gwynedd'))).toEqual({ method: 'name', authority: GWYNEDD });
    });

    it('stays ambiguous whatever the order of the names', () => {
      const m = new BuyerMatcher([], [
        { name: 'Northshire District Council', ...NORTHSHIRE_DC },
        { name: 'Northshire', ...NORTHSHIRE_DC },
        { name: 'Northshire County Council', ...NORTHSHIRE_CC },
        { name: 'Northshire Council', ...NORTHSHIRE_DC },
      ]);
      expect(m.match(buyer('Northshire')).method).toBe('created');
    });
  });

  describe('new authorities', () => {
    it('codes a buyer with an identifier by its scheme and identifier', () => {
      const m = matcher().match(buyer('Acme Housing Trust', 'GB-COH', '01234567'));
      expect(m).toEqual({
        method: 'created',
        create: { code: 'GB-COH-01234567', name: 'Acme Housing Trust', name_normalised: 'acme housing trust', scheme: 'GB-COH', identifier: '01234567', subtype: null },
      });
      expect(m.create!.code).toMatch(CODE);
    });

    it('names a buyer that has only an identifier by it', () => {
      const m = matcher().match(buyer(null, 'GB-NHS', 'RXH'));
      expect(m.create).toEqual({ code: 'GB-NHS-RXH', name: 'GB-NHS RXH', name_normalised: 'gb nhs rxh', scheme: 'GB-NHS', identifier: 'RXH', subtype: null });
    });

    it('codes a buyer without identifier by a slug of its name and a hash', () => {
      const m = matcher().match(buyer('Department for Work & Pensions'));
      const normalised = normaliseName('Department for Work & Pensions');
      expect(normalised).toBe('department for work and pensions');
      const hash = createHash('sha256').update(normalised).digest('hex').slice(0, 8);
      expect(m).toEqual({
        method: 'created',
        create: { code: `ORG-department-for-work-and-pensions-${hash}`, name: 'Department for Work & Pensions', name_normalised: normalised, scheme: null, identifier: null, subtype: null },
      });
    });

    it('gives the same code to the same buyer however its name is written', () => {
      const a = matcher().match(buyer('Department for Work and Pensions')).create!.code;
      const b = matcher().match(buyer('  DEPARTMENT FOR WORK & PENSIONS ')).create!.code;
      const c = matcher().match(buyer('Department for Education')).create!.code;
      expect(b).toBe(a);
      expect(c).not.toBe(a);
    });

    it.each([
      buyer('Department for Work and Pensions'),
      buyer('A very long name of a public body that goes on and on well beyond forty characters in all'),
      buyer('Ysgol Gynradd Llanfair Pwllgwyngyll — Bwrdd Llywodraethwyr'),
      buyer('株式会社'),
      buyer('!!!'),
      buyer('Somebody', 'GB-COH', 'SC123456'),
      buyer('Somebody', 'GB-CHC', '1234567 / 2'),
      buyer('Somebody', 'GB-UKPRN', '1'.repeat(100)),
    ])('gives %p a code that can be an authority code', (b) => {
      const m = matcher().match(b);
      expect(m.method).toBe('created');
      expect(m.create!.code).toMatch(CODE);
    });
  });

  describe('authorities an earlier import created', () => {
    it('are matched as earlier_import, by identifier or by name', () => {
      const other = { authority_id: 80, code: 'GB-COH-07654321', imported: true };
      const m = new BuyerMatcher([{ scheme: 'GB-COH', identifier: '07654321', ...other }, { scheme: 'GB-LAE', identifier: 'KEN', ...KENT }], [
        { name: 'Northshire Care Partnership', ...other },
        { name: 'Kent County Council', ...KENT },
      ]);
      expect(m.match(buyer(null, 'GB-COH', '07654321'))).toEqual({ method: 'earlier_import', authority: other });
      expect(m.match(buyer('Northshire Care Partnership'))).toEqual({ method: 'earlier_import', authority: other });
      expect(m.match(buyer('Kent', 'GB-LAE', 'KEN'))).toEqual({ method: 'identifier', authority: KENT });
      expect(m.match(buyer('Kent'))).toEqual({ method: 'name', authority: KENT });
    });
  });

  describe('remember', () => {
    it('matches a created buyer by its identifier afterwards', () => {
      const m = matcher();
      const first = m.match(buyer('Acme Housing Trust', 'GB-COH', '01234567'));
      expect(first.method).toBe('created');
      const created = { authority_id: 90, code: first.create!.code };
      m.remember(first.create!, created);
      const remembered = { method: 'earlier_import', authority: { ...created, imported: true } };
      expect(m.match(buyer('Acme Housing Trust', 'GB-COH', '01234567'))).toEqual(remembered);
      expect(m.match(buyer('Acme Housing Trust Ltd', 'GB-COH', '01234567'))).toEqual(remembered);
      expect(m.match(buyer('Acme Housing Trust'))).toEqual(remembered);
      expect(m.match(buyer('Another Trust', 'GB-COH', '01234568')).method).toBe('created');
    });

    it('matches a created buyer by its name afterwards', () => {
      const m = matcher();
      const first = m.match(buyer('Office of the Police and Crime Commissioner for Northshire'));
      const created = { authority_id: 91, code: first.create!.code };
      m.remember(first.create!, created);
      const remembered = { method: 'earlier_import', authority: { ...created, imported: true } };
      expect(m.match(buyer('Office of the Police and Crime Commissioner for Northshire'))).toEqual(remembered);
      expect(m.match(buyer('office of the police & crime commissioner for northshire'))).toEqual(remembered);
    });

    it('does not make a name two known authorities share match either of them', () => {
      const m = matcher();
      const first = m.match(buyer('Northshire Council'));
      m.remember(first.create!, { authority_id: 92, code: first.create!.code });
      // the buyer goes where it went before: the `other` authority created for it, not one of the two councils
      expect(m.match(buyer('Northshire Council'))).toEqual({ method: 'earlier_import', authority: { authority_id: 92, code: first.create!.code, imported: true } });
    });

    it('leaves the authorities it knew as they were', () => {
      const m = matcher();
      const first = m.match(buyer('Acme Housing Trust', 'GB-COH', '01234567'));
      m.remember(first.create!, { authority_id: 90, code: first.create!.code });
      expect(m.match(buyer('Kent County Council'))).toEqual({ method: 'name', authority: KENT });
      expect(m.match(buyer(null, 'GB-LAC', 'E09000007'))).toEqual({ method: 'identifier', authority: CAMDEN });
    });
  });
  describe('names as real publishers write them', () => {
    const WARWICKSHIRE = { authority_id: 20, code: 'E10000031' };
    const HERTFORDSHIRE = { authority_id: 21, code: 'E10000015' };
    const SUFFOLK = { authority_id: 22, code: 'E10000029' };
    const EAST_HERTS = { authority_id: 23, code: 'E07000242' };
    const HERTSMERE = { authority_id: 24, code: 'E07000098' };
    const BARNET = { authority_id: 25, code: 'E09000003' };
    const KINGSTON = { authority_id: 26, code: 'E09000021' };
    const WIGAN = { authority_id: 27, code: 'E08000010' };
    const NOTTS = { authority_id: 28, code: 'E10000024' };
    const SWANSEA_ = { authority_id: 29, code: 'W06000011' };
    const KENT_ = { authority_id: 30, code: 'E10000016' };
    const real = () =>
      new BuyerMatcher([], [
        { name: 'Warwickshire County Council', ...WARWICKSHIRE },
        { name: 'Warwickshire', ...WARWICKSHIRE },
        { name: 'Hertfordshire County Council', ...HERTFORDSHIRE },
        { name: 'Suffolk County Council', ...SUFFOLK },
        { name: 'East Hertfordshire District Council', ...EAST_HERTS },
        { name: 'Hertsmere Borough Council', ...HERTSMERE },
        { name: 'London Borough of Barnet', ...BARNET },
        { name: 'Royal Borough of Kingston upon Thames', ...KINGSTON },
        { name: 'Wigan Metropolitan Borough Council', ...WIGAN },
        { name: 'Nottinghamshire County Council', ...NOTTS },
        { name: 'City and County of Swansea Council', ...SWANSEA_ },
        { name: 'Kent County Council', ...KENT_ },
      ]);

    it.each([
      // the four of the issue, each missed before
      ['Warwickshire County Council (WCC)', WARWICKSHIRE],
      ["Hertfordshire County Council - Children's Services", HERTFORDSHIRE],
      ['Suffolk County Council Passenger Transport', SUFFOLK],
      ['East Herts Council', EAST_HERTS],
      // and their kin
      ['Hertfordshire County Council – Adult Social Care', HERTFORDSHIRE],
      ['Herts CC', HERTFORDSHIRE],
      ['Hertfordshire County Council: Procurement', HERTFORDSHIRE],
      ['Suffolk County Council - Commercial Services (Legal Services)', SUFFOLK],
      ['Legal, Democratic and Business Intelligence, Swansea Council,', SWANSEA_],
      ['Kent County Council Education', KENT_],
      ['LB of Barnet', BARNET],
      ['LB Barnet', BARNET],
      ['Barnet LBC', BARNET],
      ['RB Kingston upon Thames', KINGSTON],
      ['Kingston upon Thames Royal Borough Council', KINGSTON],
      ['Wigan MBC', WIGAN],
      ['Wigan MBC - Corporate Procurement', WIGAN],
      ['Notts CC', NOTTS],
      ['Nottinghamshire County Council (NCC)', NOTTS],
      ['Hertsmere BC', HERTSMERE],
    ])('matches %s', (name, authority) => {
      expect(real().match(buyer(name))).toEqual({ method: 'name', authority });
    });

    it.each([
      // a named school, an NHS trust, a fire service, a police force, a company, a parish: never the council
      "St Mary's Primary School, Kent County Council",
      'Kent County Council - Oakwood Academy',
      'Hertfordshire Partnership University NHS Foundation Trust',
      'Herts Valleys Clinical Commissioning Group',
      'Hertfordshire Fire and Rescue Service',
      'Suffolk Constabulary',
      'Suffolk Passenger Transport Ltd',
      'Warwickshire College Group',
      'Hertfordshire Housing Association',
      'Kent Community Health NHS Foundation Trust',
      'Swansea University',
      'Warwick District Council',
      'North Warwickshire Borough Council - Housing',
      'Kent Parish Council',
      'Hertford Town Council',
      // no council's name at all: its head is not taken for one
      'Kent - Medway Shared Services',
    ])('does not match %s to a council it names', (name) => {
      const m = real().match(buyer(name));
      expect(m.authority).toBeUndefined();
      expect(m.method).toBe('created');
    });

    it('matches a variant only when one authority has it', () => {
      const m = new BuyerMatcher([], [
        { name: 'Northshire County Council', ...NORTHSHIRE_CC },
        { name: 'Northshire District Council', ...NORTHSHIRE_DC },
      ]);
      expect(m.match(buyer('Northshire County Council - Procurement')).method).toBe('created');
    });
  });

  describe('a known authority before one an import created', () => {
    const other = { authority_id: 80, code: 'ORG-northshire-unknown-abc', imported: true };
    const TRAFFORD = { authority_id: 81, code: 'E08000009' };

    it('matches a name an administrator added to a known authority there, not to the `other` authority that had it', () => {
      const m = new BuyerMatcher(
        [{ scheme: 'GB-PPON', identifier: 'PXXX-1234-ABCD', ...other }],
        [
          { name: 'Northshire Unknown Council', ...other },
          { name: 'Trafford Council', ...TRAFFORD },
          { name: 'Northshire Unknown Council', ...TRAFFORD }, // added by POST /authorities/E08000009/names
        ],
      );
      expect(m.match(buyer('Northshire Unknown Council'))).toEqual({ method: 'name', authority: TRAFFORD });
      expect(m.match(buyer('Northshire Unknown Council', 'GB-PPON', 'PXXX-1234-ABCD'))).toEqual({ method: 'name', authority: TRAFFORD });
      // and the PPON moves to it, so that the next notice matches by identifier
      expect(m.keepIdentifiers(buyer('Northshire Unknown Council', 'GB-PPON', 'PXXX-1234-ABCD'), TRAFFORD)).toEqual([{ scheme: 'GB-PPON', identifier: 'PXXX-1234-ABCD' }]);
      expect(m.match(buyer('Someone else', 'GB-PPON', 'PXXX-1234-ABCD'))).toEqual({ method: 'identifier', authority: TRAFFORD });
    });
  });

  describe('PPONs', () => {
    it('keeps a buyer PPON for the known authority it matched, once, and matches by it afterwards', () => {
      const m = matcher();
      const ppon = buyer('Kent County Council', 'GB-PPON', 'PKEN-1111-AAAA');
      expect(m.match(ppon)).toEqual({ method: 'name', authority: KENT });
      expect(m.keepIdentifiers(ppon, KENT)).toEqual([{ scheme: 'GB-PPON', identifier: 'PKEN-1111-AAAA' }]);
      expect(m.keepIdentifiers(ppon, KENT)).toEqual([]);
      expect(m.match(buyer('KCC', 'GB-PPON', 'pken-1111-aaaa'))).toEqual({ method: 'identifier', authority: KENT });
    });

    it('keeps no other scheme, none for an `other` authority, and never takes a PPON from a known authority', () => {
      const m = matcher();
      expect(m.keepIdentifiers(buyer('Kent County Council', 'GB-COH', '01234567'), KENT)).toEqual([]);
      expect(m.keepIdentifiers(buyer('X', 'GB-PPON', 'PXXX-0000-0000'), { authority_id: 99, code: 'X', imported: true })).toEqual([]);
      m.keepIdentifiers(buyer('Kent', 'GB-PPON', 'PKEN-1111-AAAA'), KENT);
      expect(m.keepIdentifiers(buyer('Swansea', 'GB-PPON', 'PKEN-1111-AAAA'), SWANSEA)).toEqual([]);
    });

    it('matches a known authority by any of the identifiers a buyer gives', () => {
      const m = matcher();
      const b: OrgRef = { name: 'Unheard of', scheme: 'GB-PPON', identifier: 'PZZZ-0000-0000', identifiers: [{ scheme: 'GB-LAE', identifier: 'KEN' }] };
      expect(m.match(b)).toEqual({ method: 'identifier', authority: KENT });
    });
  });

  describe('buyer types', () => {
    it('gives a created authority the buyer type as its subtype', () => {
      const m = matcher().match({ name: 'Northshire Water', scheme: null, identifier: null, type: 'Private utility' });
      expect(m.create).toMatchObject({ name: 'Northshire Water', subtype: 'Private utility' });
    });
  });

  describe('candidates', () => {
    it('lists the known authorities nearest an unmatched name, best first, one entry each', () => {
      const c = matcher().candidates('Northshire Cnty Council Highways');
      expect(c).toHaveLength(3);
      expect(c.map((x) => x.code).slice(0, 2).sort()).toEqual(['NSC', 'NSD']);
      expect(c[0].score).toBeGreaterThan(c[2].score);
      expect(new Set(c.map((x) => x.code)).size).toBe(3);
      expect(matcher().candidates('Gwyned Cyngor')[0]).toMatchObject({ code: 'GWN' });
      expect(matcher().candidates(null)).toEqual([]);
    });

    it('leaves authorities an import created out', () => {
      const m = new BuyerMatcher([], [{ name: 'Gwynedd Care', authority_id: 70, code: 'ORG-x', imported: true }, { name: 'Gwynedd Council', ...GWYNEDD }]);
      expect(m.candidates('Gwynedd Care').map((x) => x.code)).toEqual(['GWN']);
    });

    it('scores by Sørensen–Dice over letter pairs', () => {
      expect(diceSimilarity('kent', 'kent')).toBe(1);
      expect(diceSimilarity('kent', 'xyz')).toBe(0);
      expect(diceSimilarity('night', 'nacht')).toBe(0.5); // pairs with the word's edges: 6 each, 3 shared (" n", "ht", "t ")
    });
  });
});
