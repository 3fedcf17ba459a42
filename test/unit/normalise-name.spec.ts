import { nameVariants, normaliseName } from '../../metrics/reference/authorities/normalise-name';

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
    // short forms of county names, London and royal boroughs, council abbreviations anywhere
    ['East Herts Council', 'east hertfordshire'],
    ['Herts CC', 'hertfordshire'],
    ['Notts County Council', 'nottinghamshire'],
    ['Northants', 'northamptonshire'],
    ['Hertsmere Borough Council', 'hertsmere'],
    ['LB of Camden', 'camden'],
    ['LB Barnet', 'barnet'],
    ['Sutton LBC', 'sutton'],
    ['RB Kingston upon Thames', 'kingston upon thames'],
    ['Kingston upon Thames Royal Borough Council', 'kingston upon thames'],
    ['Windsor & Maidenhead RBC', 'windsor and maidenhead'],
    ['Wigan MBC Procurement', 'wigan procurement'],
  ])('%s -> %s', (name, expected) => {
    expect(normaliseName(name)).toBe(expected);
  });

  it('keeps a name that is nothing but dropped words', () => {
    expect(normaliseName('Council')).toBe('council');
  });

  describe('nameVariants', () => {
    it.each([
      ['Warwickshire County Council (WCC)', ['warwickshire']],
      ["Hertfordshire County Council - Children's Services", ['hertfordshire']],
      ['Suffolk County Council Passenger Transport', ['suffolk']],
      ['Legal, Democratic and Business Intelligence, Swansea Council,', ['swansea']],
      ['Kent County Council: Education', ['kent']],
      ['East Herts Council', []], // the whole name is enough
    ])('%s -> %p', (name, expected) => {
      expect(nameVariants(name)).toEqual(expected);
    });

    it.each([
      "St Mary's School, Kent County Council",
      'Hertfordshire Partnership University NHS Foundation Trust',
      'Kent Fire and Rescue Service',
      'Suffolk Passenger Transport Ltd',
      'Welsh Government - Commercial Delivery', // no council's name: no variant
      'Kent - Medway Shared Services',
    ])('gives none for %s', (name) => {
      expect(nameVariants(name)).toEqual([]);
    });
  });
});
