/**
 * The form of an organisation's name used for matching: lower case, accents and punctuation gone, '&' read as 'and',
 * and the words that publishers add or drop at will ("Council", "Borough of", "City of", a leading "The") removed.
 * "The Royal Borough of Windsor & Maidenhead Council" and "windsor and maidenhead" both give "windsor and maidenhead";
 * "Trafford M.B.C." and "Trafford MBC" give "trafford", as does "Rhondda Cynon Taf CBC" "rhondda cynon taf". The Welsh forms
 * used by Welsh councils ("Cyngor Sir Ceredigion", "Cyngor Gwynedd") drop "Cyngor (Sir|Dinas|Bwrdeistref Sirol)" alike.
 * The established short forms of county names are read in full ("East Herts" is "east hertfordshire", "Notts CC"
 * "nottinghamshire"), and "LB of"/"RB of" as "London Borough of"/"Royal Borough of".
 */
const DROPPED_PHRASES = [
  'metropolitan borough council',
  'metropolitan district council',
  'county borough council',
  'royal borough council',
  'london borough council',
  'city and county of',
  'royal borough of',
  'london borough of',
  'borough council',
  'district council',
  'county council',
  'city council',
  'royal borough',
  'london borough',
  'borough of',
  'city of',
  'council of',
  'lb of',
  'rb of',
  'council',
  // Welsh: county borough council, county council, city council, council
  'cyngor bwrdeistref sirol',
  'cyngor sir',
  'cyngor dinas',
  'cyngor',
];

/**
 * Short forms of county names in common use (as the counties themselves and the Royal Mail use them), read in full.
 * Only whole words: "Hertsmere" stays itself. Not "Brum", "Salop" or other nicknames: they name no council.
 */
export const COUNTY_SHORT_FORMS: Readonly<Record<string, string>> = {
  beds: 'bedfordshire',
  berks: 'berkshire',
  bucks: 'buckinghamshire',
  cambs: 'cambridgeshire',
  derbys: 'derbyshire',
  glos: 'gloucestershire',
  hants: 'hampshire',
  herts: 'hertfordshire',
  lancs: 'lancashire',
  leics: 'leicestershire',
  lincs: 'lincolnshire',
  northants: 'northamptonshire',
  notts: 'nottinghamshire',
  oxon: 'oxfordshire',
  staffs: 'staffordshire',
  wilts: 'wiltshire',
  worcs: 'worcestershire',
  yorks: 'yorkshire',
};

/** Abbreviations of council types (metropolitan, county, borough, district, city, London and royal borough council), as whole words. */
const ABBREVIATIONS = / (mbc|cbc|bc|dc|cc|mdc|lbc|rbc)(?= )/g;

/** The name in lower case, without accents, punctuation or stray escapes, '&' as 'and', short county names in full. */
function plain(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/\\[nrt]/g, ' ') // stray escape sequences seen in published names
    .replace(/&/g, ' and ')
    .replace(/['’.]/g, '') // "M.B.C." is "mbc", "King's" is "kings"
    .replace(/[^a-z0-9]+/g, ' ')
    .trim()
    .split(' ')
    .map((w) => COUNTY_SHORT_FORMS[w] ?? w)
    .join(' ');
}

export function normaliseName(name: string): string {
  const words = ` ${plain(name)} `;
  let s = DROPPED_PHRASES.reduce((acc, phrase) => acc.split(` ${phrase} `).join(' '), words);
  s = s.replace(/^ (the|lb|rb) /, ' ').replace(/\s+/g, ' ');
  s = ` ${s.trim()} `.replace(ABBREVIATIONS, '').replace(/\s+/g, ' ').trim();
  return s.length > 0 ? s : name.trim().toLowerCase();
}

/**
 * Words that name a body other than a council (a school, an NHS trust, a police force, a company...): a buyer named
 * with one is matched by its whole name only, never by a part of it, so "St Mary's School, Kent County Council" or
 * "Hertfordshire Partnership NHS Trust" do not match the council.
 */
const OTHER_BODY =
  /\b(school|schools|academy|academies|college|university|prifysgol|ysgol|nursery|nhs|trust|hospital|health|ccg|icb|clinical|police|constabulary|fire|rescue|ambulance|housing association|homes|ltd|limited|plc|llp|cic|cio|charity|diocese|church|parish|town council|community council|federation|partnership|foundation)\b/;

/** What marks a name as a council's: "Council", "Cyngor", "Borough", a council abbreviation (MBC, CC...). */
const COUNCIL_MARK = /\b(council|cyngor|borough|comhairle|mbc|cbc|bc|dc|cc|mdc|lbc|rbc|lb|rb)\b/;

/**
 * Departments and services that publishers write after a council's name ("Hertfordshire County Council - Children's
 * Services", "Suffolk County Council Passenger Transport"), in their plain form, longest first.
 */
const DEPARTMENTS = [
  'childrens services',
  'children and young people',
  'children young people and families',
  'children and families',
  'adult social care',
  'adults social care',
  'adult services',
  'adults and health',
  'social services',
  'social care',
  'passenger transport',
  'integrated transport',
  'transport services',
  'commercial services',
  'commercial team',
  'corporate procurement',
  'strategic procurement',
  'procurement services',
  'procurement team',
  'procurement unit',
  'procurement',
  'commissioning',
  'legal services',
  'legal',
  'education services',
  'education and skills',
  'education',
  'learning and skills',
  'highways',
  'housing services',
  'housing',
  'property services',
  'estates',
  'facilities management',
  'waste services',
  'waste management',
  'environmental services',
  'environment',
  'public health',
  'finance',
  'resources',
  'ict',
  'ict services',
  'it services',
  'digital services',
  'regeneration',
  'economic development',
  'leisure services',
  'culture and leisure',
  'libraries',
  'trading standards',
  'planning',
  'corporate services',
  'customer services',
  'democratic services',
  'business intelligence',
  'business services',
  'shared services',
  'directorate',
  'department',
  'dept',
  'service',
  'services',
].sort((a, b) => b.length - a.length);

const DEPARTMENT_TAIL = new RegExp(` (${DEPARTMENTS.join('|')})$`);

/** Removes parenthesised parts: "Warwickshire County Council (WCC)" is "Warwickshire County Council". */
const withoutBrackets = (s: string) => s.replace(/\([^()]*\)|\[[^[\]]*\]/g, ' ');

/**
 * Other forms of a buyer's name that may name the council behind it, normalised, most likely first: without
 * parenthesised abbreviations; the part before a separator (" - ", " – ", ":", "|", ","), or after it when that part
 * is a council's name ("Legal, Democratic and Business Intelligence, Swansea Council"); without the departments written
 * after the council's name. None for a name that does not read as a council's, or that names another kind of body (a
 * school, an NHS trust...): a variant is used only when it matches an authority, and only for such names.
 */
export function nameVariants(name: string): string[] {
  const raw = name.toLowerCase();
  const bare = withoutBrackets(name);
  if (OTHER_BODY.test(plain(bare)) || !COUNCIL_MARK.test(plain(raw))) return [];
  const out: string[] = [];
  const add = (s: string) => {
    const n = normaliseName(s);
    if (n && !out.includes(n)) out.push(n);
  };
  add(bare);
  const parts = bare.split(/\s+[-–—|]\s+|\s*[:,;|]\s*|\s+[–—]|[–—]\s+/).map((p) => p.trim()).filter((p) => plain(p).length > 0);
  if (parts.length > 1) {
    // the head when it reads as a council's name or all that follows is departments; a later part that reads as one
    const isDepartment = (p: string) => DEPARTMENT_TAIL.test(` ${plain(p)}`.replace(/ (and|of|for|the) /g, ' ')) && plain(p).split(' ').length <= 4;
    if (COUNCIL_MARK.test(plain(parts[0])) || parts.slice(1).every(isDepartment)) add(parts[0]);
    for (const p of parts.slice(1)) if (COUNCIL_MARK.test(plain(p))) add(p);
  }
  // departments after the council's name, one after another ("... Council Children's Services Procurement")
  for (const form of [bare, ...parts]) {
    let s = ` ${plain(form)}`;
    let stripped = false;
    while (DEPARTMENT_TAIL.test(s)) {
      s = s.replace(DEPARTMENT_TAIL, '').replace(/ (and|of|for|the)$/, '');
      stripped = true;
    }
    if (stripped && COUNCIL_MARK.test(s)) add(s);
  }
  return out.filter((v) => v !== normaliseName(name));
}
