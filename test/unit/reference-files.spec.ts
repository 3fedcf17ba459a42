import {
  parseCpvCodes,
  parseCpvDivisions,
  parseDepartments,
  parseLocalAuthorities,
  readReferenceFile,
} from '../../metrics/reference/reference-files';

describe('reference files', () => {
  const councils = parseLocalAuthorities(
    readReferenceFile('uk_local_authorities.csv').text,
    readReferenceFile('lookup_name_to_code.csv').text,
  );

  it('keeps the 397 current councils of mySociety list, each with a GSS code', () => {
    expect(councils.authorities).toHaveLength(397);
    expect(new Set(councils.authorities.map((a) => a.code)).size).toBe(397);
    expect(councils.authorities.every((a) => /^[ENSW]\d{8}$/.test(a.code))).toBe(true);
  });

  it('reads Trafford as a metropolitan district of the North West in Greater Manchester', () => {
    expect(councils.authorities.find((a) => a.code === 'E08000009')).toMatchObject({
      name: 'Trafford Metropolitan Borough Council',
      short_name: 'Trafford',
      kind: 'local_authority',
      subtype: 'Metropolitan district',
      nation: 'England',
      region: 'North West',
      population: 237579,
      local_code: 'TRF',
    });
    expect(councils.links.find((l) => l.code === 'E08000009')).toEqual({
      code: 'E08000009',
      parent_code: null,
      combined_authority_code: 'E47000001',
    });
  });

  it('gives districts their county and maps abolished councils onto their successors', () => {
    expect(councils.links.find((l) => l.code === 'E07000223')?.parent_code).toBe('E10000032'); // Adur -> West Sussex
    // Aylesbury Vale (AYL, abolished 2020) -> Buckinghamshire Council
    expect(councils.names).toContainEqual(
      expect.objectContaining({ code: 'E06000060', name_normalised: 'aylesbury vale', source: 'predecessor' }),
    );
    expect(councils.identifiers).toContainEqual({
      code: 'E06000060',
      scheme: 'GB-LAE',
      identifier: 'AYL',
      is_current: false,
    });
    // no identifier is claimed by two authorities
    const keys = councils.identifiers.map((i) => `${i.scheme}:${i.identifier}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('reads the 44 current departments, coded GB-GOR-<id>, with the ids they replaced', () => {
    const depts = parseDepartments(readReferenceFile('central_government_departments.csv').text);
    expect(depts.authorities).toHaveLength(44);
    expect(depts.authorities.filter((a) => a.subtype === 'Ministerial department')).toHaveLength(24);
    expect(depts.authorities.find((a) => a.code === 'GB-GOR-D9')).toMatchObject({
      name: 'Department for Transport',
      kind: 'central_department',
    });
    expect(depts.identifiers).toContainEqual({
      code: 'GB-GOR-D1315',
      scheme: 'GB-GOR',
      identifier: 'D13',
      is_current: false,
    });
  });

  it('reads the 45 CPV divisions and 9,454 CPV codes with their parents', () => {
    const divisions = parseCpvDivisions(readReferenceFile('cpv2008_divisions_en.csv').text);
    const codes = parseCpvCodes(readReferenceFile('cpv2008_en.csv').text);
    expect(divisions).toHaveLength(45);
    expect(codes).toHaveLength(9454);
    expect(codes.find((c) => c.code8 === '85311000')).toEqual({
      code8: '85311000',
      code: '85311000-2',
      division: '85',
      level: 'category',
      parent_code8: '85310000',
      label: 'Social work services with accommodation',
    });
  });
});
