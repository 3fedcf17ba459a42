import { Injectable } from '@nestjs/common';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { AuthoritiesRepository } from '../../metrics/reference/authorities/authorities.repository';
import { DomainError } from '../../metrics/platform/errors';
import { ApiKeysRepository, type ApiKeyRecord } from './api-keys.repository';
import { ROLES, type Principal, type Role } from './principal';

export interface CreateKeyInput {
  role: string;
  authorities?: string[];
  label?: string | null;
  /** A community key's organisation on the exchange (org-id identifier, e.g. GB-CHC-1234567). */
  organisation?: string | null;
  /** A supplier key's supplier: its scheme and identifier as one (GB-COH-01234567). */
  supplier?: string | null;
}

export interface CreatedKey extends ApiKeyRecord {
  /** The key itself: shown once, never stored. */
  key: string;
}

const KEY_PATTERN = /^svm_([a-z0-9]{8})_([A-Za-z0-9_-]{43})$/;

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** A new key: `svm_` + an 8-character public prefix + 32 random bytes (base64url). */
export function generateKey(): { key: string; prefix: string } {
  const prefix = `svm_${randomBytes(6).toString('hex').slice(0, 8)}`;
  return { key: `${prefix}_${randomBytes(32).toString('base64url')}`, prefix };
}

/** How long a verified key is trusted without asking the database again. */
export const KEY_CACHE_MS = 30_000;

/**
 * API keys: created with a role (and, for submitters, the authorities they write for), verified by hash, revoked.
 * Keys carry 256 random bits, so a single SHA-256 is the right hash: there is nothing to brute-force.
 */
@Injectable()
export class ApiKeysService {
  /**
   * Keys verified lately, by hash. Requests then need no database round trip to authenticate, which matters on the
   * embedded database, where a running import holds the only connection (progress stays readable). A key revoked
   * through this process stops at once; revoked through another instance, within KEY_CACHE_MS.
   */
  private readonly verified = new Map<string, { principal: Principal; until: number }>();
  private readonly byId = new Map<number, { principal: Principal; until: number }>();

  constructor(
    private readonly keys: ApiKeysRepository,
    private readonly authorities: AuthoritiesRepository,
  ) {}

  async create(input: CreateKeyInput): Promise<CreatedKey> {
    if (!ROLES.includes(input.role as Role)) {
      throw new DomainError('invalid_parameter', `role must be one of ${ROLES.join(', ')}`, {
        field: 'role',
        value: input.role,
      });
    }
    const role = input.role as Role;
    const codes = [...new Set(input.authorities ?? [])];
    if (role === 'submitter' && codes.length === 0) {
      throw new DomainError('invalid_parameter', 'a submitter key needs at least one authority it may write for', {
        field: 'authorities',
      });
    }
    if (role === 'admin' && codes.length > 0) {
      throw new DomainError('invalid_parameter', 'an admin key writes for every authority: give no authorities', {
        field: 'authorities',
      });
    }
    if ((role === 'community' || role === 'supplier') && codes.length > 0) {
      throw new DomainError('invalid_parameter', `a ${role} key is scoped to its ${role === 'community' ? 'organisation' : 'supplier'}: give no authorities`, {
        field: 'authorities',
      });
    }
    const organisationId = await this.scope(role === 'community', 'organisation', input.organisation, (v) => this.keys.organisationId(v));
    const supplierId = await this.scope(role === 'supplier', 'supplier', input.supplier, (v) => this.keys.supplierId(v));
    const found = await this.authorities.idsByCode(codes);
    const unknown = codes.filter((c) => !found.has(c));
    if (unknown.length > 0) {
      throw new DomainError('invalid_parameter', `unknown authority code(s): ${unknown.join(', ')}`, {
        field: 'authorities',
        unknown,
      });
    }
    const { key, prefix } = generateKey();
    const id = await this.keys.insert({
      prefix,
      keyHash: hashKey(key),
      role,
      label: input.label?.trim() || null,
      authorityIds: codes.map((c) => found.get(c)!),
      organisationId,
      supplierId,
    });
    const record = await this.keys.find(id);
    return { ...record!, key };
  }

  /** A community key's organisation or a supplier key's supplier: required for that role, refused for the others. */
  private async scope(
    needed: boolean,
    field: 'organisation' | 'supplier',
    value: string | null | undefined,
    lookup: (v: string) => Promise<number | undefined>,
  ): Promise<number | null> {
    const v = value?.trim() || null;
    if (!needed) {
      if (v !== null) throw new DomainError('invalid_parameter', `only a ${field === 'organisation' ? 'community' : 'supplier'} key names a ${field}`, { field });
      return null;
    }
    if (v === null) {
      throw new DomainError('invalid_parameter', field === 'organisation'
        ? 'a community key needs the organisation it acts for (its org-id identifier, e.g. GB-CHC-1234567)'
        : 'a supplier key needs the supplier it acts for (scheme and identifier, e.g. GB-COH-01234567)', { field });
    }
    const id = await lookup(v);
    if (id === undefined) throw new DomainError('invalid_parameter', `unknown ${field} ${v}`, { field, value: v });
    return id;
  }

  /** The principal for an `Authorization` header value; throws invalid_api_key for anything else. */
  async authenticate(header: string): Promise<Principal> {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) {
      throw new DomainError('invalid_api_key', "The Authorization header must be 'Bearer <API key>'.");
    }
    const key = match[1];
    const hash = hashKey(key);
    const cached = this.verified.get(hash);
    if (cached && cached.until > Date.now()) return cached.principal;
    // looked up by its public prefix; the secret's hash compared in constant time (never by the database's = on it)
    const parts = KEY_PATTERN.exec(key);
    const record = parts ? await this.keys.findActiveByPrefix(`svm_${parts[1]}`) : undefined;
    if (!record || !timingSafeEqual(Buffer.from(record.key_hash, 'hex'), Buffer.from(hash, 'hex'))) {
      throw new DomainError('invalid_api_key', 'The API key is not valid: it is unknown, malformed or revoked.', {
        prefix: key.slice(0, 12),
      });
    }
    if (!record.last_used_at || Date.now() - new Date(record.last_used_at).getTime() > 60_000) await this.keys.markUsed(record.id);
    const principal = principalOf(record);
    this.verified.set(hash, { principal, until: Date.now() + KEY_CACHE_MS });
    return principal;
  }

  /** The principal of an unrevoked key by its id (a dashboards session names its key so), cached as keys are. */
  async principalOfId(id: number): Promise<Principal | undefined> {
    const cached = this.byId.get(id);
    if (cached && cached.until > Date.now()) return cached.principal;
    const record = await this.keys.find(id);
    if (!record || record.revoked_at) return undefined;
    const principal = principalOf(record);
    this.byId.set(id, { principal, until: Date.now() + KEY_CACHE_MS });
    return principal;
  }

  list(): Promise<ApiKeyRecord[]> {
    return this.keys.list();
  }

  async revoke(idOrPrefix: string | number): Promise<ApiKeyRecord> {
    const ref = typeof idOrPrefix === 'number' || /^\d+$/.test(idOrPrefix) ? Number(idOrPrefix) : idOrPrefix;
    const record = await this.keys.find(ref);
    if (!record) throw new DomainError('not_found', `No API key ${idOrPrefix}`);
    if (record.revoked_at) throw new DomainError('conflict', `API key ${record.prefix} was already revoked`);
    await this.keys.revoke(record.id);
    for (const [hash, entry] of this.verified) if (entry.principal.keyId === record.id) this.verified.delete(hash);
    this.byId.delete(record.id);
    return (await this.keys.find(record.id))!;
  }
}

/** What a key record grants. */
function principalOf(record: ApiKeyRecord): Principal {
  return {
    keyId: record.id,
    prefix: record.prefix,
    role: record.role,
    authorityCodes: record.authorities,
    organisationId: record.organisation_id === null ? null : Number(record.organisation_id),
    supplierId: record.supplier_id === null ? null : Number(record.supplier_id),
  };
}
