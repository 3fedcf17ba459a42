import { createHash } from 'node:crypto';
import { normaliseName } from '../../metrics/reference/authorities/normalise-name';
import { BuyerMatcher } from '../../metrics/ingest/ocds/buyer-matcher';
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
        create: { code: 'GB-COH-01234567', name: 'Acme Housing Trust', name_normalised: 'acme housing trust', scheme: 'GB-COH', identifier: '01234567' },
      });
      expect(m.create!.code).toMatch(CODE);
    });

    it('names a buyer that has only an identifier by it', () => {
      const m = matcher().match(buyer(null, 'GB-NHS', 'RXH'));
      expect(m.create).toEqual({ code: 'GB-NHS-RXH', name: 'GB-NHS RXH', name_normalised: 'gb nhs rxh', scheme: 'GB-NHS', identifier: 'RXH' });
    });

    it('codes a buyer without identifier by a slug of its name and a hash', () => {
      const m = matcher().match(buyer('Department for Work & Pensions'));
      const normalised = normaliseName('Department for Work & Pensions');
      expect(normalised).toBe('department for work and pensions');
      const hash = createHash('sha256').update(normalised).digest('hex').slice(0, 8);
      expect(m).toEqual({
        method: 'created',
        create: { code: `ORG-department-for-work-and-pensions-${hash}`, name: 'Department for Work & Pensions', name_normalised: normalised, scheme: null, identifier: null },
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

    it('does not make a shared name match', () => {
      const m = matcher();
      const first = m.match(buyer('Northshire Council'));
      m.remember(first.create!, { authority_id: 92, code: first.create!.code });
      expect(m.match(buyer('Northshire Council')).method).toBe('created');
    });

    it('leaves the authorities it knew as they were', () => {
      const m = matcher();
      const first = m.match(buyer('Acme Housing Trust', 'GB-COH', '01234567'));
      m.remember(first.create!, { authority_id: 90, code: first.create!.code });
      expect(m.match(buyer('Kent County Council'))).toEqual({ method: 'name', authority: KENT });
      expect(m.match(buyer(null, 'GB-LAC', 'E09000007'))).toEqual({ method: 'identifier', authority: CAMDEN });
    });
  });
});
