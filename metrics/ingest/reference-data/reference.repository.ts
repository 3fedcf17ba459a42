import { Inject, Injectable } from '@nestjs/common';
import type { Knex } from 'knex';
import { KNEX } from '../../platform/tokens';
import type { AuthoritiesDataset, ClusterRow, CpvCodeRow, CpvDivisionRow, DeflatorRow, NeighbourRow } from '../../reference/reference-files';

/**
 * Bulk writes of reference data. Each statement takes its rows as one JSON document (jsonb_to_recordset), so a
 * dataset is loaded set-based in a handful of statements, identically on the pg driver and on PGlite.
 */
@Injectable()
export class ReferenceRepository {
  constructor(@Inject(KNEX) private readonly knex: Knex) {}

  async datasetHash(name: string): Promise<string | undefined> {
    const row = await this.knex('reference_datasets').where({ name }).first('sha256');
    return row?.sha256;
  }

  async recordDataset(
    trx: Knex,
    d: { name: string; sha256: string; row_count: number; source: string; licence: string },
  ): Promise<void> {
    await trx.raw(
      `insert into reference_datasets (name, sha256, row_count, source, licence) values (?, ?, ?, ?, ?)
       on conflict (name) do update set sha256 = excluded.sha256, row_count = excluded.row_count,
         source = excluded.source, licence = excluded.licence, loaded_at = now()`,
      [d.name, d.sha256, d.row_count, d.source, d.licence],
    );
  }

  async upsertAuthorities(trx: Knex, data: AuthoritiesDataset): Promise<void> {
    await trx.raw(
      `insert into authorities (code, name, short_name, kind, subtype, nation, region, population, area_km2, latitude,
         longitude, local_code, govuk_slug, start_date, source)
       select code, name, short_name, kind, subtype, nation, region, population, area_km2, latitude, longitude,
         local_code, govuk_slug, start_date, source
       from jsonb_to_recordset(?::jsonb) as r(code text, name text, short_name text, kind text, subtype text,
         nation text, region text, population integer, area_km2 numeric, latitude numeric, longitude numeric,
         local_code text, govuk_slug text, start_date date, source text)
       on conflict (code) do update set name = excluded.name, short_name = excluded.short_name, kind = excluded.kind,
         subtype = excluded.subtype, nation = excluded.nation, region = excluded.region,
         population = excluded.population, area_km2 = excluded.area_km2, latitude = excluded.latitude,
         longitude = excluded.longitude, local_code = excluded.local_code, govuk_slug = excluded.govuk_slug,
         start_date = excluded.start_date, source = excluded.source, updated_at = now()`,
      [JSON.stringify(data.authorities)],
    );
    await trx.raw(
      `update authorities a set parent_id = p.id, combined_authority_id = c.id
       from jsonb_to_recordset(?::jsonb) as l(code text, parent_code text, combined_authority_code text)
       left join authorities p on p.code = l.parent_code
       left join authorities c on c.code = l.combined_authority_code
       where a.code = l.code`,
      [JSON.stringify(data.links)],
    );
    const codes = JSON.stringify(data.authorities.map((a) => a.code));
    // Names given by users (source 'user') survive a reload; the dataset's own names are replaced whole.
    await trx.raw(
      `delete from authority_names n using authorities a
       where n.authority_id = a.id and n.source <> 'user' and a.code in (select jsonb_array_elements_text(?::jsonb))`,
      [codes],
    );
    await trx.raw(
      `insert into authority_names (authority_id, name, name_normalised, source)
       select a.id, r.name, r.name_normalised, r.source
       from jsonb_to_recordset(?::jsonb) as r(code text, name text, name_normalised text, source text)
       join authorities a on a.code = r.code
       on conflict (authority_id, name_normalised) do nothing`,
      [JSON.stringify(data.names)],
    );
    await trx.raw(
      `insert into authority_identifiers (scheme, identifier, authority_id, is_current)
       select r.scheme, r.identifier, a.id, r.is_current
       from jsonb_to_recordset(?::jsonb) as r(code text, scheme text, identifier text, is_current boolean)
       join authorities a on a.code = r.code
       on conflict (scheme, identifier) do update set authority_id = excluded.authority_id,
         is_current = excluded.is_current`,
      [JSON.stringify(data.identifiers)],
    );
  }

  async upsertCpv(trx: Knex, divisions: CpvDivisionRow[], codes: CpvCodeRow[]): Promise<void> {
    await trx.raw(
      `insert into cpv_divisions (code, cpv_code, label)
       select code, cpv_code, label from jsonb_to_recordset(?::jsonb) as r(code text, cpv_code text, label text)
       on conflict (code) do update set cpv_code = excluded.cpv_code, label = excluded.label`,
      [JSON.stringify(divisions)],
    );
    await trx.raw(
      `insert into cpv_codes (code8, code, division, level, parent_code8, label)
       select code8, code, division, level, parent_code8, label
       from jsonb_to_recordset(?::jsonb) as r(code8 text, code text, division text, level text, parent_code8 text,
         label text)
       on conflict (code8) do update set code = excluded.code, division = excluded.division, level = excluded.level,
         parent_code8 = excluded.parent_code8, label = excluded.label`,
      [JSON.stringify(codes)],
    );
  }

  async upsertDeflators(trx: Knex, rows: DeflatorRow[]): Promise<void> {
    await trx.raw(
      `insert into deflators (series, year, index_value, source)
       select series, year, index_value, source
       from jsonb_to_recordset(?::jsonb) as r(series text, year smallint, index_value numeric, source text)
       on conflict (series, year) do update set index_value = excluded.index_value, source = excluded.source`,
      [JSON.stringify(rows)],
    );
  }

  /** Replaces every cluster row with the dataset's (rows for local codes no council has are skipped); the count stored. */
  async replaceClusters(trx: Knex, rows: readonly ClusterRow[], source: string): Promise<number> {
    await trx.raw('delete from authority_clusters');
    const result = await trx.raw(
      `insert into authority_clusters (authority_id, scheme, label, description, source)
       select a.id, r.scheme, r.label, r.description, ?
       from jsonb_to_recordset(?::jsonb) as r(local_code text, scheme text, label text, description text)
       join authorities a on a.local_code = r.local_code and a.kind = 'local_authority'
       on conflict (authority_id, scheme) do nothing
       returning authority_id`,
      [source, JSON.stringify(rows)],
    );
    return result.rows.length;
  }

  /** Replaces the neighbours of the councils (rows whose codes are not current councils are left out). */
  async replaceNeighbours(trx: Knex, rows: readonly NeighbourRow[]): Promise<number> {
    await trx.raw('delete from authority_neighbours');
    const result = await trx.raw(
      `insert into authority_neighbours (authority_id, neighbour_id, rank, shares_boundary)
       select a.id, n.id, r.rank, r.shares_boundary
       from jsonb_to_recordset(?::jsonb) as r(code text, neighbour text, rank smallint, shares_boundary boolean)
       join authorities a on a.code = r.code
       join authorities n on n.code = r.neighbour
       where a.id <> n.id
       on conflict do nothing
       returning authority_id`,
      [JSON.stringify(rows)],
    );
    return result.rows.length;
  }
}
