import { createHash } from 'node:crypto';
import { nameVariants, normaliseName } from '../../reference/authorities/normalise-name';
import { ownString, type OrgRef } from './ocds-map';

export interface AuthorityKey {
  authority_id: number;
  code: string;
  /** An authority an earlier OCDS import created for a buyer it could not match (kind `other`). */
  imported?: boolean;
}

/** How a buyer was matched; `earlier_import`: to an authority an earlier import created, not to a known public body. */
export type MatchMethod = 'identifier' | 'name' | 'created' | 'earlier_import';

export interface BuyerMatch {
  method: MatchMethod;
  /** Set for an authority that exists; for `created`, the authority to create. */
  authority?: AuthorityKey;
  create?: NewAuthority;
}

export interface NewAuthority {
  code: string;
  name: string;
  name_normalised: string;
  scheme: string | null;
  identifier: string | null;
  /** The buyer's type as its release classifies it (Find a Tender's UK_CA_TYPE), kept as the authority's subtype. */
  subtype: string | null;
}

/** An authority near an unmatched buyer's name, for an administrator to choose from. */
export interface Candidate {
  code: string;
  /** The authority's name (or alternative name) nearest the buyer's. */
  name: string;
  /** Sørensen–Dice similarity of the normalised names' letter pairs, 0 to 1. */
  score: number;
}

/** Schemes whose identifiers a matched authority keeps, so that later releases match it by identifier. */
export const KEPT_SCHEMES = new Set(['GB-PPON']);

/** GSS codes (E06000001, W06000011, S12000033, N09000001...), published under several schemes (GB-GSS, GB-LAC, GB-ONS). */
const GSS = /^[ENSWK]\d{8}$/;

const key = (scheme: string, identifier: string) => `${scheme}|${identifier.toUpperCase()}`;

/** Every (scheme, identifier) a buyer gives: its own first, then the rest its party lists. */
export function identifiersOf(buyer: OrgRef): Array<{ scheme: string; identifier: string }> {
  const all = [...(buyer.scheme && buyer.identifier ? [{ scheme: buyer.scheme, identifier: buyer.identifier }] : []), ...(buyer.identifiers ?? [])];
  return all.filter((x, i) => all.findIndex((y) => key(y.scheme, y.identifier) === key(x.scheme, x.identifier)) === i);
}

/** The letter pairs of each word of a normalised name (" kent " gives " k", "ke", "en", "nt", "t "), counted. */
function bigrams(s: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const w of s.split(' ')) {
    const padded = ` ${w} `;
    for (let i = 0; i < padded.length - 1; i += 1) {
      const b = padded.slice(i, i + 2);
      out.set(b, (out.get(b) ?? 0) + 1);
    }
  }
  return out;
}

/** Sørensen–Dice coefficient of two names' letter pairs (1: the same pairs; 0: none shared). */
export function diceSimilarity(a: string | Map<string, number>, b: string | Map<string, number>): number {
  const x = typeof a === 'string' ? bigrams(a) : a;
  const y = typeof b === 'string' ? bigrams(b) : b;
  let shared = 0;
  let total = 0;
  for (const [g, n] of x) {
    shared += Math.min(n, y.get(g) ?? 0);
    total += n;
  }
  for (const n of y.values()) total += n;
  return total === 0 ? 0 : (2 * shared) / total;
}

/**
 * Matches a release's buyer to an authority: by identifier (any scheme the authorities carry: GSS codes, the local
 * authority registers GB-LAE/LAS/PLA/LANI, GB-GOR, a PPON kept from an earlier match), else by normalised name over
 * every name and alternative name, else by a form of its name without abbreviations in brackets or the department
 * written with it ("Hertfordshire County Council - Children's Services"). A name shared by two authorities matches
 * neither. A known public body is preferred to an `other` authority an earlier import created: once an administrator
 * adds a buyer's name to the right authority, the next import matches it there. A buyer matched by nothing is a new
 * authority of kind `other`, coded by its identifier or its name, and remembered, so the same buyer later in the batch
 * matches it.
 */
export class BuyerMatcher {
  private readonly byIdentifier = new Map<string, AuthorityKey>();
  /** Names of known public bodies, and of `other` authorities imports created: null where two authorities share one. */
  private readonly byName = new Map<string, AuthorityKey | null>();
  private readonly byImportedName = new Map<string, AuthorityKey | null>();
  /** Each known authority's names with their letter pairs, for the nearest candidates of an unmatched buyer. */
  private index?: Array<{ code: string; name: string; grams: Map<string, number> }>;
  private readonly known: Array<{ code: string; name: string }> = [];

  constructor(
    identifiers: Array<{ scheme: string; identifier: string } & AuthorityKey>,
    names: Array<{ name: string } & AuthorityKey>,
  ) {
    for (const i of identifiers) this.byIdentifier.set(key(i.scheme, i.identifier), { authority_id: i.authority_id, code: i.code, imported: i.imported });
    // normalised here, by the rule in force now, whatever rule stored the names' normalised forms
    for (const n of names) {
      this.addName(n.imported ? this.byImportedName : this.byName, normaliseName(n.name), { authority_id: n.authority_id, code: n.code, imported: n.imported });
      if (!n.imported) this.known.push({ code: n.code, name: n.name });
    }
  }

  private addName(map: Map<string, AuthorityKey | null>, normalised: string, a: AuthorityKey) {
    const had = map.get(normalised);
    if (had === undefined) map.set(normalised, a);
    else if (had !== null && had.authority_id !== a.authority_id) map.set(normalised, null); // ambiguous
  }

  private byId(scheme: string, identifier: string): AuthorityKey | undefined {
    return this.byIdentifier.get(key(scheme, identifier)) ?? (GSS.test(identifier) ? this.byIdentifier.get(key('GB-GSS', identifier)) : undefined);
  }

  match(buyer: OrgRef): BuyerMatch {
    const ids = identifiersOf(buyer);
    const found = ids.map((i) => this.byId(i.scheme, i.identifier)).filter((a): a is AuthorityKey => a !== undefined);
    const known = found.find((a) => !a.imported);
    if (known) return { method: 'identifier', authority: known };
    const normalised = buyer.name ? normaliseName(buyer.name) : null;
    if (normalised) {
      const byName = this.byName.get(normalised);
      if (byName) return { method: 'name', authority: byName };
      for (const variant of nameVariants(buyer.name!)) {
        const byVariant = this.byName.get(variant);
        if (byVariant) return { method: 'name', authority: byVariant };
      }
    }
    if (found.length > 0) return { method: 'earlier_import', authority: found[0] };
    const imported = normalised ? this.byImportedName.get(normalised) : undefined;
    if (imported) return { method: 'earlier_import', authority: imported };
    return { method: 'created', create: newAuthority(buyer, normalised) };
  }

  /**
   * The identifiers of kept schemes (GB-PPON) a buyer matched to a known authority gives that it does not hold yet
   * (or that an `other` authority an import created holds), now remembered for it: the caller writes them.
   */
  keepIdentifiers(buyer: OrgRef, a: AuthorityKey): Array<{ scheme: string; identifier: string }> {
    if (a.imported) return [];
    const kept: Array<{ scheme: string; identifier: string }> = [];
    for (const i of identifiersOf(buyer)) {
      if (!KEPT_SCHEMES.has(i.scheme)) continue;
      const held = this.byIdentifier.get(key(i.scheme, i.identifier));
      if (held && !held.imported) continue; // its own already, or a known authority's: left as it is
      this.byIdentifier.set(ownString(key(i.scheme, i.identifier)), { authority_id: a.authority_id, code: ownString(a.code) });
      kept.push({ scheme: ownString(i.scheme), identifier: ownString(i.identifier) });
    }
    return kept;
  }

  /** Remembers an authority created for a buyer, under its identifier and name. */
  remember(created: NewAuthority, a: AuthorityKey) {
    const imported = { ...a, code: ownString(a.code), imported: true };
    if (created.scheme && created.identifier) this.byIdentifier.set(ownString(key(created.scheme, created.identifier)), imported);
    this.addName(this.byImportedName, ownString(created.name_normalised), imported);
  }

  /** The known authorities whose names are nearest a buyer's (best first, one entry per authority). */
  candidates(name: string | null, limit = 3): Candidate[] {
    if (!name) return [];
    this.index ??= this.known.map((k) => ({ ...k, grams: bigrams(normaliseName(k.name)) }));
    const grams = bigrams(normaliseName(name));
    const best = new Map<string, Candidate>();
    for (const k of this.index) {
      const score = diceSimilarity(grams, k.grams);
      const had = best.get(k.code);
      if (score > 0 && (!had || score > had.score)) best.set(k.code, { code: k.code, name: k.name, score });
    }
    return [...best.values()]
      .sort((a, b) => b.score - a.score || a.code.localeCompare(b.code))
      .slice(0, limit)
      .map((c) => ({ ...c, score: Math.round(c.score * 1000) / 1000 }));
  }
}

const slug = (s: string) => s.replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');

function newAuthority(buyer: OrgRef, normalised: string | null): NewAuthority {
  const name = buyer.name ?? `${buyer.scheme} ${buyer.identifier}`;
  const nameNormalised = normalised ?? normaliseName(name);
  const code =
    buyer.scheme && buyer.identifier
      ? `${buyer.scheme}-${buyer.identifier}`.replace(/[^A-Za-z0-9._:-]/g, '-').slice(0, 64)
      : `ORG-${slug(nameNormalised).slice(0, 40)}-${createHash('sha256').update(nameNormalised).digest('hex').slice(0, 8)}`;
  return { code, name, name_normalised: nameNormalised, scheme: buyer.scheme, identifier: buyer.identifier, subtype: buyer.type ?? null };
}
