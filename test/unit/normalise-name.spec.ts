import { normaliseName } from '../../metrics/reference/authorities/normalise-name';

describe('normaliseName', () => {
  it.each([
    ['Trafford Metropolitan Borough Council', 'trafford'],
    ['TRAFFORD COUNCIL', 'trafford'],
    ['Trafford M.B.C.', 'trafford'],
    ['Rhondda Cynon Taf CBC', 'rhondda cynon taf'],
    ['Cyngor Sir Ceredigion County Council', 'ceredigion'],
    ['Cyngor Gwynedd', 'gwynedd'],
    ['Cyngor Bwrdeistref Sirol Pen-y-bont ar Ogwr', 'pen y bont ar ogwr'],
    ['The Royal Borough of Windsor & Maidenhead Council', 'windsor and maidenhead'],
    ['windsor and maidenhead', 'windsor and maidenhead'],
    ['London Borough of Barking and Dagenham', 'barking and dagenham'],
    ['City of Westminster', 'westminster'],
    ['Westminster City Council', 'westminster'],
    ['Cyngor Sir Ynys Môn', 'ynys mon'],
    ["King's Lynn and West Norfolk Borough Council", 'kings lynn and west norfolk'],
    ['St. Helens Council', 'st helens'],
    ['Kent County Council\\n', 'kent'],
    ['  Department for Work  and Pensions ', 'department for work and pensions'],
  ])('%s -> %s', (name, expected) => {
    expect(normaliseName(name)).toBe(expected);
  });

  it('keeps a name that is nothing but dropped words', () => {
    expect(normaliseName('Council')).toBe('council');
  });
});
