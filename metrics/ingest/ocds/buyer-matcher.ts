import { createHash } from 'node:crypto';
import { normaliseName } from '../../reference/authorities/normalise-name';
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
}

/** GSS codes (E06000001, W06000011, S12000033, N09000001...), published under several schemes (GB-GSS, GB-LAC, GB-ONS). */
const GSS = /^[ENSWK]\d{8}$/;

const key = (scheme: string, identifier: string) => `${scheme}|${identifier.toUpperCase()}`;

/**
 * Matches a release's buyer to an authority: by identifier (any scheme the authorities carry: GSS codes, the local
 * authority registers GB-LAE/LAS/PLA/LANI, GB-GOR), else by normalised name over every name and alternative name.
 * A name shared by two authorities matches neither. A buyer matched by nothing is a new authority of kind `other`,
 * coded by its identifier or its name, and remembered, so the same buyer later in the batch matches it.
 */
export class BuyerMatcher {
  private readonly byIdentifier = new Map<string, AuthorityKey>();
  private readonly byName = new Map<string, AuthorityKey | null>();

  constructor(
    identifiers: Array<{ scheme: string; identifier: string } & AuthorityKey>,
    names: Array<{ name: string } & AuthorityKey>,
  ) {
    for (const i of identifiers) this.byIdentifier.set(key(i.scheme, i.identifier), { authority_id: i.authority_id, code: i.code, imported: i.imported });
    // normalised here, by the rule in force now, whatever rule stored the names' normalised forms
    for (const n of names) this.addName(normaliseName(n.name), { authority_id: n.authority_id, code: n.code, imported: n.imported });
  }

  private addName(normalised: string, a: AuthorityKey) {
    const had = this.byName.get(normalised);
    if (had === undefined) this.byName.set(normalised, a);
    else if (had !== null && had.authority_id !== a.authority_id) this.byName.set(normalised, null); // ambiguous
  }

  match(buyer: OrgRef): BuyerMatch {
    if (buyer.scheme && buyer.identifier) {
      const found =
        this.byIdentifier.get(key(buyer.scheme, buyer.identifier)) ??
        (GSS.test(buyer.identifier) ? this.byIdentifier.get(key('GB-GSS', buyer.identifier)) : undefined);
      if (found) return { method: found.imported ? 'earlier_import' : 'identifier', authority: found };
    }
    const normalised = buyer.name ? normaliseName(buyer.name) : null;
    if (normalised) {
      const found = this.byName.get(normalised);
      if (found) return { method: found.imported ? 'earlier_import' : 'name', authority: found };
    }
    return { method: 'created', create: newAuthority(buyer, normalised) };
  }

  /** Remembers an authority created for a buyer, under its identifier and name. */
  remember(created: NewAuthority, a: AuthorityKey) {
    const imported = { ...a, code: ownString(a.code), imported: true };
    if (created.scheme && created.identifier) this.byIdentifier.set(ownString(key(created.scheme, created.identifier)), imported);
    this.addName(ownString(created.name_normalised), imported);
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
  return { code, name, name_normalised: nameNormalised, scheme: buyer.scheme, identifier: buyer.identifier };
}
