/**
 * The form of an organisation's name used for matching: lower case, accents and punctuation gone, '&' read as 'and',
 * and the words that publishers add or drop at will ("Council", "Borough of", "City of", a leading "The") removed.
 * "The Royal Borough of Windsor & Maidenhead Council" and "windsor and maidenhead" both give "windsor and maidenhead";
 * "Trafford M.B.C." and "Trafford MBC" give "trafford", as does "Rhondda Cynon Taf CBC" "rhondda cynon taf". The Welsh forms
 * used by Welsh councils ("Cyngor Sir Ceredigion", "Cyngor Gwynedd") drop "Cyngor (Sir|Dinas|Bwrdeistref Sirol)" alike.
 */
const DROPPED_PHRASES = [
  'metropolitan borough council',
  'county borough council',
  'city and county of',
  'royal borough of',
  'london borough of',
  'borough council',
  'district council',
  'county council',
  'city council',
  'borough of',
  'city of',
  'council of',
  'council',
  // Welsh: county borough council, county council, city council, council
  'cyngor bwrdeistref sirol',
  'cyngor sir',
  'cyngor dinas',
  'cyngor',
];

/** Abbreviations of council types written after the name: metropolitan, county, borough, district, city council. */
const TRAILING_ABBREVIATIONS = / (mbc|cbc|bc|dc|cc|mdc)$/;

export function normaliseName(name: string): string {
  let s = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/\\[nrt]/g, ' ') // stray escape sequences seen in published names
    .replace(/&/g, ' and ')
    .replace(/['’.]/g, '') // "M.B.C." is "mbc", "King's" is "kings"
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
  const words = ` ${s} `;
  s = DROPPED_PHRASES.reduce((acc, phrase) => acc.split(` ${phrase} `).join(' '), words);
  s = s.replace(/^ the /, ' ').replace(/\s+/g, ' ').trim().replace(TRAILING_ABBREVIATIONS, '');
  return s.length > 0 ? s : name.trim().toLowerCase();
}
