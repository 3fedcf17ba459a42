import { Inject, Injectable } from '@nestjs/common';
import type { Knex } from 'knex';
import { KNEX } from '../../metrics/platform/tokens';
import type { Role } from './principal';

export interface ApiKeyRecord {
  id: number;
  prefix: string;
  role: Role;
  label: string | null;
  authorities: string[];
  /** A community key's organisation (org-id identifier) and a supplier key's supplier (scheme-identifier). */
  organisation: string | null;
  supplier: string | null;
  organisation_id: number | null;
  supplier_id: number | null;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const SELECT_KEYS = `
  select k.id, k.prefix, k.role, k.label, k.created_at, k.last_used_at, k.revoked_at,
    coalesce(array_agg(a.code order by a.code) filter (where a.code is not null), '{}') as authorities,
    k.organisation_id, k.supplier_id, min(o.identifier) as organisation, min(s.scheme || '-' || s.identifier) as supplier
  from api_keys k
  left join exchange_organisations o on o.id = k.organisation_id
  left join suppliers s on s.id = k.supplier_id
  left join api_key_authorities ka on ka.api_key_id = k.id
  left join authorities a on a.id = ka.authority_id`;

@Injectable()
export class ApiKeysRepository {
  constructor(@Inject(KNEX) private readonly knex: Knex) {}

  /** A key and the authorities it may write for, in one transaction. */
  insert(key: {
    prefix: string;
    keyHash: string;
    role: Role;
    label: string | null;
    authorityIds: number[];
    organisationId: number | null;
    supplierId: number | null;
  }): Promise<number> {
    return this.knex.transaction(async (trx) => {
      const [{ id }] = await trx('api_keys')
        .insert({
          prefix: key.prefix,
          key_hash: key.keyHash,
          role: key.role,
          label: key.label,
          organisation_id: key.organisationId,
          supplier_id: key.supplierId,
        })
        .returning('id');
      if (key.authorityIds.length > 0) {
        await trx('api_key_authorities').insert(key.authorityIds.map((authority_id) => ({ api_key_id: id, authority_id })));
      }
      return id;
    });
  }

  /** An unrevoked key by its public prefix, with its stored hash (for the caller to compare in constant time). */
  async findActiveByPrefix(prefix: string): Promise<(ApiKeyRecord & { key_hash: string }) | undefined> {
    const { rows } = await this.knex.raw(
      `${SELECT_KEYS.replace('select k.id,', 'select k.id, k.key_hash,')} where k.prefix = ? and k.revoked_at is null group by k.id`,
      [prefix],
    );
    return rows[0];
  }

  /** Marks a key used (the service does it at most once a minute per key, to keep reads cheap). */
  /** An exchange organisation's id by its org-id identifier. */
  async organisationId(identifier: string): Promise<number | undefined> {
    const row = await this.knex('exchange_organisations').where({ identifier }).first('id');
    return row?.id;
  }

  /** A supplier's id by its scheme and identifier written as one (GB-COH-01234567). */
  async supplierId(ref: string): Promise<number | undefined> {
    const { rows } = await this.knex.raw(`select id from suppliers where scheme || '-' || identifier = ? order by id limit 1`, [ref]);
    return rows[0] ? Number(rows[0].id) : undefined;
  }

  async markUsed(id: number): Promise<void> {
    await this.knex('api_keys').where({ id }).update({ last_used_at: this.knex.fn.now() });
  }

  async find(idOrPrefix: number | string): Promise<ApiKeyRecord | undefined> {
    const where = typeof idOrPrefix === 'number' ? 'k.id = ?' : 'k.prefix = ?';
    const { rows } = await this.knex.raw(`${SELECT_KEYS} where ${where} group by k.id`, [idOrPrefix]);
    return rows[0];
  }

  async list(): Promise<ApiKeyRecord[]> {
    const { rows } = await this.knex.raw(`${SELECT_KEYS} group by k.id order by k.id`);
    return rows;
  }

  async revoke(id: number): Promise<boolean> {
    const n = await this.knex('api_keys').where({ id }).whereNull('revoked_at').update({ revoked_at: this.knex.fn.now() });
    return n > 0;
  }
}
