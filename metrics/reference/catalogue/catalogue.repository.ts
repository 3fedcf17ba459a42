import { Inject, Injectable } from '@nestjs/common';
import type { Knex } from 'knex';
import { KNEX } from '../../platform/tokens';
import { trimDecimal } from '../../platform/decimal';
import type { AppliesToDef, DocumentDef, FrameworkDef, MeasureDef } from './framework-definition';

/** A framework's own fields (as in its definition) and what the catalogue knows of it. */
export interface FrameworkSummary extends Omit<FrameworkDef, 'themes' | 'crosswalk' | 'description' | 'document' | 'applies_to'> {
  id: number;
  /** The published document a government model follows, else null. */
  document: DocumentDef | null;
  /** The contracts it applies to by award date, else null (any). */
  applies_to: AppliesToDef | null;
  is_default: boolean;
  measure_count: number;
  content_sha256: string;
  created_at: Date;
}

export interface CrosswalkTarget {
  from_measure_code: string;
  to_framework: string;
  to_version: string | null;
  to_measure: string;
}

interface MeasureRow extends Omit<MeasureDef, 'accepted_units' | 'proxies'> {
  id: number;
  policy_outcome_id: number;
}

const SUMMARY = `
  select f.id, f.code, f.version, f.name, f.publisher, f.licence, f.source, f.base_price_year, f.is_default,
    f.content_sha256, f.created_at, (select count(*) from measures m where m.framework_id = f.id) as measure_count,
    case when f.document_title is null then null
      else json_build_object('title', f.document_title, 'version', f.document_version, 'date', to_char(f.document_date, 'YYYY-MM-DD')) end as document,
    case when f.awarded_from is null and f.awarded_before is null then null
      else json_build_object('awarded_from', to_char(f.awarded_from, 'YYYY-MM-DD'), 'awarded_before', to_char(f.awarded_before, 'YYYY-MM-DD')) end as applies_to
  from frameworks f`;

/** Frameworks and their measures: written whole from a definition, read back in the same nested shape. */
@Injectable()
export class CatalogueRepository {
  constructor(@Inject(KNEX) private readonly knex: Knex) {}

  async list(): Promise<FrameworkSummary[]> {
    const { rows } = await this.knex.raw(`${SUMMARY} order by f.code, f.created_at desc, f.id desc`);
    return rows;
  }

  /** The framework £ totals use unless another is named. */
  async findDefault(): Promise<FrameworkSummary | undefined> {
    const { rows } = await this.knex.raw(`${SUMMARY} where f.is_default`);
    return rows[0];
  }

  /** A version of a framework, or its most recently loaded one. */
  find(code: string, version?: string): Promise<FrameworkSummary | undefined> {
    return this.findIn(this.knex, code, version);
  }

  /** The same, in the caller's transaction (a framework being loaded). */
  async findIn(trx: Knex, code: string, version?: string): Promise<FrameworkSummary | undefined> {
    const { rows } = await trx.raw(
      `${SUMMARY} where f.code = ? ${version ? 'and f.version = ?' : ''} order by f.created_at desc, f.id desc limit 1`,
      version ? [code, version] : [code],
    );
    return rows[0];
  }

  /** Ids of measures of other frameworks that a crosswalk names; the ones that do not exist are absent. */
  async crosswalkTargets(trx: Knex, targets: CrosswalkTarget[]): Promise<Map<string, number>> {
    if (targets.length === 0) return new Map();
    const { rows } = await trx.raw(
      `select t.to_framework, t.to_version, t.to_measure, (
         select m.id from measures m join frameworks f on f.id = m.framework_id
         where f.code = t.to_framework and (t.to_version is null or f.version = t.to_version) and m.code = t.to_measure
         order by f.created_at desc, f.id desc limit 1) as measure_id
       from jsonb_to_recordset(?::jsonb) as t(to_framework text, to_version text, to_measure text)`,
      [JSON.stringify(targets)],
    );
    return new Map(
      rows
        .filter((r: { measure_id: number | null }) => r.measure_id !== null)
        .map((r: { to_framework: string; to_version: string | null; to_measure: string; measure_id: number }) => [
          `${r.to_framework}@${r.to_version ?? ''}:${r.to_measure}`,
          r.measure_id,
        ]),
    );
  }

  /** Writes a whole framework (in the caller's transaction); returns its id. */
  async insert(trx: Knex, def: FrameworkDef, contentSha256: string, isDefault: boolean, crosswalkIds: Map<string, number>): Promise<number> {
    if (isDefault) await trx('frameworks').where({ is_default: true }).update({ is_default: false });
    const [{ id: frameworkId }] = await trx('frameworks')
      .insert({
        code: def.code,
        version: def.version,
        name: def.name,
        publisher: def.publisher,
        licence: def.licence,
        source: def.source,
        base_price_year: def.base_price_year,
        description: def.description,
        document_title: def.document?.title ?? null,
        document_version: def.document?.version ?? null,
        document_date: def.document?.date ?? null,
        awarded_from: def.applies_to?.awarded_from ?? null,
        awarded_before: def.applies_to?.awarded_before ?? null,
        is_default: isDefault,
        content_sha256: contentSha256,
      })
      .returning('id');
    const measureIds = new Map<string, number>();
    for (const [sortOrder, theme] of def.themes.entries()) {
      const [{ id: themeId }] = await trx('themes')
        .insert({ framework_id: frameworkId, code: theme.code, name: theme.name, sort_order: sortOrder })
        .returning('id');
      for (const outcome of theme.outcomes) {
        const [{ id: outcomeId }] = await trx('policy_outcomes')
          .insert({ theme_id: themeId, code: outcome.code, name: outcome.name })
          .returning('id');
        if (outcome.measures.length === 0) continue;
        const inserted: Array<{ id: number; code: string }> = await trx('measures')
          .insert(outcome.measures.map((m) => measureRow(m, frameworkId, themeId, outcomeId)))
          .returning(['id', 'code']);
        for (const row of inserted) measureIds.set(row.code, row.id);
      }
    }
    const measures = def.themes.flatMap((t) => t.outcomes.flatMap((o) => o.measures));
    const proxies = measures.flatMap((m) =>
      m.proxies.map((p) => ({ measure_id: measureIds.get(m.code)!, ...p })),
    );
    if (proxies.length > 0) await trx.batchInsert('proxy_values', proxies, 500);
    const units = measures.flatMap((m) =>
      m.accepted_units.map((u) => ({ measure_id: measureIds.get(m.code)!, from_unit: u.unit, to_unit: m.unit, factor: u.factor })),
    );
    if (units.length > 0) await trx.batchInsert('unit_conversions', units, 500);
    const crosswalk = def.crosswalk.map((c) => ({
      from_framework_id: frameworkId,
      from_measure_code: c.measure,
      to_measure_id: crosswalkIds.get(`${c.to_framework}@${c.to_version ?? ''}:${c.to_measure}`)!,
      factor: c.factor,
    }));
    if (crosswalk.length > 0) await trx.batchInsert('measure_crosswalk', crosswalk, 500);
    return frameworkId;
  }

  /** A stored framework in the nested shape it was loaded in (so an export loads again as it is). */
  async definition(frameworkId: number): Promise<FrameworkDef> {
    const f = await this.knex('frameworks').where({ id: frameworkId }).first();
    const themes = await this.knex('themes').where({ framework_id: frameworkId }).orderBy(['sort_order', 'id']);
    const outcomes = await this.knex('policy_outcomes')
      .whereIn('theme_id', themes.map((t) => t.id))
      .orderBy('id');
    const measures: MeasureRow[] = await this.knex('measures').where({ framework_id: frameworkId }).orderBy('id');
    const proxies = await this.knex('proxy_values').whereIn('measure_id', measures.map((m) => m.id)).orderBy(['measure_id', 'price_year']);
    const units = await this.knex('unit_conversions').whereIn('measure_id', measures.map((m) => m.id)).orderBy('id');
    const { rows: crosswalk } = await this.knex.raw(
      `select c.from_measure_code, f.code as to_framework, f.version as to_version, m.code as to_measure, c.factor
       from measure_crosswalk c join measures m on m.id = c.to_measure_id join frameworks f on f.id = m.framework_id
       where c.from_framework_id = ? order by c.id`,
      [frameworkId],
    );
    const measureDef = (m: MeasureRow): MeasureDef => ({
      code: m.code,
      name: m.name,
      description: m.description,
      unit: m.unit,
      category: m.category,
      valuation: m.valuation,
      deadweight: trimDecimal(m.deadweight),
      displacement: trimDecimal(m.displacement),
      attribution: trimDecimal(m.attribution),
      drop_off: trimDecimal(m.drop_off),
      duration_years: m.duration_years,
      accepted_units: units.filter((u) => u.measure_id === m.id).map((u) => ({ unit: u.from_unit, factor: trimDecimal(u.factor) })),
      proxies: proxies
        .filter((p) => p.measure_id === m.id)
        .map((p) => ({
          price_year: p.price_year,
          value_gbp: trimDecimal(p.value_gbp),
          price_base_year: p.price_base_year,
          source: p.source,
          licence: p.licence,
          note: p.note,
        })),
    });
    return {
      code: f.code,
      version: f.version,
      name: f.name,
      publisher: f.publisher,
      licence: f.licence,
      source: f.source,
      base_price_year: f.base_price_year,
      description: f.description,
      themes: themes.map((t) => ({
        code: t.code,
        name: t.name,
        outcomes: outcomes
          .filter((o) => o.theme_id === t.id)
          .map((o) => ({
            code: o.code,
            name: o.name,
            measures: measures.filter((m) => m.policy_outcome_id === o.id).map(measureDef),
          })),
      })),
      crosswalk: crosswalk.map((c: { from_measure_code: string; to_framework: string; to_version: string; to_measure: string; factor: string }) => ({
        measure: c.from_measure_code,
        to_framework: c.to_framework,
        to_version: c.to_version,
        to_measure: c.to_measure,
        factor: trimDecimal(c.factor),
      })),
      // absent rather than null when not recorded, as in the definition loaded
      ...(f.document_title === null ? {} : { document: { title: f.document_title, version: f.document_version, date: f.document_date } }),
      ...(f.awarded_from === null && f.awarded_before === null
        ? {}
        : { applies_to: { awarded_from: f.awarded_from, awarded_before: f.awarded_before } }),
    };
  }
}

function measureRow(m: MeasureDef, frameworkId: number, themeId: number, outcomeId: number) {
  const { accepted_units: _units, proxies: _proxies, ...columns } = m; // those two go to tables of their own
  return { ...columns, framework_id: frameworkId, theme_id: themeId, policy_outcome_id: outcomeId };
}
