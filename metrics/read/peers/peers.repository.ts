import { Inject, Injectable } from '@nestjs/common';
import type { Knex } from 'knex';
import type { AuthoritySummary } from '../../reference/authorities/authorities.repository';
import { KNEX } from '../../platform/tokens';
import type { ClusterScheme } from '../../reference/reference-files';

export type PeerAuthority = { id: number } & Pick<
  AuthoritySummary,
  'code' | 'name' | 'short_name' | 'kind' | 'subtype' | 'nation' | 'region'
>;

/** A council with the facts its nearest-neighbour features are derived from. */
export interface CouncilFacts extends PeerAuthority {
  population: number | null;
  area_km2: number | null;
  imd_label: string | null;
  ruc_label: string | null;
}

export interface ClusterLabel {
  scheme: ClusterScheme;
  label: string;
  description: string | null;
}

export interface PeerGroup {
  name: string;
  description: string | null;
  created_at: Date;
  updated_at: Date;
  members: Array<{ id: number; code: string; name: string }>;
}

const AUTHORITY_COLUMNS = ['a.id', 'a.code', 'a.name', 'a.short_name', 'a.kind', 'a.subtype', 'a.nation', 'a.region'];

/** Reads for peer groups (authorities, their clusters, user-defined groups) and the writes of clusters and groups. */
@Injectable()
export class PeersRepository {
  constructor(@Inject(KNEX) private readonly knex: Knex) {}

  findAuthority(code: string): Promise<PeerAuthority | undefined> {
    return this.knex('authorities as a').whereRaw('upper(a.code) = upper(?)', [code]).first(AUTHORITY_COLUMNS);
  }

  /**
   * Changes whenever the reference data (authorities, clusters) is reloaded or a council is added: the key of the
   * per-process cache of feature vectors.
   */
  async referenceVersion(): Promise<string> {
    const { rows } = await this.knex.raw(
      `select (select max(loaded_at) from reference_datasets)::text as loaded,
              (select count(*) from authorities where kind = 'local_authority') as councils,
              (select max(updated_at) from authorities where kind = 'local_authority')::text as updated`,
    );
    const r = rows[0] as { loaded: string | null; councils: number | string; updated: string | null };
    return `${r.loaded ?? ''}|${r.councils}|${r.updated ?? ''}`;
  }

  /** Every council with population, area and its deprivation and rural-urban cluster labels. */
  async councilFacts(): Promise<CouncilFacts[]> {
    const rows: Array<PeerAuthority & { population: number | null; area_km2: string | null; imd_label: string | null; ruc_label: string | null }> =
      await this.knex('authorities as a')
        .leftJoin('authority_clusters as imd', (j) => j.on('imd.authority_id', 'a.id').andOnVal('imd.scheme', 'imd'))
        .leftJoin('authority_clusters as ruc', (j) => j.on('ruc.authority_id', 'a.id').andOnVal('ruc.scheme', 'ruc'))
        .where('a.kind', 'local_authority')
        .orderBy('a.code')
        .select([...AUTHORITY_COLUMNS, 'a.population', 'a.area_km2', 'imd.label as imd_label', 'ruc.label as ruc_label']);
    // area_km2 is numeric (a string from both drivers): a float is enough for a distance, never for money
    return rows.map((r) => ({ ...r, area_km2: r.area_km2 === null ? null : Number(r.area_km2) }));
  }

  /** Authorities of the same kind and subtype (case-insensitive), itself included. */
  sameSubtype(kind: string, subtype: string | null): Promise<PeerAuthority[]> {
    const q = this.knex('authorities as a').where('a.kind', kind);
    if (subtype === null) q.whereNull('a.subtype');
    else q.whereRaw('lower(a.subtype) = lower(?)', [subtype]);
    return q.orderBy('a.code').select(AUTHORITY_COLUMNS);
  }

  /** Authorities of a kind in a region, itself included. */
  sameRegion(kind: string, region: string): Promise<PeerAuthority[]> {
    return this.knex('authorities as a')
      .where('a.kind', kind)
      .whereRaw('lower(a.region) = lower(?)', [region])
      .orderBy('a.code')
      .select(AUTHORITY_COLUMNS);
  }

  clusterOf(authorityId: number, scheme: ClusterScheme): Promise<ClusterLabel | undefined> {
    return this.knex('authority_clusters').where({ authority_id: authorityId, scheme }).first('scheme', 'label', 'description');
  }

  clusterMembers(scheme: ClusterScheme, label: string): Promise<PeerAuthority[]> {
    return this.knex('authority_clusters as c')
      .join('authorities as a', 'a.id', 'c.authority_id')
      .where({ 'c.scheme': scheme, 'c.label': label })
      .orderBy('a.code')
      .select(AUTHORITY_COLUMNS);
  }

  async authoritiesByCode(codes: readonly string[]): Promise<PeerAuthority[]> {
    if (codes.length === 0) return [];
    return this.knex('authorities as a')
      .whereIn(this.knex.raw('upper(a.code)') as unknown as string, codes.map((c) => c.toUpperCase()))
      .orderBy('a.code')
      .select(AUTHORITY_COLUMNS);
  }

  async listGroups(): Promise<Array<Omit<PeerGroup, 'members'> & { member_count: number }>> {
    const rows = await this.knex('peer_groups as g')
      .leftJoin('peer_group_members as m', 'm.group_id', 'g.id')
      .groupBy('g.id')
      .orderBy('g.name')
      .select('g.name', 'g.description', 'g.created_at', 'g.updated_at', this.knex.raw('count(m.authority_id) as member_count'));
    return rows.map((r: { member_count: number | string }) => ({ ...r, member_count: Number(r.member_count) })) as never;
  }

  async findGroup(name: string): Promise<PeerGroup | undefined> {
    const group = await this.knex('peer_groups').where({ name }).first('id', 'name', 'description', 'created_at', 'updated_at');
    if (!group) return undefined;
    const members = await this.knex('peer_group_members as m')
      .join('authorities as a', 'a.id', 'm.authority_id')
      .where('m.group_id', group.id)
      .orderBy('a.code')
      .select('a.id', 'a.code', 'a.name');
    const { id: _id, ...rest } = group;
    return { ...rest, members };
  }

  /** Creates the group or replaces its description and members, in one transaction; true when it was created. */
  async putGroup(name: string, description: string | null, memberIds: readonly number[]): Promise<boolean> {
    return this.knex.transaction(async (trx) => {
      const existing = await trx('peer_groups').where({ name }).first('id');
      let id: number;
      if (existing) {
        id = existing.id;
        await trx('peer_groups').where({ id }).update({ description, updated_at: trx.fn.now() });
        await trx('peer_group_members').where({ group_id: id }).delete();
      } else {
        [{ id }] = await trx('peer_groups').insert({ name, description }).returning('id');
      }
      if (memberIds.length > 0) {
        await trx('peer_group_members').insert([...new Set(memberIds)].map((authority_id) => ({ group_id: id, authority_id })));
      }
      return !existing;
    });
  }

  async deleteGroup(name: string): Promise<boolean> {
    return (await this.knex('peer_groups').where({ name }).delete().returning('id')).length > 0;
  }

}
