import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../platform/project-root';

/**
 * One OCDS release into what the service keeps of it: the contract, its buyer and suppliers, and its metric
 * observations. Pure: no database. Problems name the release and the JSON path; an `error` rejects the release, a
 * `warning` reports what could not be used while the rest of the release is kept.
 */
export interface Problem {
  severity: 'error' | 'warning';
  path: string;
  code: string;
  message: string;
  value: string | null;
}

export interface OrgRef {
  name: string | null;
  /** A scheme accepted as an org-id prefix (`GB-COH`), with its identifier; null when the release gives none usable. */
  scheme: string | null;
  identifier: string | null;
  /** The other usable (scheme, identifier) pairs the organisation gives, when it gives more than one (a buyer is matched by any). */
  identifiers?: Array<{ scheme: string; identifier: string }>;
  /** A buyer's type as its party classifies it (Find a Tender's `UK_CA_TYPE`), as a label. */
  type?: string | null;
}

export interface MappedSupplier extends OrgRef {
  name: string;
  scale: 'sme' | 'large' | null;
  vcse: boolean | null;
  /** UK7: a supported employment provider (the UK extension's shelteredWorkshop). */
  supported_employment: boolean | null;
  /** UK7: a public service mutual (publicServiceMissionOrganization). */
  public_service_mutual: boolean | null;
}

export interface MappedContract {
  title: string | null;
  /** Where the title comes from: the tender's is preferred to the contract's, the contract's to the award's. */
  title_source: 'tender' | 'contract' | 'award' | null;
  description: string | null;
  /** null when the release says nothing of the stage (an implementation update, say). */
  stage: 'pipeline' | 'awarded' | 'cancelled' | null;
  cpv: string | null;
  value_amount: string | null;
  currency: string | null;
  award_date: string | null;
  start_date: string | null;
  end_date: string | null;
  procurement_category: string | null;
  is_services: boolean | null;
  above_threshold: boolean | null;
  in_scope: boolean | null;
  sv_evaluated: boolean | null;
  sv_weighting_pct: string | null;
  sv_goals: string[] | null;
}

export interface MappedObservation {
  kind: 'target' | 'actual';
  path: string;
  metric_id: string | null;
  metric_title: string | null;
  period_start: string | null;
  period_end: string | null;
  quantity: string;
  unit: string | null;
}

export interface MappedRelease {
  release_id: string;
  ocid: string;
  date: string;
  tags: string[];
  sha256: string;
  buyer: OrgRef | null;
  contract: MappedContract;
  suppliers: MappedSupplier[];
  observations: MappedObservation[];
}

export interface MapResult {
  release: MappedRelease | null;
  /** The id of the release as far as it could be read (for reports about a release that has no valid id). */
  release_id: string | null;
  problems: Problem[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

const CURRENCIES = new Set(
  readFileSync(join(projectRoot(), 'metrics', 'ingest', 'ocds', 'data', 'currency.csv'), 'utf8')
    .split(/\r?\n/)
    .slice(1)
    .map((l) => l.split(',')[0].trim())
    .filter((c) => /^[A-Z]{3}$/.test(c)),
);

/** Org-id scheme prefixes (`GB-COH`, `GB-LAE`): two capital letters, a dash, capitals, digits and dashes. */
const SCHEME = /^[A-Z]{2}-[A-Z0-9-]+$/;

/**
 * A copy of a string that holds nothing else alive. The JSON reader's strings may be slices of the text chunk they
 * were read from, and V8 keeps a sliced string's whole parent: a set of release ids kept across a 50,000-release
 * package would keep most of the package. Strings kept beyond one chunk of releases are copied with this.
 */
export const ownString = (s: string): string => (' ' + s).slice(1);

/** Text as published, without stray escape sequences, control characters or surrounding blanks; null when empty. */
export function cleanText(v: unknown, max = 10_000): string | null {
  if (typeof v !== 'string' && typeof v !== 'number') return null;
  const s = String(v)
    .replace(/\\[nrt]/g, ' ')
    // eslint-disable-next-line no-control-regex -- removing control characters is the point
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '')
    .replace(/[ \t]+/g, ' ')
    .trim();
  return s.length > 0 ? s.slice(0, max) : null;
}

/** An identifier as publishers write it: "11111111.0" (a spreadsheet's number) is 11111111; company numbers are 8 characters. */
export function normaliseIdentifier(scheme: string, id: unknown): string | null {
  let s = cleanText(id, 200);
  if (!s) return null;
  s = s.replace(/\s+/g, '').toUpperCase();
  if (/^\d+\.0+$/.test(s)) s = s.replace(/\.0+$/, '');
  if (scheme === 'GB-COH' && /^\d{1,7}$/.test(s)) s = s.padStart(8, '0');
  return s;
}

/** A CPV code in any of its published forms ("45233130-5", "45233130.0", 45233130) as its 8 digits. */
export function cpvCode8(id: unknown): string | null {
  const s = cleanText(id, 40);
  if (!s) return null;
  const m = /^(\d{8})(?:-\d|\.0+)?$/.exec(s.replace(/\s+/g, ''));
  return m ? m[1] : null;
}

/** An OCDS date-time (or date) as its calendar date, or null when it is not one. */
export function dateOf(v: unknown): string | null {
  if (typeof v !== 'string') return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:$|[T ])/.exec(v.trim());
  if (!m) return null;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  if (d.getUTCFullYear() !== Number(m[1]) || d.getUTCMonth() !== Number(m[2]) - 1 || d.getUTCDate() !== Number(m[3])) return null;
  return `${m[1]}-${m[2]}-${m[3]}`;
}

const isDateTime = (v: unknown) => typeof v === 'string' && dateOf(v) !== null && !Number.isNaN(Date.parse(v));

/** A JSON number as exact decimal text (no exponent); null for anything else. */
function decimalText(n: number): string {
  if (Number.isInteger(n)) return BigInt(n).toString();
  const s = String(n);
  return /e/i.test(s) ? n.toFixed(6).replace(/\.?0+$/, '') : s;
}

interface Money {
  amount: string;
  currency: string;
}

/** Amounts and quantities at or above this are refused (the columns hold up to 10^18; no contract comes near). */
const MAX_AMOUNT = 1e15;

const SV_CRITERION = /social value|community benefit|social and environmental|sustainab|well-?being|themes, outcomes and measures/i;
const GOOD_AWARD = new Set(['active', 'pending']);

/** Org-id schemes read from a party id with no identifier block ("GB-COH-01234567", "GB-PPON-PXXX-1234-ABCD"). */
const PARTY_ID_SCHEMES = new Set(['GB-COH', 'GB-CHC', 'GB-SC', 'GB-NIC', 'GB-LAE', 'GB-LAS', 'GB-PLA', 'GB-LANI', 'GB-GOR', 'GB-GSS', 'GB-LAC', 'GB-NHS', 'GB-EDU', 'GB-MPR', 'GB-UKPRN', 'GB-PPON']);

/** Find a Tender's buyer types (`parties[].details.classifications`, scheme UK_CA_TYPE), in both forms of their ids, as labels. */
const BUYER_TYPES: Record<string, string> = {
  centralGovernment: 'Central government',
  publicAuthorityCentralGovernment: 'Central government',
  subCentralGovernment: 'Sub-central government',
  publicAuthoritySubCentralGovernment: 'Sub-central government',
  publicUndertaking: 'Public undertaking',
  privateUtility: 'Private utility',
};
const CLOSED_TENDER = new Set(['cancelled', 'unsuccessful', 'withdrawn']);
const GOOD_CONTRACT = new Set(['active', 'pending', 'terminated']);

/**
 * One release being read: its problems so far, and the parts of it every step reads (parties by id, the tender, the
 * awards and contracts, and those of them in force). Each step of mapRelease is a method, in the order of the
 * release's own fields.
 */
export class ReleaseReader {
  readonly problems: Problem[] = [];
  /** The release's id as read (set by identity()). */
  releaseId: string | null = null;
  readonly parties: Obj[];
  readonly partyById = new Map<string, Obj>();
  readonly tender: Obj | undefined;
  readonly awards: Array<{ a: Obj; i: number }>;
  readonly contracts: Array<{ c: Obj; i: number }>;
  readonly goodAwards: Array<{ a: Obj; i: number }>;
  readonly goodContracts: Array<{ c: Obj; i: number }>;

  constructor(
    readonly r: Obj,
    private readonly path: string,
  ) {
    this.parties = arr(r.parties).filter(isObj);
    for (const p of this.parties) if (p.id !== undefined && p.id !== null) this.partyById.set(String(p.id), p);
    this.tender = isObj(r.tender) ? r.tender : undefined;
    this.awards = arr(r.awards).map((a, i) => ({ a, i })).filter((x): x is { a: Obj; i: number } => isObj(x.a));
    this.contracts = arr(r.contracts).map((c, i) => ({ c, i })).filter((x): x is { c: Obj; i: number } => isObj(x.c));
    this.goodAwards = this.awards.filter(({ a }) => a.status === undefined || a.status === null || GOOD_AWARD.has(String(a.status)));
    this.goodContracts = this.contracts.filter(({ c }) => c.status === undefined || c.status === null || GOOD_CONTRACT.has(String(c.status)));
  }

  at(p: string): string {
    return this.path ? `${this.path}.${p}` : p;
  }

  problem(severity: Problem['severity'], p: string, code: string, message: string, value: unknown = null): void {
    this.problems.push({
      severity,
      path: this.at(p),
      code,
      message,
      value: value === null || value === undefined ? null : (typeof value === 'string' ? value : JSON.stringify(value)).slice(0, 200),
    });
  }

  get failed(): boolean {
    return this.problems.some((x) => x.severity === 'error');
  }

  /** An organisation from a reference and its party: its name, and its org-id scheme and identifier when it has one. */
  orgRef(ref: Obj | undefined, party: Obj | undefined): OrgRef {
    const name = cleanText(ref?.name, 500) ?? cleanText(party?.name, 500) ?? cleanText(isObj(party?.identifier) ? party.identifier.legalName : null, 500);
    const blocks = [
      ...(isObj(ref?.identifier) ? [ref.identifier] : []),
      ...(isObj(party?.identifier) ? [party.identifier] : []),
      ...arr(party?.additionalIdentifiers).filter(isObj),
    ];
    const found: Array<{ scheme: string; identifier: string }> = [];
    const add = (scheme: string, identifier: string | null) => {
      if (identifier && !found.some((f) => f.scheme === scheme && f.identifier === identifier)) found.push({ scheme, identifier });
    };
    for (const idf of blocks) {
      const scheme = cleanText(idf.scheme, 40)?.toUpperCase() ?? null;
      if (scheme && SCHEME.test(scheme)) add(scheme, normaliseIdentifier(scheme, idf.id));
    }
    // parties are often given an id of the form "GB-COH-01234567" (Find a Tender: "GB-PPON-PXXX-1234-ABCD") with no identifier block
    for (const id of [ref?.id, party?.id]) {
      const pid = cleanText(id, 200);
      const m = pid ? /^([A-Z]{2}-[A-Z]{2,})-(.+)$/.exec(pid) : null;
      if (m && PARTY_ID_SCHEMES.has(m[1])) add(m[1], normaliseIdentifier(m[1], m[2]));
    }
    // a PPON names the organisation only on the Procurement Act's platform: another identifier (a company number
    // that other publishers and returns use) is preferred as its own, the PPON kept among the rest
    const own = found.find((f) => f.scheme !== 'GB-PPON') ?? found[0];
    const org: OrgRef = { name, scheme: own?.scheme ?? null, identifier: own?.identifier ?? null };
    if (found.length > 1) org.identifiers = found.filter((f) => f !== own);
    return org;
  }

  // ---- the release's own fields (id, ocid, date: required)
  identity(): { releaseId: string | null; ocid: string | null; tags: string[] } {
    const r = this.r;
    const releaseId = cleanText(r.id, 500);
    const ocid = cleanText(r.ocid, 500);
    this.releaseId = releaseId;
    if (!releaseId) this.problem('error', 'id', 'missing_field', 'the release has no id (required)', r.id);
    if (!ocid) this.problem('error', 'ocid', 'missing_field', 'the release has no ocid (required)', r.ocid);
    if (r.date === undefined || r.date === null || r.date === '') this.problem('error', 'date', 'missing_field', 'the release has no date (required)');
    else if (!isDateTime(r.date)) this.problem('error', 'date', 'invalid_date', 'the release date is not an ISO 8601 date-time', r.date);
    return { releaseId, ocid, tags: arr(r.tag).filter((t): t is string => typeof t === 'string') };
  }

  // ---- buyer
  buyer(): OrgRef | null {
    const buyerRef = isObj(this.r.buyer) ? this.r.buyer : undefined;
    const buyerParty = buyerRef?.id !== undefined ? this.partyById.get(String(buyerRef.id)) : this.parties.find((p) => arr(p.roles).includes('buyer'));
    if (!buyerRef && !buyerParty) return null;
    const buyer = this.orgRef(buyerRef, buyerParty);
    if (!buyer.name && !buyer.identifier) {
      this.problem('warning', 'buyer', 'unusable_buyer', 'the buyer has neither a name nor an identifier');
      return null;
    }
    const details = isObj(buyerParty?.details) ? buyerParty.details : {};
    const caType = arr(details.classifications).find((c): c is Obj => isObj(c) && String(c.scheme ?? '').toUpperCase() === 'UK_CA_TYPE' && cleanText(c.id, 100) !== null);
    if (caType) buyer.type = BUYER_TYPES[cleanText(caType.id, 100)!] ?? cleanText(caType.description, 100) ?? cleanText(caType.id, 100);
    return buyer;
  }

  // ---- money
  money(v: unknown, p: string, severity: Problem['severity'] = 'error'): Money | null | 'bad' {
    if (v === undefined || v === null) return null;
    if (!isObj(v)) {
      this.problem(severity, p, 'invalid_value', 'a value must be an object with amount and currency', v);
      return 'bad';
    }
    const amount = v.amount;
    if (amount === undefined || amount === null) return null;
    if (typeof amount !== 'number' || !Number.isFinite(amount)) {
      const what = amount === '' ? 'empty' : typeof amount === 'string' ? 'a string' : 'not a number';
      this.problem(severity, `${p}.amount`, 'invalid_amount', `the amount is ${what}: OCDS amounts are JSON numbers`, amount);
      return 'bad';
    }
    if (amount < 0) {
      this.problem(severity, `${p}.amount`, 'invalid_amount', 'the amount is negative', amount);
      return 'bad';
    }
    if (amount >= MAX_AMOUNT) {
      this.problem(severity, `${p}.amount`, 'invalid_amount', 'the amount is too large to be a contract value (a quadrillion or more)', amount);
      return 'bad';
    }
    const currency = typeof v.currency === 'string' ? v.currency.trim().toUpperCase() : null;
    if (!currency) {
      this.problem(severity, `${p}.currency`, 'missing_currency', 'the amount has no currency', v.currency);
      return 'bad';
    }
    if (!CURRENCIES.has(currency)) {
      this.problem(severity, `${p}.currency`, 'unknown_currency', `${currency} is not an ISO 4217 currency code`, v.currency);
      return 'bad';
    }
    return { amount: decimalText(amount), currency };
  }

  private sum(values: Array<{ v: unknown; p: string }>): Money | null {
    const found = values.map(({ v, p }) => this.money(v, p)).filter((m): m is Money => m !== null && m !== 'bad');
    if (found.length === 0) return null;
    const currencies = new Set(found.map((m) => m.currency));
    if (currencies.size > 1) {
      this.problem('warning', values[0].p, 'mixed_currencies', `the values are in several currencies (${[...currencies].join(', ')}): no total kept`);
      return null;
    }
    const total = found.reduce((acc, m) => acc + Number(m.amount), 0);
    return { amount: found.length === 1 ? found[0].amount : decimalText(Math.round(total * 100) / 100), currency: found[0].currency };
  }

  /**
   * A value whose amount is below 1 (Find a Tender's and Sell2Wales's £0.01, or 0) stands for a value not given: it is
   * reported (`placeholder_value`) and read as absent, so that it is neither kept nor summed as if real.
   */
  private unlessPlaceholder(v: unknown, p: string): unknown {
    if (!isObj(v) || typeof v.amount !== 'number' || !Number.isFinite(v.amount) || v.amount < 0 || v.amount >= 1) return v;
    this.problem('warning', `${p}.amount`, 'placeholder_value', `the amount ${v.amount} is a placeholder, not a value: not kept`, v.amount);
    return undefined;
  }

  // ---- value: the contracts signed, else the awards, else the tender's estimate
  value(): Money | null {
    const cv = this.sum(this.goodContracts.map(({ c, i }) => ({ v: this.unlessPlaceholder(c.value, `contracts[${i}].value`), p: `contracts[${i}].value` })));
    const av = this.sum(this.goodAwards.map(({ a, i }) => ({ v: this.unlessPlaceholder(a.value, `awards[${i}].value`), p: `awards[${i}].value` })));
    const tv = this.tender ? this.money(this.unlessPlaceholder(this.tender.value, 'tender.value'), 'tender.value') : null;
    const value = cv ?? av ?? (tv === 'bad' ? null : tv);
    if (value && value.currency !== 'GBP') {
      this.problem('warning', cv ? 'contracts' : av ? 'awards' : 'tender.value', 'non_gbp_value', `the value is in ${value.currency}: kept with its currency, left out of GBP totals`, `${value.amount} ${value.currency}`);
    }
    return value;
  }

  /** The first supplier of the award `awardId` names (a contract's awardID), else of the only award; null when none. */
  supplierOfAward(awardId: unknown): OrgRef | null {
    const award = (awardId !== undefined && awardId !== null ? this.awards.find(({ a }) => String(a.id) === String(awardId)) : undefined)
      ?? (this.awards.length === 1 ? this.awards[0] : undefined);
    const s = arr(award?.a.suppliers).find(isObj);
    if (!s) return null;
    const org = this.orgRef(s, s.id !== undefined ? this.partyById.get(String(s.id)) : undefined);
    return org.name || org.identifier ? org : null;
  }

  // ---- suppliers: those of the awards, and parties in the supplier role
  suppliers(): MappedSupplier[] {
    const suppliers: MappedSupplier[] = [];
    const seen = new Set<string>();
    const add = (ref: Obj | undefined, party: Obj | undefined, p: string) => {
      const org = this.orgRef(ref, party);
      if (!org.name) {
        this.problem('warning', p, 'unnamed_supplier', 'a supplier has no name: not kept', ref?.id ?? party?.id);
        return;
      }
      const key = org.identifier ? `${org.scheme}:${org.identifier}` : `name:${org.name.toLowerCase()}`;
      if (seen.has(key)) return;
      seen.add(key);
      const details = isObj(party?.details) ? party.details : {};
      const scale = typeof details.scale === 'string' ? details.scale.toLowerCase() : null;
      suppliers.push({
        ...org,
        name: org.name,
        scale: scale === 'sme' || scale === 'micro' || scale === 'small' || scale === 'medium' ? 'sme' : scale === 'large' ? 'large' : null,
        vcse: typeof details.vcse === 'boolean' ? details.vcse : null,
        supported_employment: typeof details.shelteredWorkshop === 'boolean' ? details.shelteredWorkshop : null,
        public_service_mutual: typeof details.publicServiceMissionOrganization === 'boolean' ? details.publicServiceMissionOrganization : null,
      });
    };
    for (const { a, i } of this.goodAwards) {
      arr(a.suppliers).forEach((s, j) => {
        if (!isObj(s)) return;
        add(s, s.id !== undefined ? this.partyById.get(String(s.id)) : undefined, `awards[${i}].suppliers[${j}]`);
      });
    }
    this.parties.forEach((p, i) => {
      if (arr(p.roles).includes('supplier')) add(undefined, p, `parties[${i}]`);
    });
    return suppliers;
  }

  // ---- stage
  stage(suppliers: MappedSupplier[]): MappedContract['stage'] {
    const tender = this.tender;
    if (this.goodAwards.length > 0 || this.goodContracts.length > 0) {
      if (suppliers.length === 0 && this.goodAwards.length > 0) {
        this.problem('warning', `awards[${this.goodAwards[0].i}].suppliers`, 'award_without_supplier', 'the award names no supplier: the contract stays in the pipeline until one is published');
      }
      return 'awarded';
    }
    if (this.awards.length > 0 || (tender && CLOSED_TENDER.has(String(tender.status)))) return tender && String(tender.status) === 'active' ? 'pipeline' : 'cancelled';
    return tender ? 'pipeline' : null;
  }

  // ---- classification: items' CPV, then the non-core tender.classification and additional classifications
  cpv(): string | null {
    const tender = this.tender;
    const classifications: Array<{ c: unknown; p: string }> = [];
    const fromItems = (items: unknown, p: string) =>
      arr(items).forEach((it, i) => isObj(it) && classifications.push({ c: it.classification, p: `${p}[${i}].classification` }));
    fromItems(tender?.items, 'tender.items');
    this.goodAwards.forEach(({ a, i }) => fromItems(a.items, `awards[${i}].items`));
    this.goodContracts.forEach(({ c, i }) => fromItems(c.items, `contracts[${i}].items`));
    if (tender) classifications.push({ c: tender.classification, p: 'tender.classification' });
    arr(tender?.additionalClassifications).forEach((c, i) => classifications.push({ c, p: `tender.additionalClassifications[${i}]` }));
    const additional = (items: unknown, p: string) =>
      arr(items).forEach((it, i) =>
        arr(isObj(it) ? it.additionalClassifications : undefined).forEach((c, j) => classifications.push({ c, p: `${p}[${i}].additionalClassifications[${j}]` })),
      );
    additional(tender?.items, 'tender.items');
    // Find a Tender's award and contract notices give the CPV code among the items' additional classifications
    this.goodAwards.forEach(({ a, i }) => additional(a.items, `awards[${i}].items`));
    this.goodContracts.forEach(({ c, i }) => additional(c.items, `contracts[${i}].items`));
    for (const { c, p } of classifications) {
      if (!isObj(c) || String(c.scheme ?? '').toUpperCase() !== 'CPV') continue;
      const code = cpvCode8(c.id);
      if (code) return code;
      this.problem('warning', `${p}.id`, 'invalid_cpv', 'not a CPV code', c.id);
    }
    return null;
  }

  private firstDate(cands: Array<{ v: unknown; p: string }>): string | null {
    for (const { v, p } of cands) {
      if (v === undefined || v === null || v === '') continue;
      const d = dateOf(v);
      if (d) return d;
      this.problem('warning', p, 'invalid_date', 'not a date: ignored', v);
    }
    return null;
  }

  // ---- dates
  dates(): { start: string | null; end: string | null; awardDate: string | null } {
    const tender = this.tender;
    const milestone = (title: RegExp) => arr(tender?.milestones).map((m, i) => ({ m, i })).find(({ m }) => isObj(m) && title.test(String(m.title ?? '')));
    const ms = milestone(/^contract start/i);
    const me = milestone(/^contract end/i);
    const periods = [
      ...this.goodContracts.map(({ c, i }) => ({ o: c.period, p: `contracts[${i}].period` })),
      ...this.goodAwards.map(({ a, i }) => ({ o: a.contractPeriod, p: `awards[${i}].contractPeriod` })),
      { o: tender?.contractPeriod, p: 'tender.contractPeriod' },
    ];
    const start = this.firstDate([
      ...periods.map(({ o, p }) => ({ v: isObj(o) ? o.startDate : undefined, p: `${p}.startDate` })),
      ...(ms && isObj(ms.m) ? [{ v: ms.m.dueDate, p: `tender.milestones[${ms.i}].dueDate` }] : []),
    ]);
    let end = this.firstDate([
      ...periods.map(({ o, p }) => ({ v: isObj(o) ? o.endDate : undefined, p: `${p}.endDate` })),
      ...(me && isObj(me.m) ? [{ v: me.m.dueDate, p: `tender.milestones[${me.i}].dueDate` }] : []),
    ]);
    if (start && end && end < start) {
      this.problem('warning', 'contracts', 'end_before_start', `the end date ${end} is before the start date ${start}: end date ignored`);
      end = null;
    }
    const awardDate = this.firstDate([
      ...this.goodAwards.map(({ a, i }) => ({ v: a.date, p: `awards[${i}].date` })),
      ...this.goodContracts.map(({ c, i }) => ({ v: c.dateSigned, p: `contracts[${i}].dateSigned` })),
    ]);
    return { start, end, awardDate };
  }

  // ---- whether the Act applies: a services contract above the threshold
  actApplies(cpv: string | null) {
    const tender = this.tender;
    const category = cleanText(tender?.mainProcurementCategory, 40)?.toLowerCase() ?? null;
    const ojeu = isObj(tender?.xClassifications) ? cleanText(tender.xClassifications.ojeuContractType, 40) : null;
    let isServices: boolean | null = null;
    if (category) isServices = category === 'services';
    else if (ojeu) isServices = /^services?$/i.test(ojeu);
    else if (cpv) isServices = Number(cpv.slice(0, 2)) >= 50; // CPV divisions 50 to 98 are services, 45 works, below goods
    let aboveThreshold: boolean | null = null;
    if (typeof tender?.aboveThreshold === 'boolean') aboveThreshold = tender.aboveThreshold;
    else if (arr(tender?.coveredBy).some((c) => String(c).toUpperCase() === 'GPA')) aboveThreshold = true; // the GPA covers only procurements above its thresholds
    const inScope = isServices === false || aboveThreshold === false ? false : isServices && aboveThreshold ? true : null;
    return { procurementCategory: category ?? (ojeu ? ojeu.toLowerCase() : null), isServices, aboveThreshold, inScope };
  }

  // ---- social value signals: the sustainability extension, and award criteria named for social value
  socialValue(): { goals: string[] | null; evaluated: true | null; weightingPct: string | null } {
    const tender = this.tender;
    const goals = new Set<string>();
    for (const holder of [tender, ...arr(tender?.lots)]) {
      if (!isObj(holder)) continue;
      for (const s of arr(holder.sustainability)) {
        if (isObj(s) && typeof s.goal === 'string') goals.add(s.goal);
      }
    }
    let weight: number | null = null;
    let criterion = false;
    const criteriaHolders = [tender, ...arr(tender?.lots)].filter(isObj).map((h) => h.awardCriteria);
    for (const ac of criteriaHolders) {
      for (const c of arr(isObj(ac) ? ac.criteria : undefined)) {
        if (!isObj(c)) continue;
        const label = `${c.name ?? ''} ${typeof c.description === 'string' && !/^\s*[\d.]+\s*%?\s*$/.test(c.description) ? c.description : ''}`;
        if (!SV_CRITERION.test(label)) continue;
        criterion = true;
        const numbers = arr(c.numbers).filter(isObj).map((n) => n.number);
        const w = typeof numbers[0] === 'number' ? numbers[0] : Number(String(c.description ?? '').replace('%', '').trim());
        if (Number.isFinite(w) && w >= 0 && w <= 100) weight = Math.max(weight ?? 0, w <= 1 && numbers.length > 0 ? w * 100 : w);
      }
    }
    return {
      goals: goals.size > 0 ? [...goals].sort() : null,
      evaluated: criterion || goals.size > 0 || tender?.hasSustainability === true ? true : null,
      weightingPct: weight === null ? null : decimalText(Math.round(weight * 100) / 100),
    };
  }

  // ---- metrics: targets agreed at award or contract, results reported in implementation
  observations(start: string | null, end: string | null): MappedObservation[] {
    const observations: MappedObservation[] = [];
    const sources: Array<{ list: unknown; p: string; kind: 'target' | 'actual' }> = [
      ...this.goodAwards.map(({ a, i }) => ({ list: a.agreedMetrics, p: `awards[${i}].agreedMetrics`, kind: 'target' as const })),
      ...this.contracts.map(({ c, i }) => ({ list: c.agreedMetrics, p: `contracts[${i}].agreedMetrics`, kind: 'target' as const })),
      ...this.contracts.map(({ c, i }) => ({
        list: isObj(c.implementation) ? c.implementation.metrics : undefined,
        p: `contracts[${i}].implementation.metrics`,
        kind: 'actual' as const,
      })),
    ];
    for (const { list, p, kind } of sources) {
      arr(list).forEach((m, i) => {
        if (!isObj(m)) return;
        const mp = `${p}[${i}]`;
        const metricId = cleanText(m.id, 200);
        const metricTitle = cleanText(m.title, 500);
        if (!metricId && !metricTitle) {
          this.problem('warning', mp, 'unidentified_metric', 'a metric has neither id nor title: not kept');
          return;
        }
        arr(m.observations).forEach((o, j) => {
          const observed = isObj(o) ? this.observation(o, `${mp}.observations[${j}]`, start, end) : null;
          if (observed) observations.push({ kind, path: this.at(`${mp}.observations[${j}]`), metric_id: metricId, metric_title: metricTitle, ...observed });
        });
      });
    }
    return observations;
  }

  /** One metric observation: its quantity (a measure, or a value's amount) and unit, and its period (else the contract's). */
  private observation(o: Obj, op: string, start: string | null, end: string | null) {
    let quantity: string | null = null;
    let unit: string | null = isObj(o.unit) ? cleanText(o.unit.name, 40) ?? cleanText(o.unit.id, 40) : null;
    if (o.measure !== undefined && o.measure !== null) {
      const q = typeof o.measure === 'number' ? o.measure : /^\s*-?\d+(\.\d+)?\s*$/.test(String(o.measure)) ? Number(o.measure) : NaN;
      if (!Number.isFinite(q) || q < 0 || q >= MAX_AMOUNT) {
        this.problem('warning', `${op}.measure`, 'invalid_measure', 'the measure is not a non-negative number below a quadrillion: observation not kept', o.measure);
        return null;
      }
      quantity = decimalText(q);
    } else if (o.value !== undefined && o.value !== null) {
      const mv = this.money(o.value, `${op}.value`, 'warning'); // a bad observation loses itself, not the release
      if (mv === 'bad' || mv === null) return null;
      quantity = mv.amount;
      unit = mv.currency;
    } else {
      // a UK9 rating (measureClassification) with no quantity is a rating, mapped by ocds-notices.ts, not a quantity
      if (o.measureClassification === undefined || o.measureClassification === null) {
        this.problem('warning', op, 'empty_observation', 'the observation has neither measure nor value: not kept');
      }
      return null;
    }
    const period = isObj(o.period) ? o.period : {};
    const ps = dateOf(period.startDate) ?? start;
    const pe = dateOf(period.endDate) ?? end;
    if (!ps || !pe || pe < ps) {
      this.problem('warning', `${op}.period`, 'no_period', 'the observation has no usable period (nor has the contract): not kept', o.period);
      return null;
    }
    return { period_start: ps, period_end: pe, quantity, unit };
  }

  // ---- title and description from one source: the tender, else the contract, else the award
  text(): { title: string | null; description: string | null; titleSource: MappedContract['title_source'] } {
    const sources: Array<[Obj | undefined, MappedContract['title_source']]> = [
      [this.tender, 'tender'],
      [this.goodContracts[0]?.c, 'contract'],
      [this.goodAwards[0]?.a, 'award'],
    ];
    const [textFrom, titleSource] = sources.find(([o]) => o && (cleanText(o.title) || cleanText(o.description))) ?? [undefined, null];
    return { title: cleanText(textFrom?.title, 1000), description: cleanText(textFrom?.description), titleSource };
  }
}

/**
 * One OCDS release into what the monitor keeps of it: the contract's fields, the buyer, the suppliers and the metric
 * observations; or the errors that reject it. Problems name the release's JSON path; warnings keep the release.
 */
export function mapRelease(input: unknown, path: string): MapResult {
  if (!isObj(input)) {
    return { release: null, release_id: null, problems: [{ severity: 'error', path: path || '$', code: 'not_a_release', message: 'a release must be a JSON object', value: null }] };
  }
  const read = new ReleaseReader(input, path);
  const { releaseId, ocid, tags } = read.identity();
  const buyer = read.buyer();
  const value = read.value();
  const suppliers = read.suppliers();
  const stage = read.stage(suppliers);
  const cpv = read.cpv();
  const { start, end, awardDate } = read.dates();
  const act = read.actApplies(cpv);
  const sv = read.socialValue();
  const observations = read.observations(start, end);
  if (read.failed) return { release: null, release_id: releaseId, problems: read.problems };
  const { title, description, titleSource } = read.text();
  return {
    release_id: releaseId,
    problems: read.problems,
    release: {
      release_id: releaseId!,
      ocid: ocid!,
      date: new Date(String(input.date)).toISOString(),
      tags,
      sha256: createHash('sha256').update(JSON.stringify(input)).digest('hex'),
      buyer,
      suppliers,
      observations,
      contract: {
        title,
        title_source: titleSource,
        description,
        stage,
        cpv,
        value_amount: value?.amount ?? null,
        currency: value?.currency ?? null,
        award_date: awardDate,
        start_date: start,
        end_date: end,
        procurement_category: act.procurementCategory,
        is_services: act.isServices,
        above_threshold: act.aboveThreshold,
        in_scope: act.inScope,
        sv_evaluated: sv.evaluated,
        sv_weighting_pct: sv.weightingPct,
        sv_goals: sv.goals,
      },
    },
  };
}

/**
 * Where each part of a contract came from: the date of the release that last gave it, and the stage as releases
 * said it (the stored stage is settled: `awarded` only once a supplier is known).
 */
export interface OcdsProvenance {
  dates: Partial<Record<FieldGroup, string>>;
  stage: MappedContract['stage'];
  /** Where the description came from (the title's source is the contract's title_source). */
  description_source?: MappedContract['title_source'];
}

/** A contract as the OCDS import holds it between releases: what the releases said, and where it stands. */
export interface ContractState extends MappedContract {
  reference: string;
  authority_id: number;
  supplier_id: number | null;
  /** The newest release date merged in. */
  release_date: string;
  provenance?: OcdsProvenance | null;
}

/** The parts of a contract a release gives or not, each taken whole from one release. */
const FIELD_GROUPS = {
  text: ['title', 'title_source'],
  description: ['description'],
  value: ['value_amount', 'currency'],
  cpv: ['cpv'],
  award_date: ['award_date'],
  start_date: ['start_date'],
  end_date: ['end_date'],
  procurement_category: ['procurement_category'],
  is_services: ['is_services'],
  above_threshold: ['above_threshold'],
  sv_evaluated: ['sv_evaluated'],
  sv_weighting_pct: ['sv_weighting_pct'],
  sv_goals: ['sv_goals'],
  supplier_id: ['supplier_id'],
} as const;
type FieldGroup = keyof typeof FIELD_GROUPS | 'stage';

const TITLE_RANK = { tender: 0, contract: 1, award: 2 } as const;

/**
 * Folds a release into the contract as known so far, as OCDS merges releases: each part of the contract is taken from
 * the newest release that gives it (a part a release leaves out keeps its value), so the result is the same whatever
 * order the releases arrive in. Title and description come from the best source (tender, then contract, then award),
 * the newest within it. A contract once awarded does not go back to the pipeline, and is not counted awarded until a
 * supplier is known. The authority is the one the contract was first created for.
 */
export function mergeContract(current: ContractState | null, incoming: ContractState): ContractState {
  const at = incoming.release_date;
  const merged: ContractState = current
    ? {
        ...current,
        provenance: { ...current.provenance, dates: { ...(current.provenance?.dates ?? {}) }, stage: current.provenance?.stage ?? current.stage ?? null },
      }
    : { ...incoming, provenance: { dates: {}, stage: null } };
  const dates = merged.provenance!.dates;
  const set = merged as unknown as Record<string, unknown>;
  const from = incoming as unknown as Record<string, unknown>;
  const newer = (g: FieldGroup) => dates[g] === undefined || at >= dates[g]!;
  const rankOf = (source: MappedContract['title_source'] | undefined) => TITLE_RANK[source ?? 'award'];
  for (const [group, fields] of Object.entries(FIELD_GROUPS) as Array<[keyof typeof FIELD_GROUPS, readonly string[]]>) {
    const given = fields.some((f) => f !== 'title_source' && from[f] !== null && from[f] !== undefined);
    if (!given) {
      if (!current) for (const f of fields) set[f] = null;
      continue;
    }
    let wins = newer(group);
    if ((group === 'text' || group === 'description') && current && dates[group] !== undefined) {
      // the best source first (tender, contract, award), then the newest within it
      const held = group === 'text' ? current.title_source : (current.provenance?.description_source ?? current.title_source);
      wins = rankOf(incoming.title_source) < rankOf(held) || (rankOf(incoming.title_source) === rankOf(held) && wins);
    }
    if (!current || wins) {
      for (const f of fields) set[f] = from[f] ?? null;
      if (group === 'description') merged.provenance!.description_source = incoming.title_source;
      dates[group] = at;
    }
  }
  // a start newer than the end given by an older release: the older of the two dates goes
  if (merged.start_date && merged.end_date && merged.end_date < merged.start_date) {
    if ((dates.start_date ?? '') >= (dates.end_date ?? '')) {
      merged.end_date = null;
      delete dates.end_date;
    } else {
      merged.start_date = null;
      delete dates.start_date;
    }
  }
  // whether the Act applies follows from the merged parts, not from any one release
  merged.in_scope = merged.is_services === false || merged.above_threshold === false ? false : merged.is_services && merged.above_threshold ? true : null;
  if (incoming.stage) {
    const held = merged.provenance!.stage;
    const regress = held === 'awarded' && incoming.stage === 'pipeline';
    if (held === null || (newer('stage') && !regress) || (incoming.stage === 'awarded' && held === 'pipeline')) {
      merged.provenance!.stage = incoming.stage;
      dates.stage = at;
    }
  }
  merged.stage = settledStage(merged.provenance!.stage, merged.supplier_id);
  merged.release_date = current && current.release_date > at ? current.release_date : at;
  return merged;
}

function settledStage(stage: MappedContract['stage'], supplierId: number | null): 'pipeline' | 'awarded' | 'cancelled' {
  if (stage === 'awarded' && supplierId === null) return 'pipeline';
  return stage ?? 'pipeline';
}
