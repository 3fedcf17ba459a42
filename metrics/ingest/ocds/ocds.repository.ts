import { Inject, Injectable } from '@nestjs/common';
import type { Knex } from 'knex';
import { KNEX } from '../../platform/tokens';
import type { Session } from '../../platform/session';
import { supplierName, supplierNameSql } from '../../platform/sql';
import { ImportsRepository, unitFactorSql } from '../imports/imports.repository';
import type { AuthorityKey, NewAuthority } from './buyer-matcher';
import type { ContractState, MappedObservation, MappedSupplier, Problem } from './ocds-map';
import type { MappedNotices } from './ocds-notices';

export interface StoredProblem extends Problem {
  row_number: number | null;
  release_id: string | null;
}

export interface ReleaseRow {
  ocid: string;
  release_id: string;
  release_date: string;
  tags: string[];
  sha256: string;
  contract_id: number;
  /** The release as published, kept so that its process can be compiled again when a release arrives late. */
  body: unknown;
}

/** A process's compiled release as kept (ocds_compiled). */
export interface CompiledRow {
  ocid: string;
  contract_id: number;
  compiled: Record<string, unknown>;
  release_count: number;
  /** Every release held for the process is in it (false when some were imported before bodies were kept). */
  complete: boolean;
  award_corrections: Array<{ first: string; second: string; reason: string }>;
}

export interface ObservationRow extends MappedObservation {
  contract_id: number;
  ocid: string;
  release_id: string;
  release_date: string;
}

/** The notices of one release, for its contract. */
export interface NoticeRow extends Omit<MappedNotices, 'ratings'> {
  contract_id: number;
  release_id: string;
  release_date: string;
  ratings: Array<MappedNotices['ratings'][number] & { supplier_id: number | null }>;
}

export interface MetricMapping {
  match_on: 'id' | 'title';
  match_value: string;
  framework: string;
  measure: string;
  note?: string | null;
}


const CONTRACT_COLUMNS = `c.reference, c.authority_id, c.supplier_id, c.title, c.title_source, c.description, c.stage, c.cpv_code8 as cpv,
  c.value_amount, c.currency, c.award_date, c.start_date, c.end_date, c.procurement_category, c.is_services,
  c.above_threshold, c.in_scope, c.sv_evaluated, c.sv_weighting_pct, c.sv_goals, c.release_date, c.ocds_provenance as provenance`;

/** Matching a metric to a measure: an explicit mapping by id, then by title, then the default framework's measure code or name. */
const MEASURE_OF_OBSERVATION = `coalesce(
  (select mm.measure_id from ocds_metric_mappings mm where mm.match_on = 'id' and mm.match_value = lower(btrim(o.metric_id))),
  (select mm.measure_id from ocds_metric_mappings mm where mm.match_on = 'title' and mm.match_value = lower(btrim(o.metric_title))),
  (select m.id from measures m join frameworks f on f.id = m.framework_id and f.is_default
     where upper(m.code) = upper(btrim(o.metric_id)) limit 1),
  (select m.id from measures m join frameworks f on f.id = m.framework_id and f.is_default
     where lower(m.name) = lower(btrim(o.metric_title)) limit 1))`;

/** An authority an OCDS import created for a buyer it could not match (its source names the batch). */
const IMPORTED = `(a.kind = 'other' and a.source like 'OCDS import batch %')`;

/** The SQL of OCDS imports: everything runs on the batch's session, inside its transaction. */
@Injectable()
export class OcdsRepository {
  constructor(
    @Inject(KNEX) private readonly knex: Knex,
    private readonly imports: ImportsRepository,
  ) {}

  async authorityKeys(s: Session) {
    const identifiers = await s.query<{ scheme: string; identifier: string } & AuthorityKey>(
      `select i.scheme, i.identifier, a.id as authority_id, a.code, ${IMPORTED} as imported
       from authority_identifiers i join authorities a on a.id = i.authority_id`,
    );
    const names = await s.query<{ name: string } & AuthorityKey>(
      `select n.name, a.id as authority_id, a.code, ${IMPORTED} as imported from authority_names n join authorities a on a.id = n.authority_id
       union select a.name, a.id, a.code, ${IMPORTED} from authorities a`,
    );
    return { identifiers, names };
  }

  async cpvCodes(s: Session): Promise<Set<string>> {
    const rows = await s.query<{ code8: string }>('select code8 from cpv_codes');
    return new Set(rows.map((r) => r.code8));
  }

  /** The releases among these already imported, with the SHA-256 of what was imported. */
  async knownReleases(s: Session, keys: Array<{ ocid: string; release_id: string }>): Promise<Map<string, string>> {
    if (keys.length === 0) return new Map();
    const rows = await s.query<{ ocid: string; release_id: string; sha256: string }>(
      `select r.ocid, r.release_id, r.sha256 from ocds_releases r
       join jsonb_to_recordset($1::jsonb) as k(ocid text, release_id text) on k.ocid = r.ocid and k.release_id = r.release_id`,
      [JSON.stringify(keys)],
    );
    return new Map(rows.map((r) => [`${r.ocid}\u0000${r.release_id}`, r.sha256]));
  }

  /** Creates authorities of kind `other` for buyers that matched none, with their name and identifier. */
  async createAuthorities(s: Session, list: NewAuthority[], source: string): Promise<Map<string, AuthorityKey>> {
    if (list.length === 0) return new Map();
    const json = JSON.stringify(list);
    await s.query(
      `insert into authorities (code, name, kind, subtype, source)
       select code, name, 'other', subtype, $2 from jsonb_to_recordset($1::jsonb) as x(code text, name text, subtype text)
       on conflict (code) do nothing`,
      [json, source],
    );
    await s.query(
      `insert into authority_names (authority_id, name, name_normalised, source)
       select a.id, x.name, x.name_normalised, $2 from jsonb_to_recordset($1::jsonb) as x(code text, name text, name_normalised text)
       join authorities a on a.code = x.code
       on conflict do nothing`,
      [json, source],
    );
    await s.query(
      `insert into authority_identifiers (scheme, identifier, authority_id, is_current)
       select x.scheme, x.identifier, a.id, true from jsonb_to_recordset($1::jsonb) as x(code text, scheme text, identifier text)
       join authorities a on a.code = x.code
       where x.scheme ~ '^[A-Z]{2}-[A-Z0-9-]+$' and x.identifier is not null
       on conflict do nothing`,
      [json],
    );
    const rows = await s.query<AuthorityKey>(
      `select a.id as authority_id, a.code from authorities a where a.code = any($1::text[])`,
      [list.map((a) => a.code)],
    );
    return new Map(rows.map((r) => [r.code, r]));
  }

  /**
   * Identifiers (a buyer's PPON) kept for the known authorities the buyers matched, so that later releases match by
   * them: one held by an `other` authority an import created is moved to the known authority; one held by another
   * known authority is left where it is.
   */
  async keepIdentifiers(s: Session, rows: Array<{ scheme: string; identifier: string; authority_id: number }>): Promise<void> {
    if (rows.length === 0) return;
    await s.query(
      `insert into authority_identifiers (scheme, identifier, authority_id, is_current)
       select distinct on (scheme, upper(identifier)) scheme, identifier, authority_id, true
       from jsonb_to_recordset($1::jsonb) as x(scheme text, identifier text, authority_id integer)
       where scheme ~ '^[A-Z]{2}-[A-Z0-9-]+$' and length(identifier) > 0
       on conflict (scheme, identifier) do update set authority_id = excluded.authority_id, is_current = true
       where authority_identifiers.authority_id in (select a.id from authorities a where ${IMPORTED})`,
      [JSON.stringify(rows)],
    );
  }

  /** The contracts with these references, as the OCDS import merges releases into them. */
  async contracts(s: Session, references: string[]): Promise<Map<string, ContractState & { id: number; authority_code: string }>> {
    if (references.length === 0) return new Map();
    const rows = await s.query<ContractState & { id: number; authority_code: string; release_date: string | Date | null }>(
      `select c.id, a.code as authority_code, ${CONTRACT_COLUMNS} from contracts c join authorities a on a.id = c.authority_id
       where c.reference = any($1::text[])`,
      [references],
    );
    return new Map(
      rows.map((r) => [
        r.reference,
        {
          ...r,
          title: r.title === r.reference ? null : r.title,
          release_date: r.release_date ? new Date(r.release_date).toISOString() : '0000-01-01T00:00:00.000Z',
        },
      ]),
    );
  }

  /**
   * Suppliers by identifier (scheme and id), else by normalised name; size and VCSE status filled in or updated when
   * a release gives them. Returns each supplier's id by its key (`scheme:identifier`, or `name:<normalised>`).
   */
  async upsertSuppliers(s: Session, suppliers: MappedSupplier[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    const identified = suppliers.filter((x) => x.scheme && x.identifier);
    if (identified.length > 0) {
      const json = JSON.stringify(identified);
      await s.query(
        `insert into suppliers (scheme, identifier, name, name_normalised, scale, vcse, supported_employment, public_service_mutual)
         select distinct on (scheme, identifier) scheme, identifier, name, ${supplierNameSql('name')}, scale, vcse, supported_employment, public_service_mutual
         from jsonb_to_recordset($1::jsonb) as x(scheme text, identifier text, name text, scale text, vcse boolean,
           supported_employment boolean, public_service_mutual boolean)
         on conflict (scheme, identifier) do update
           set scale = coalesce(excluded.scale, suppliers.scale), vcse = coalesce(excluded.vcse, suppliers.vcse),
             supported_employment = coalesce(excluded.supported_employment, suppliers.supported_employment),
             public_service_mutual = coalesce(excluded.public_service_mutual, suppliers.public_service_mutual), updated_at = now()
           where (suppliers.scale, suppliers.vcse, suppliers.supported_employment, suppliers.public_service_mutual) is distinct from
                 (coalesce(excluded.scale, suppliers.scale), coalesce(excluded.vcse, suppliers.vcse),
                  coalesce(excluded.supported_employment, suppliers.supported_employment),
                  coalesce(excluded.public_service_mutual, suppliers.public_service_mutual))`,
        [json],
      );
      const rows = await s.query<{ id: number; scheme: string; identifier: string }>(
        `select distinct e.id, e.scheme, e.identifier from jsonb_to_recordset($1::jsonb) as x(scheme text, identifier text)
         join suppliers e on e.scheme = x.scheme and e.identifier = x.identifier`,
        [json],
      );
      for (const r of rows) out.set(`${r.scheme}:${r.identifier}`, Number(r.id));
    }
    const named = suppliers.filter((x) => !(x.scheme && x.identifier));
    if (named.length > 0) {
      const json = JSON.stringify(named.map((x) => ({ name: x.name, scale: x.scale, vcse: x.vcse, se: x.supported_employment, psm: x.public_service_mutual })));
      await s.query(
        `insert into suppliers (name, name_normalised, scale, vcse, supported_employment, public_service_mutual)
         select distinct on (n) name, n, scale, vcse, se, psm
         from (select x.*, ${supplierNameSql('x.name')} as n
               from jsonb_to_recordset($1::jsonb) as x(name text, scale text, vcse boolean, se boolean, psm boolean)) y
         where not exists (select 1 from suppliers e where e.name_normalised = y.n)`,
        [json],
      );
      const rows = await s.query<{ key: string; id: number }>(
        `select distinct on (y.n) 'name:' || y.n as key, e.id
         from (select ${supplierNameSql('x.name')} as n from jsonb_to_recordset($1::jsonb) as x(name text)) y
         join suppliers e on e.name_normalised = y.n
         order by y.n, (e.scheme is null) desc, e.id`,
        [json],
      );
      for (const r of rows) out.set(r.key, Number(r.id));
    }
    return out;
  }

  /** Key of a supplier in the map upsertSuppliers returns. */
  static supplierKey(x: MappedSupplier): string {
    return x.scheme && x.identifier ? `${x.scheme}:${x.identifier}` : `name:${supplierName(x.name)}`;
  }

  /** Writes merged contracts: new ones inserted, changed ones updated, the same left alone. Returns ids by reference. */
  async upsertContracts(s: Session, rows: ContractState[], batchId: number, isDemo: boolean) {
    if (rows.length === 0) return { ids: new Map<string, number>(), inserted: 0, updated: 0 };
    const result = await s.query<{ id: number; reference: string; inserted: boolean }>(
      `insert into contracts (reference, ocid, authority_id, supplier_id, title, title_source, description, stage, cpv_code8, sector, value_gbp,
         value_amount, currency, award_date, start_date, end_date, procurement_category, is_services, above_threshold, in_scope,
         sv_evaluated, sv_weighting_pct, sv_goals, release_date, ocds_provenance, batch_id, is_demo)
       select x.reference, x.reference, x.authority_id, x.supplier_id, coalesce(x.title, x.reference), x.title_source, x.description, x.stage, x.cpv,
         left(x.cpv, 2), case when x.currency = 'GBP' then x.value_amount end, x.value_amount, x.currency, x.award_date, x.start_date,
         x.end_date, x.procurement_category, x.is_services, x.above_threshold, x.in_scope, x.sv_evaluated, x.sv_weighting_pct,
         x.sv_goals, x.release_date, x.provenance, $2, $3
       from jsonb_to_recordset($1::jsonb) as x(reference text, authority_id integer, supplier_id bigint, title text, title_source text, description text,
         stage text, cpv text, value_amount numeric, currency text, award_date date, start_date date, end_date date,
         procurement_category text, is_services boolean, above_threshold boolean, in_scope boolean, sv_evaluated boolean,
         sv_weighting_pct numeric, sv_goals text[], release_date timestamptz, provenance jsonb)
       on conflict (reference) do update set supplier_id = excluded.supplier_id, title = excluded.title,
         title_source = excluded.title_source,
         description = excluded.description, stage = excluded.stage, cpv_code8 = excluded.cpv_code8, sector = excluded.sector,
         value_gbp = excluded.value_gbp, value_amount = excluded.value_amount, currency = excluded.currency,
         award_date = excluded.award_date, start_date = excluded.start_date, end_date = excluded.end_date,
         procurement_category = excluded.procurement_category, is_services = excluded.is_services,
         above_threshold = excluded.above_threshold, in_scope = excluded.in_scope, sv_evaluated = excluded.sv_evaluated,
         sv_weighting_pct = excluded.sv_weighting_pct, sv_goals = excluded.sv_goals, release_date = excluded.release_date,
         ocds_provenance = excluded.ocds_provenance,
         ocid = excluded.ocid, batch_id = excluded.batch_id, updated_at = now()
       where (contracts.supplier_id, contracts.title, contracts.title_source, contracts.description, contracts.stage, contracts.cpv_code8,
              contracts.value_amount, contracts.currency, contracts.award_date, contracts.start_date, contracts.end_date,
              contracts.procurement_category, contracts.is_services, contracts.above_threshold, contracts.in_scope,
              contracts.sv_evaluated, contracts.sv_weighting_pct, contracts.sv_goals, contracts.release_date, contracts.ocds_provenance)
         is distinct from
             (excluded.supplier_id, excluded.title, excluded.title_source, excluded.description, excluded.stage, excluded.cpv_code8,
              excluded.value_amount, excluded.currency, excluded.award_date, excluded.start_date, excluded.end_date,
              excluded.procurement_category, excluded.is_services, excluded.above_threshold, excluded.in_scope,
              excluded.sv_evaluated, excluded.sv_weighting_pct, excluded.sv_goals, excluded.release_date, excluded.ocds_provenance)
       returning id, reference, (xmax = 0) as inserted`,
      [JSON.stringify(rows), batchId, isDemo],
    );
    const ids = new Map(result.map((r) => [r.reference, Number(r.id)]));
    const inserted = result.filter((r) => r.inserted).length;
    return { ids, inserted, updated: result.length - inserted };
  }

  async linkSuppliers(s: Session, pairs: Array<{ contract_id: number; supplier_id: number }>): Promise<void> {
    if (pairs.length === 0) return;
    await s.query(
      `insert into contract_suppliers (contract_id, supplier_id)
       select distinct contract_id, supplier_id from jsonb_to_recordset($1::jsonb) as x(contract_id bigint, supplier_id bigint)
       on conflict do nothing`,
      [JSON.stringify(pairs)],
    );
  }

  async insertReleases(s: Session, rows: ReleaseRow[], batchId: number): Promise<void> {
    if (rows.length === 0) return;
    await s.query(
      `insert into ocds_releases (ocid, release_id, release_date, tags, sha256, contract_id, body, batch_id)
       select ocid, release_id, release_date, tags, sha256, contract_id, body, $2
       from json_to_recordset($1::json) as x(ocid text, release_id text, release_date timestamptz, tags text[], sha256 text,
         contract_id bigint, body json)
       on conflict (ocid, release_id) do nothing`,
      [JSON.stringify(rows), batchId],
    );
  }

  /** The compiled releases of these processes (by ocid), as kept. */
  async compiled(s: Session, ocids: string[]): Promise<Map<string, CompiledRow>> {
    if (ocids.length === 0) return new Map();
    const rows = await s.query<CompiledRow>(
      `select ocid, contract_id, compiled, release_count, complete, award_corrections from ocds_compiled where ocid = any($1::text[])`,
      [ocids],
    );
    return new Map(rows.map((r) => [r.ocid, { ...r, contract_id: Number(r.contract_id), release_count: Number(r.release_count) }]));
  }

  /**
   * The releases held for these processes as published, oldest first (by date, then by when imported), and how many
   * of each process's releases have no body (imported before bodies were kept).
   */
  async releaseBodies(s: Session, ocids: string[]): Promise<Map<string, { bodies: unknown[]; missing: number }>> {
    const out = new Map<string, { bodies: unknown[]; missing: number }>();
    if (ocids.length === 0) return out;
    const rows = await s.query<{ ocid: string; body: unknown }>(
      `select ocid, body from ocds_releases where ocid = any($1::text[]) order by ocid, release_date, id`,
      [ocids],
    );
    for (const r of rows) {
      let held = out.get(r.ocid);
      if (!held) out.set(r.ocid, (held = { bodies: [], missing: 0 }));
      if (r.body === null || r.body === undefined) held.missing += 1;
      else held.bodies.push(typeof r.body === 'string' ? JSON.parse(r.body) : r.body);
    }
    return out;
  }

  /** Writes compiled releases: new processes inserted, the others replaced. */
  async upsertCompiled(s: Session, rows: Array<CompiledRow & { release_date: string }>, batchId: number): Promise<void> {
    if (rows.length === 0) return;
    await s.query(
      `insert into ocds_compiled (ocid, contract_id, compiled, release_count, release_date, complete, award_corrections, batch_id)
       select ocid, contract_id, compiled, release_count, release_date, complete, award_corrections, $2
       from json_to_recordset($1::json) as x(ocid text, contract_id bigint, compiled json, release_count integer,
         release_date timestamptz, complete boolean, award_corrections jsonb)
       on conflict (ocid) do update set contract_id = excluded.contract_id, compiled = excluded.compiled,
         release_count = excluded.release_count, release_date = excluded.release_date, complete = excluded.complete,
         award_corrections = excluded.award_corrections, batch_id = excluded.batch_id, updated_at = now()`,
      [JSON.stringify(rows), batchId],
    );
  }

  async insertObservations(s: Session, rows: ObservationRow[], batchId: number): Promise<void> {
    if (rows.length === 0) return;
    await s.query(
      `insert into ocds_observations (contract_id, ocid, release_id, release_date, path, kind, metric_id, metric_title,
         period_start, period_end, quantity, unit, batch_id)
       select contract_id, ocid, release_id, release_date, path, kind, metric_id, metric_title, period_start, period_end,
         quantity, unit, $2
       from jsonb_to_recordset($1::jsonb) as x(contract_id bigint, ocid text, release_id text, release_date timestamptz,
         path text, kind text, metric_id text, metric_title text, period_start date, period_end date, quantity numeric, unit text)`,
      [JSON.stringify(rows), batchId],
    );
  }

  /**
   * The Procurement Act notices of a chunk's releases: KPIs (the newest release's text of each KPI), the rationale for
   * none, performance ratings (every notice kept: a re-sent one adds nothing, a later one for the same KPI and period
   * supersedes the earlier when read), failures and events (the newest release's account of each). What was new.
   */
  async writeNotices(s: Session, rows: NoticeRow[], batchId: number) {
    const out = { kpis: 0, ratings: 0, failures: 0, changes: 0, terminations: 0, cancellations: 0 };
    if (rows.length === 0) return out;
    const flat = <T>(pick: (r: NoticeRow) => T[]) =>
      JSON.stringify(rows.flatMap((r) => pick(r).map((x) => ({ ...x, contract_id: r.contract_id, release_id: r.release_id, release_date: r.release_date }))));
    const newer = (t: string) => `where excluded.release_date >= ${t}.release_date`;
    await s.query(
      `update contracts c set kpi_rationale = x.kpi_rationale
       from jsonb_to_recordset($1::jsonb) as x(contract_id bigint, kpi_rationale text)
       where c.id = x.contract_id and c.kpi_rationale is distinct from x.kpi_rationale`,
      [JSON.stringify(rows.filter((r) => r.kpis.length > 0 || r.kpi_rationale).map((r) => ({ contract_id: r.contract_id, kpi_rationale: r.kpi_rationale })))],
    );
    const kpis = await s.query(
      `insert into contract_kpis (contract_id, metric_id, title, description, release_id, release_date, batch_id)
       select distinct on (contract_id, metric_id) contract_id, metric_id, title, description, release_id, release_date, $2
       from jsonb_to_recordset($1::jsonb) as x(contract_id bigint, metric_id text, title text, description text, release_id text, release_date timestamptz)
       order by contract_id, metric_id, release_date desc
       on conflict (contract_id, metric_id) do update set title = excluded.title, description = excluded.description,
         release_id = excluded.release_id, release_date = excluded.release_date, batch_id = excluded.batch_id
       ${newer('contract_kpis')} and (contract_kpis.title, contract_kpis.description) is distinct from (excluded.title, excluded.description)
       returning 1`,
      [flat((r) => r.kpis), batchId],
    );
    out.kpis = kpis.length;
    const ratings = await s.query(
      `insert into contract_performance (contract_id, metric_id, observation_id, period_start, period_end, classification, rating,
         notes, supplier_id, release_id, release_date, batch_id)
       select contract_id, metric_id, observation_id, period_start, period_end, classification, rating, notes, supplier_id,
         release_id, release_date, $2
       from jsonb_to_recordset($1::jsonb) as x(contract_id bigint, metric_id text, observation_id text, period_start date,
         period_end date, classification text, rating text, notes text, supplier_id bigint, release_id text, release_date timestamptz)
       on conflict do nothing
       returning 1`,
      [flat((r) => r.ratings.map(({ supplier: _supplier, ...x }) => x)), batchId],
    );
    out.ratings = ratings.length;
    const failures = await s.query<{ inserted: boolean }>(
      `insert into performance_failures (contract_id, failure_key, requirement, description, decision_date, penalty_date,
         penalty_type, penalty_value_gbp, partial_termination, release_id, release_date, batch_id)
       select distinct on (contract_id, failure_key) contract_id, failure_key, requirement, description, decision_date,
         penalty_date, penalty_type, penalty_value_gbp, partial_termination, release_id, release_date, $2
       from jsonb_to_recordset($1::jsonb) as x(contract_id bigint, failure_key text, requirement text, description text,
         decision_date date, penalty_date date, penalty_type text, penalty_value_gbp numeric, partial_termination text,
         release_id text, release_date timestamptz)
       order by contract_id, failure_key, release_date desc
       on conflict (contract_id, failure_key) do update set requirement = excluded.requirement, description = excluded.description,
         decision_date = excluded.decision_date, penalty_date = excluded.penalty_date, penalty_type = excluded.penalty_type,
         penalty_value_gbp = excluded.penalty_value_gbp, partial_termination = excluded.partial_termination,
         release_id = excluded.release_id, release_date = excluded.release_date, batch_id = excluded.batch_id
       ${newer('performance_failures')} and (performance_failures.requirement, performance_failures.description,
         performance_failures.decision_date, performance_failures.penalty_date, performance_failures.penalty_type,
         performance_failures.penalty_value_gbp, performance_failures.partial_termination)
         is distinct from (excluded.requirement, excluded.description, excluded.decision_date, excluded.penalty_date,
         excluded.penalty_type, excluded.penalty_value_gbp, excluded.partial_termination)
       returning (xmax = 0) as inserted`,
      [flat((r) => r.failures), batchId],
    );
    out.failures = failures.filter((f) => f.inserted).length;
    const events = await s.query<{ kind: 'change' | 'termination' | 'cancellation'; inserted: boolean }>(
      `insert into contract_events (contract_id, kind, event_key, event_date, description, rationale, release_id, release_date, batch_id)
       select distinct on (contract_id, kind, event_key) contract_id, kind, event_key, event_date, description, rationale,
         release_id, release_date, $2
       from jsonb_to_recordset($1::jsonb) as x(contract_id bigint, kind text, event_key text, event_date date, description text,
         rationale text, release_id text, release_date timestamptz)
       order by contract_id, kind, event_key, release_date desc
       on conflict (contract_id, kind, event_key) do update set event_date = excluded.event_date,
         description = excluded.description, rationale = excluded.rationale, release_id = excluded.release_id,
         release_date = excluded.release_date, batch_id = excluded.batch_id
       ${newer('contract_events')} and (contract_events.event_date, contract_events.description, contract_events.rationale)
         is distinct from (excluded.event_date, excluded.description, excluded.rationale)
       returning kind, (xmax = 0) as inserted`,
      [flat((r) => r.events), batchId],
    );
    for (const e of events) {
      if (!e.inserted) continue;
      if (e.kind === 'change') out.changes += 1;
      else if (e.kind === 'termination') out.terminations += 1;
      else out.cancellations += 1;
    }
    return out;
  }

  async insertProblems(s: Session, batchId: number, problems: StoredProblem[]): Promise<void> {
    for (let i = 0; i < problems.length; i += 5000) {
      await s.query(
        `insert into import_rejections (batch_id, row_number, release_id, field, code, message, value, severity)
         select $2, row_number, release_id, path, code, message, value, severity
         from jsonb_to_recordset($1::jsonb) as x(row_number integer, release_id text, path text, code text, message text,
           value text, severity text)`,
        [JSON.stringify(problems.slice(i, i + 5000)), batchId],
      );
    }
  }

  /**
   * Turns metric observations into commitments (targets) and outcomes (actuals) through the metric mapping, merging
   * them as the returns imports do: new ones inserted, changed ones revised. For each contract, measure and period the
   * observation of the newest release wins. `batchId`: only the winners this batch brought are applied (what earlier
   * batches brought was applied then, and may since have been corrected by a return). `insertOnly` (a new mapping):
   * only keys that hold no commitment or outcome yet. Observations that map to no measure, whose unit does not
   * convert, or that lose to another metric mapped to the same measure are reported on `reportTo` as warnings.
   */
  async applyObservations(s: Session, scope: { batchId: number | null; reportTo: number | null; isDemo: boolean; insertOnly?: boolean }) {
    await s.query('drop table if exists ocds_resolved');
    await s.query(
      `create temp table ocds_resolved on commit drop as
       select o.*, m.id as measure_id, m.unit as measure_unit,
         ${unitFactorSql('coalesce(o.unit, m.unit)', 'm', { anyCase: true })} as factor,
         row_number() over (partition by o.contract_id, o.kind, m.id, o.period_start, o.period_end
           order by o.release_date desc, o.id desc) as pick
       from (
         select o.*, ${MEASURE_OF_OBSERVATION} as mapped_measure_id
         from ocds_observations o
         where ($1::bigint is null or o.contract_id in (select contract_id from ocds_observations where batch_id = $1))
       ) o
       left join measures m on m.id = o.mapped_measure_id`,
      [scope.batchId],
    );
    if (scope.reportTo !== null) {
      await s.query(
        `insert into import_rejections (batch_id, row_number, release_id, field, code, message, value, severity)
         select $1, null, release_id, path,
           case when measure_id is null then 'unmapped_metric' else 'unit_not_convertible' end,
           case when measure_id is null
             then format('metric %s maps to no measure: kept, and counted once a mapping names its measure', coalesce(metric_id, metric_title))
             else format('unit %s cannot be converted to %s, the unit of the measure', coalesce(unit, '(none)'), measure_unit) end,
           left(coalesce(metric_id, metric_title), 200), 'warning'
         from ocds_resolved where (measure_id is null or factor is null) and ($2::bigint is null or batch_id = $2)`,
        [scope.reportTo, scope.batchId],
      );
      await s.query(
        `insert into import_rejections (batch_id, row_number, release_id, field, code, message, value, severity)
         select $1, null, l.release_id, l.path, 'metric_collision',
           format('metric %s and metric %s both map to one measure for %s to %s: the newer release''s, %s, is kept',
             coalesce(l.metric_id, l.metric_title), coalesce(w.metric_id, w.metric_title), l.period_start, l.period_end,
             coalesce(w.metric_id, w.metric_title)),
           left(coalesce(l.metric_id, l.metric_title), 200), 'warning'
         from ocds_resolved l
         join ocds_resolved w on w.pick = 1 and w.contract_id = l.contract_id and w.kind = l.kind and w.measure_id = l.measure_id
           and w.period_start = l.period_start and w.period_end = l.period_end
         where l.pick > 1 and l.measure_id is not null and ($2::bigint is null or l.batch_id = $2)
           and (l.metric_id, l.metric_title) is distinct from (w.metric_id, w.metric_title)`,
        [scope.reportTo, scope.batchId],
      );
    }
    const counts = { commitments: 0, outcomes: 0, unmapped: 0 };
    for (const kind of ['commitments', 'outcomes'] as const) {
      const value = kind === 'outcomes' ? 'quantity' : 'target_quantity';
      const canonical = kind === 'outcomes' ? 'quantity_canonical' : 'target_canonical';
      await s.query('drop table if exists import_resolved');
      await s.query(
        `create temp table import_resolved on commit drop as
         select r.contract_id, r.measure_id, r.period_start, r.period_end, r.quantity as ${value}, coalesce(r.unit, r.measure_unit) as unit,
           r.quantity * r.factor as ${canonical}, r.release_id as evidence_ref, null::text as final_code
         from ocds_resolved r
         where r.kind = $1 and r.measure_id is not null and r.factor is not null and r.pick = 1
           and ($2::bigint is null or r.batch_id = $2)
           and not ($3 and exists (select 1 from ${kind} t where t.contract_id = r.contract_id and t.measure_id = r.measure_id
             and t.period_start = r.period_start and t.period_end = r.period_end and t.is_latest))`,
        [kind === 'outcomes' ? 'actual' : 'target', scope.batchId, scope.insertOnly ?? false],
      );
      const merged = await this.imports.merge(s, kind, scope.reportTo, scope.isDemo);
      counts[kind] = merged.rows_inserted + merged.rows_updated;
    }
    const [u] = await s.query<{ n: number }>(
      'select count(*) as n from ocds_resolved where (measure_id is null or factor is null) and ($1::bigint is null or batch_id = $1)',
      [scope.batchId],
    );
    counts.unmapped = Number(u.n);
    return counts;
  }

  /** A savepoint in the batch's transaction (a strict batch with a rejected release rolls its data back to it). */
  async savepoint(s: Session, name: string): Promise<void> {
    await s.query(`savepoint ${name}`);
  }

  async rollbackTo(s: Session, name: string): Promise<void> {
    await s.query(`rollback to savepoint ${name}`);
  }

  /** How many of these contracts (by reference) are at each stage. */
  async stages(s: Session, references: string[]): Promise<Array<{ stage: string; n: number }>> {
    const rows = await s.query<{ stage: string; n: number | string }>(
      'select stage, count(*) as n from contracts where reference = any($1::text[]) group by stage',
      [references],
    );
    return rows.map((r) => ({ stage: r.stage, n: Number(r.n) }));
  }

  async setSummary(s: Session, batchId: number, summary: unknown): Promise<void> {
    await s.query('update import_batches set summary = $2::jsonb where id = $1', [batchId, JSON.stringify(summary)]);
  }

  // ---- metric mappings (knex: outside any import)

  async listMappings() {
    return this.knex('ocds_metric_mappings as mm')
      .join('measures as m', 'm.id', 'mm.measure_id')
      .join('frameworks as f', 'f.id', 'm.framework_id')
      .orderBy(['mm.match_on', 'mm.match_value'])
      .select('mm.match_on', 'mm.match_value', 'f.code as framework', 'm.code as measure', 'mm.note');
  }

  /** Resolves each mapping's framework and measure; returns the problems (by index) or the rows to write. */
  async resolveMappings(list: MetricMapping[]) {
    // every measure of the frameworks named, in one query; a framework code means its newest version
    const found = await this.knex('measures as m')
      .join('frameworks as f', 'f.id', 'm.framework_id')
      .whereIn('f.code', [...new Set(list.map((m) => m.framework))])
      .orderBy('f.created_at', 'asc')
      .select('m.id', 'm.code', 'f.code as framework');
    const measureId = new Map(found.map((r: { id: number; code: string; framework: string }) => [`${r.framework}\u0000${r.code}`, r.id]));
    const rows: Array<{ match_on: string; match_value: string; measure_id: number; note: string | null }> = [];
    const problems: Array<{ index: number; field: string; message: string }> = [];
    for (const [index, m] of list.entries()) {
      const id = measureId.get(`${m.framework}\u0000${m.measure}`);
      if (id === undefined) problems.push({ index, field: 'measure', message: `no measure ${m.measure} in framework ${m.framework}` });
      else rows.push({ match_on: m.match_on, match_value: m.match_value.trim().toLowerCase(), measure_id: id, note: m.note ?? null });
    }
    return { rows, problems };
  }

  async replaceMappings(s: Session, rows: Array<{ match_on: string; match_value: string; measure_id: number; note: string | null }>) {
    await s.query('delete from ocds_metric_mappings');
    if (rows.length > 0) {
      await s.query(
        `insert into ocds_metric_mappings (match_on, match_value, measure_id, note)
         select match_on, match_value, measure_id, note from jsonb_to_recordset($1::jsonb)
           as x(match_on text, match_value text, measure_id integer, note text)`,
        [JSON.stringify(rows)],
      );
    }
  }
}
