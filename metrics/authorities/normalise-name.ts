/**
 * The form of an organisation's name used for matching: lower case, accents and punctuation gone, '&' read as 'and',
 * and the words that publishers add or drop at will ("Council", "Borough of", "City of", a leading "The") removed.
 * "The Royal Borough of Windsor & Maidenhead Council" and "windsor and maidenhead" both give "windsor and maidenhead";
 * "Trafford M.B.C." gives "trafford mbc".
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
];

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
  s = s.replace(/^ the /, ' ').replace(/\s+/g, ' ').trim();
  return s.length > 0 ? s : name.trim().toLowerCase();
}
