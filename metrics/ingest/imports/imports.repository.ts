import { Inject, Injectable } from '@nestjs/common';
import type { Knex } from 'knex';
import { KNEX } from '../../platform/tokens';
import type { Session } from '../../platform/session';
import { DomainError } from '../../platform/errors';
import { supplierNameSql } from '../../platform/sql';
import { EXCHANGE_KINDS, MEASURE_KINDS, stagedColumns, type ImportKind } from './import-rows';

export interface BatchRecord {
  id: number;
  kind: string;
  status: 'received' | 'running' | 'committed' | 'rejected' | 'failed';
  mode: 'strict' | 'partial';
  api_key_id: number | null;
  file_name: string | null;
  content_type: string | null;
  sha256: string | null;
  byte_count: number | null;
  idempotency_key: string | null;
  rows_total: number;
  rows_inserted: number;
  rows_updated: number;
  rows_unchanged: number;
  rows_rejected: number;
  is_demo: boolean;
  error: string | null;
  /** What an OCDS batch found: how buyers matched, suppliers, contracts, metrics (null for other imports). */
  summary: Record<string, unknown> | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

/** The process that runs a batch: a random id of this start, its host and pid. */
export interface BatchOwner {
  instance: string;
  host: string;
  pid: number;
}

/** An open batch as the check of open batches sees it. */
export interface OpenBatch {
  id: number;
  owner_instance: string | null;
  owner_host: string | null;
  owner_pid: number | null;
  backend_pid: number | null;
  /** Since its last heartbeat (or its start). */
  silent_ms: number;
  /** Its database backend is still there (server only). */
  backend_alive: boolean;
}

const OPEN_STATUSES = ['received', 'running'];

export interface BatchCounts {
  rows_total: number;
  rows_inserted: number;
  rows_updated: number;
  rows_unchanged: number;
  rows_rejected: number;
}

export interface RejectionRecord {
  row_number: number | null;
  /** OCDS: the release named, and whether the problem rejected it (error) or was only reported (warning). */
  release_id?: string | null;
  severity?: 'error' | 'warning';
  field: string | null;
  code: string;
  message: string;
  value: string | null;
}

const BATCH_COLUMNS = `id, kind, status, mode, api_key_id, file_name, content_type, sha256, byte_count, idempotency_key,
  rows_total, rows_inserted, rows_updated, rows_unchanged, rows_rejected, is_demo, error, summary, created_at, started_at, finished_at`;

/** The staging table of a batch: every column text, plus the row number and a row-local error if any. */
export const STAGE_TABLE = 'import_stage';
export const stageColumns = (kind: ImportKind) => [
  'row_number',
  ...stagedColumns(kind),
  'err_field',
  'err_code',
  'err_message',
  'err_value',
];

/**
 * Resolves staged rows against the database and names the first problem of each, in one pass. `allowed` is null
 * for a key that writes for every authority, else the authority codes the sender may write for. (A row repeating
 * the key of an earlier good row is marked afterwards: DUPLICATES.)
 */
function resolveLines(value: 'quantity' | 'target_quantity', canonical: string, extra: string): string {
  return `
    create temp table import_resolved on commit drop as
    select x.*, x.code as final_code
    from (
      select s.row_number, s.contract, s.measure, s.framework, s.unit, ${extra}
        s.period_start::date as period_start, s.period_end::date as period_end, s.${value}::numeric as ${value},
        c.id as contract_id, im.measure_id, im.factor,
        (s.${value}::numeric * im.factor) as ${canonical},
        s.err_field, s.err_message, s.err_value,
        case
          when s.err_code is not null then s.err_code
          when c.id is null then 'unknown_contract'
          when im.framework_id is null then 'unknown_framework'
          when im.measure_id is null then 'unknown_measure'
          when im.factor is null then 'unit_not_convertible'
          when $1::text[] is not null and not (a.code = any($1::text[])) then 'authority_not_allowed'
          when (c.start_date is not null and s.period_end::date < c.start_date)
            or (c.end_date is not null and s.period_start::date > c.end_date) then 'period_outside_contract'
        end as code,
        c.start_date as contract_start, c.end_date as contract_end, a.code as authority_code, im.measure_unit
      from import_stage s
      left join contracts c on c.reference = s.contract and s.err_code is null
      left join authorities a on a.id = c.authority_id
      left join import_measures im
        on coalesce(im.framework, '') = coalesce(s.framework, '') and im.measure = s.measure and im.unit = s.unit
    ) x`;
}

/**
 * Good rows repeating the key of an earlier good row of the file: duplicate_in_batch (the first one is kept). The keys
 * held twice are found by one hash aggregate; only their rows are touched.
 */
function duplicatesInBatch(keys: string[]): string {
  return `update import_resolved r set final_code = 'duplicate_in_batch'
    from (select ${keys.join(', ')}, min(row_number) as first from import_resolved where code is null
          group by ${keys.join(', ')} having count(*) > 1) d
    where r.code is null and ${keys.map((k) => `r.${k} = d.${k}`).join(' and ')} and r.row_number > d.first`;
}

/**
 * The quantity in the measure's unit, as the single routes store it (6 places), or a problem: it must stay above 0 and
 * within numeric(24, 6).
 */
const EXCHANGE_QUANTITY = `round(s.quantity::numeric * im.factor, 6)`;

/**
 * Needs ($2: the day of the import). A need held under the same organisation and reference is the row's: identical,
 * it is left; changed, it is updated, unless accepted matches hold some of it (already_matched: nothing about matches
 * changes in bulk). A needed_by in the past is refused unless it is the one held.
 */
const RESOLVE_NEEDS = `
  create temp table import_resolved on commit drop as
  select x.*, x.code as final_code
  from (
    select y.*,
      case
        when y.err_code is not null then y.err_code
        when y.organisation_id is null then 'unknown_organisation'
        when y.authority_id is null then 'unknown_authority'
        when $1::text[] is not null and not (y.authority = any($1::text[])) then 'authority_not_allowed'
        when y.framework_id is null then 'unknown_framework'
        when y.measure_id is null then 'unknown_measure'
        when y.factor is null then 'unit_not_convertible'
        when y.needed_by < $2::date and y.needed_by is distinct from y.existing_needed_by then 'in_the_past'
        when y.quantity_measure <= 0 or y.quantity_measure >= 1e18 then 'out_of_range'
        when y.changed and y.existing_matched > 0 then 'already_matched'
      end as code
    from (
      select s.row_number, s.organisation, s.reference, s.title, s.description, s.resource_kind, s.quantity::numeric as quantity,
        s.unit, s.measure, s.framework, s.authority, s.needed_by::date as needed_by,
        o.id as organisation_id, a.id as authority_id, im.framework_id, im.measure_id, im.measure_unit, im.factor,
        ${EXCHANGE_QUANTITY} as quantity_measure,
        e.id as existing_id, e.matched as existing_matched, e.needed_by as existing_needed_by,
        e.id is not null and (e.title, e.description, e.resource_kind, e.quantity, e.unit, e.measure_id, e.authority_id, e.needed_by)
          is distinct from (s.title, s.description, s.resource_kind, s.quantity::numeric, s.unit, im.measure_id, a.id, s.needed_by::date)
          as changed,
        s.err_code, s.err_field, s.err_message, s.err_value
      from import_stage s
      left join exchange_organisations o on o.identifier = s.organisation and s.err_code is null
      left join authorities a on a.code = s.authority and s.err_code is null
      left join import_measures im
        on coalesce(im.framework, '') = coalesce(s.framework, '') and im.measure = s.measure and im.unit = s.unit
      left join exchange_needs e on e.organisation_id = o.id and e.reference = s.reference
    ) y
  ) x`;

/**
 * Pledges ($2: the day of the import): against a contract that names its supplier, held by (supplier, reference);
 * places default to the contract's authority, available_from to the day of the import (a pledge held keeps its own
 * dates when the row gives none), available_to to a year after available_from. A pledge beyond what the contract
 * commits is accepted (the single route only warns).
 */
const RESOLVE_PLEDGES = `
  create temp table import_resolved on commit drop as
  select x.*, x.code as final_code
  from (
    select y.*,
      case
        when y.err_code is not null then y.err_code
        when y.contract_id is null then 'unknown_contract'
        when y.supplier_id is null then 'contract_without_supplier'
        when $1::text[] is not null and not (y.authority_code = any($1::text[])) then 'authority_not_allowed'
        when y.framework_id is null then 'unknown_framework'
        when y.measure_id is null then 'unknown_measure'
        when y.factor is null then 'unit_not_convertible'
        when y.unknown_place is not null then 'unknown_authority'
        when y.available_to < y.available_from then 'invalid_date'
        when y.quantity_measure <= 0 or y.quantity_measure >= 1e18 then 'out_of_range'
        when y.changed and y.existing_matched > 0 then 'already_matched'
      end as code
    from (
      select z.*,
        z.existing_id is not null and (e.contract_id, e.measure_id, e.title, e.resource_kind, e.quantity, e.unit, e.reach,
            e.available_from, e.available_to, z.existing_places)
          is distinct from (z.contract_id, z.measure_id, z.title, z.resource_kind, z.quantity, z.unit, z.reach,
            z.available_from, z.available_to, z.place_ids) as changed
      from (
        select s.row_number, s.contract, s.reference, s.title, s.resource_kind, s.quantity::numeric as quantity, s.unit, s.measure,
          s.framework, coalesce(s.places, a.code) as places, coalesce(s.reach, 'neighbours') as reach,
          c.id as contract_id, c.supplier_id, a.code as authority_code,
          im.framework_id, im.measure_id, im.measure_unit, im.factor, ${EXCHANGE_QUANTITY} as quantity_measure,
          pl.ids as place_ids, pl.unknown as unknown_place,
          d.available_from, coalesce(s.available_to::date,
            case when s.available_from is null and e.id is not null then e.available_to end, d.available_from + 365) as available_to,
          e.id as existing_id, e.matched as existing_matched,
          (select array_agg(pp.authority_id order by pp.authority_id) from exchange_pledge_places pp where pp.pledge_id = e.id) as existing_places,
          s.err_code, s.err_field, s.err_message, s.err_value
        from import_stage s
        left join contracts c on c.reference = s.contract and s.err_code is null
        left join authorities a on a.id = c.authority_id
        left join import_measures im
          on coalesce(im.framework, '') = coalesce(s.framework, '') and im.measure = s.measure and im.unit = s.unit
        left join exchange_pledges e on e.supplier_id = c.supplier_id and e.reference = s.reference
        left join lateral (
          select array_agg(pa.id order by pa.id) filter (where pa.id is not null) as ids,
            min(p.code) filter (where pa.id is null) as unknown
          from unnest(string_to_array(coalesce(s.places, a.code), ';')) p (code)
          left join authorities pa on pa.code = p.code
        ) pl on true
        cross join lateral (select coalesce(s.available_from::date, e.available_from, $2::date) as available_from) d
      ) z
      left join exchange_pledges e on e.id = z.existing_id
    ) y
  ) x`;

const RESOLVE: Record<ImportKind, string> = {
  outcomes: resolveLines('quantity', 'quantity_canonical', 's.evidence_ref,'),
  commitments: resolveLines('target_quantity', 'target_canonical', ''),
  contracts: `
    create temp table import_resolved on commit drop as
    select x.*, x.code as final_code
    from (
      select s.*, a.id as authority_id, cp.code8 as cpv_code8, existing.authority_code as existing_authority,
        case
          when s.err_code is not null then s.err_code
          when a.id is null then 'unknown_authority'
          when $1::text[] is not null and not (a.code = any($1::text[])) then 'authority_not_allowed'
          when existing.authority_code is not null and existing.authority_code <> a.code then 'conflicting_authority'
          when s.cpv is not null and cp.code8 is null then 'unknown_cpv'
        end as code
      from import_stage s
      left join authorities a on a.code = s.authority
      left join cpv_codes cp on cp.code8 = s.cpv
      left join lateral (
        select ea.code as authority_code from contracts ec join authorities ea on ea.id = ec.authority_id
        where ec.reference = s.reference
      ) existing on true
    ) x`,
  payments: `
    create temp table import_resolved on commit drop as
    select x.*, x.code as final_code
    from (
      select s.row_number, s.authority, a.id as authority_id, s.period_start::date as period_start, s.period_end::date as period_end,
        s.average_days_to_pay::numeric(8, 2) as average_days, s.pct_paid_1_30::numeric(6, 2) as pct_1_30,
        s.pct_paid_31_60::numeric(6, 2) as pct_31_60, s.pct_paid_61_plus::numeric(6, 2) as pct_61_plus,
        s.pct_not_paid_when_due::numeric(6, 2) as pct_not_paid_when_due,
        s.err_field, s.err_message, s.err_value,
        case
          when s.err_code is not null then s.err_code
          when a.id is null then 'unknown_authority'
          when $1::text[] is not null and not (a.code = any($1::text[])) then 'authority_not_allowed'
        end as code
      from import_stage s
      left join authorities a on a.code = s.authority and s.err_code is null
    ) x`,
  needs: RESOLVE_NEEDS,
  pledges: RESOLVE_PLEDGES,
};

/** The key of a row of each import: a good row repeating an earlier one's key in the file is duplicate_in_batch. */
const BATCH_KEYS: Record<ImportKind, string[]> = {
  contracts: ['reference'],
  commitments: ['contract_id', 'measure_id', 'period_start', 'period_end'],
  outcomes: ['contract_id', 'measure_id', 'period_start', 'period_end'],
  payments: ['authority_id', 'period_start', 'period_end'],
  needs: ['organisation_id', 'reference'],
  pledges: ['supplier_id', 'reference'],
};

const MESSAGES = `
  case final_code
    when 'unknown_contract' then format('no contract with reference %s', contract)
    when 'unknown_framework' then format('no framework %s', coalesce(framework, '(default)'))
    when 'unknown_measure' then format('no measure %s in framework %s', measure, coalesce(framework, '(default)'))
    when 'unit_not_convertible' then format('unit %s cannot be converted to %s, the unit of %s', unit, measure_unit, measure)
    when 'authority_not_allowed' then format('this key may not write for %s', authority_code)
    when 'period_outside_contract' then format('the period %s to %s is outside the contract (%s to %s)', period_start, period_end,
      coalesce(contract_start::text, '?'), coalesce(contract_end::text, '?'))
    when 'duplicate_in_batch' then 'the same contract, measure and period appear on an earlier row of this file'
    else err_message
  end`;

const FIELDS = `
  case final_code
    when 'unknown_contract' then 'contract'
    when 'unknown_framework' then 'framework'
    when 'unknown_measure' then 'measure'
    when 'unit_not_convertible' then 'unit'
    when 'authority_not_allowed' then 'contract'
    when 'period_outside_contract' then 'period'
    when 'duplicate_in_batch' then 'period'
    else err_field
  end`;

const CONTRACT_MESSAGES = `
  case final_code
    when 'unknown_authority' then format('no authority with code %s', authority)
    when 'authority_not_allowed' then format('this key may not write for %s', authority)
    when 'conflicting_authority' then format('contract %s belongs to %s, not %s', reference, existing_authority, authority)
    when 'unknown_cpv' then format('no CPV code %s', cpv)
    when 'duplicate_in_batch' then format('reference %s appears on an earlier row of this file', reference)
    else err_message
  end`;

const CONTRACT_FIELDS = `
  case final_code
    when 'unknown_authority' then 'authority'
    when 'authority_not_allowed' then 'authority'
    when 'conflicting_authority' then 'authority'
    when 'unknown_cpv' then 'cpv'
    when 'duplicate_in_batch' then 'reference'
    else err_field
  end`;

const VALUES = `
  case final_code
    when 'unknown_contract' then contract
    when 'unknown_framework' then framework
    when 'unknown_measure' then measure
    when 'unit_not_convertible' then unit
    when 'authority_not_allowed' then contract
    when 'period_outside_contract' then period_start || '/' || period_end
    when 'duplicate_in_batch' then period_start || '/' || period_end
    else err_value
  end`;

const CONTRACT_VALUES = `
  case final_code
    when 'unknown_authority' then authority
    when 'authority_not_allowed' then authority
    when 'conflicting_authority' then authority
    when 'unknown_cpv' then cpv
    when 'duplicate_in_batch' then reference
    else err_value
  end`;

const PAYMENT_MESSAGES = `
  case final_code
    when 'unknown_authority' then format('no authority with code %s', authority)
    when 'authority_not_allowed' then format('this key may not write for %s', authority)
    when 'duplicate_in_batch' then format('authority %s and the period %s to %s appear on an earlier row of this file', authority, period_start, period_end)
    else err_message
  end`;

const PAYMENT_FIELDS = `
  case final_code
    when 'unknown_authority' then 'authority'
    when 'authority_not_allowed' then 'authority'
    when 'duplicate_in_batch' then 'period_start'
    else err_field
  end`;

const PAYMENT_VALUES = `
  case final_code
    when 'unknown_authority' then authority
    when 'authority_not_allowed' then authority
    when 'duplicate_in_batch' then period_start || '/' || period_end
    else err_value
  end`;

/** The wording of the measure, unit and quantity problems of the exchange's imports (needs and pledges). */
const EXCHANGE_MEASURE_MESSAGES = `
    when 'unknown_framework' then format('no framework %s', coalesce(framework, '(default)'))
    when 'unknown_measure' then format('no measure %s in framework %s', measure, coalesce(framework, '(default)'))
    when 'unit_not_convertible' then format('unit %s cannot be converted to %s, the unit of %s', unit, measure_unit, measure)
    when 'out_of_range' then format('quantity %s %s is %s %s of %s: above 0 and below 10^18 can be held', quantity, unit,
      quantity_measure, measure_unit, measure)`;
const EXCHANGE_MEASURE_FIELDS = `
    when 'unknown_framework' then 'framework'
    when 'unknown_measure' then 'measure'
    when 'unit_not_convertible' then 'unit'
    when 'out_of_range' then 'quantity'`;
const EXCHANGE_MEASURE_VALUES = `
    when 'unknown_framework' then framework
    when 'unknown_measure' then measure
    when 'unit_not_convertible' then unit
    when 'out_of_range' then quantity::text`;

/** A row-local problem (from checkRow) is worded as it was found; the cases below word the database's. */
const rowLocalFirst = (w: { field: string; message: string; value: string }) => ({
  field: `case when err_code is not null then err_field else ${w.field} end`,
  message: `case when err_code is not null then err_message else ${w.message} end`,
  value: `case when err_code is not null then err_value else ${w.value} end`,
});

const NEED_REJECTIONS = rowLocalFirst({
  message: `
  case final_code
    when 'unknown_organisation' then format('no organisation %s is registered on the exchange', organisation)
    when 'unknown_authority' then format('no authority with code %s', authority)
    when 'authority_not_allowed' then format('this key may not write for %s', authority)
    ${EXCHANGE_MEASURE_MESSAGES}
    when 'in_the_past' then format('needed_by %s is in the past', needed_by)
    when 'already_matched' then format('need %s of %s is matched already (%s %s held by accepted matches): it cannot be changed by an import',
      reference, organisation, existing_matched, measure_unit)
    when 'duplicate_in_batch' then format('organisation %s and reference %s appear on an earlier row of this file', organisation, reference)
    else err_message
  end`,
  field: `
  case final_code
    when 'unknown_organisation' then 'organisation'
    when 'unknown_authority' then 'authority'
    when 'authority_not_allowed' then 'authority'
    ${EXCHANGE_MEASURE_FIELDS}
    when 'in_the_past' then 'needed_by'
    when 'already_matched' then 'reference'
    when 'duplicate_in_batch' then 'reference'
    else err_field
  end`,
  value: `
  case final_code
    when 'unknown_organisation' then organisation
    when 'unknown_authority' then authority
    when 'authority_not_allowed' then authority
    ${EXCHANGE_MEASURE_VALUES}
    when 'in_the_past' then needed_by::text
    when 'already_matched' then reference
    when 'duplicate_in_batch' then reference
    else err_value
  end`,
});

const PLEDGE_REJECTIONS = rowLocalFirst({
  message: `
  case final_code
    when 'unknown_contract' then format('no contract with reference %s', contract)
    when 'contract_without_supplier' then format('contract %s names no supplier: a pledge is its supplier''s', contract)
    when 'authority_not_allowed' then format('this key may not write for %s (the authority of contract %s)', authority_code, contract)
    ${EXCHANGE_MEASURE_MESSAGES}
    when 'unknown_authority' then format('no authority with code %s in places', unknown_place)
    when 'invalid_date' then format('available_to %s is before available_from %s', available_to, available_from)
    when 'already_matched' then format('pledge %s of contract %s is matched already (%s %s held by accepted matches): it cannot be changed by an import',
      reference, contract, existing_matched, measure_unit)
    when 'duplicate_in_batch' then format('reference %s of the same supplier appears on an earlier row of this file', reference)
    else err_message
  end`,
  field: `
  case final_code
    when 'unknown_contract' then 'contract'
    when 'contract_without_supplier' then 'contract'
    when 'authority_not_allowed' then 'contract'
    ${EXCHANGE_MEASURE_FIELDS}
    when 'unknown_authority' then 'places'
    when 'invalid_date' then 'available_to'
    when 'already_matched' then 'reference'
    when 'duplicate_in_batch' then 'reference'
    else err_field
  end`,
  value: `
  case final_code
    when 'unknown_contract' then contract
    when 'contract_without_supplier' then contract
    when 'authority_not_allowed' then contract
    ${EXCHANGE_MEASURE_VALUES}
    when 'unknown_authority' then unknown_place
    when 'invalid_date' then available_to::text
    when 'already_matched' then reference
    when 'duplicate_in_batch' then reference
    else err_value
  end`,
});

/** How a rejection of each import names its field, says what is wrong, and quotes the value, for every code. */
const REJECTIONS: Record<ImportKind, { field: string; message: string; value: string }> = {
  contracts: { field: CONTRACT_FIELDS, message: CONTRACT_MESSAGES, value: CONTRACT_VALUES },
  commitments: { field: FIELDS, message: MESSAGES, value: VALUES },
  outcomes: { field: FIELDS, message: MESSAGES, value: VALUES },
  payments: { field: PAYMENT_FIELDS, message: PAYMENT_MESSAGES, value: PAYMENT_VALUES },
  needs: NEED_REJECTIONS,
  pledges: PLEDGE_REJECTIONS,
};

/**
 * The factor that converts a quantity in `unit` to the unit of measure `m` (a table alias): 1 in the measure's own
 * unit, else the measure's own conversion, else a general one; null when none converts. `anyCase` compares the unit
 * names without regard to case (OCDS unit names are free text).
 */
export function unitFactorSql(unit: string, m: string, options: { anyCase?: boolean } = {}): string {
  const same = options.anyCase ? `lower(${unit}) = lower(${m}.unit)` : `${unit} = ${m}.unit`;
  const from = options.anyCase ? `lower(uc.from_unit) = lower(${unit})` : `uc.from_unit = ${unit}`;
  return `case when ${same} then 1::numeric else (
    select uc.factor from unit_conversions uc
    where ${from} and uc.to_unit = ${m}.unit and (uc.measure_id = ${m}.id or uc.measure_id is null)
    order by uc.measure_id nulls last limit 1) end`;
}

/** Import batches: their records (knex), and the staging, checking and merging of their rows (one session). */
@Injectable()
export class ImportsRepository {
  constructor(@Inject(KNEX) private readonly knex: Knex) {}

  async createBatch(
    b: {
      kind: string;
      mode: string;
      apiKeyId: number | null;
      fileName: string | null;
      contentType: string | null;
      idempotencyKey: string | null;
      isDemo: boolean;
    },
    owner: BatchOwner,
  ): Promise<BatchRecord> {
    const [row] = await this.knex('import_batches')
      .insert({
        kind: b.kind,
        mode: b.mode,
        api_key_id: b.apiKeyId,
        file_name: b.fileName,
        content_type: b.contentType,
        idempotency_key: b.idempotencyKey,
        is_demo: b.isDemo,
        status: 'running',
        started_at: this.knex.fn.now(),
        heartbeat_at: this.knex.fn.now(),
        owner_instance: owner.instance,
        owner_host: owner.host,
        owner_pid: owner.pid,
      })
      .returning(BATCH_COLUMNS.split(',').map((c) => c.trim()));
    return row;
  }

  async findBatch(id: number): Promise<BatchRecord | undefined> {
    const { rows } = await this.knex.raw(`select ${BATCH_COLUMNS} from import_batches where id = ?`, [id]);
    return rows[0];
  }

  async findByIdempotencyKey(apiKeyId: number | null, kind: string, key: string): Promise<BatchRecord | undefined> {
    const { rows } = await this.knex.raw(
      `select ${BATCH_COLUMNS} from import_batches where api_key_id is not distinct from ? and kind = ? and idempotency_key = ?
       order by id desc limit 1`,
      [apiKeyId, kind, key],
    );
    return rows[0];
  }

  async listBatches(filter: { kind?: string; status?: string; apiKeyId?: number; limit: number; offset: number }) {
    const q = this.knex('import_batches');
    if (filter.apiKeyId !== undefined) q.where({ api_key_id: filter.apiKeyId });
    if (filter.kind) q.where({ kind: filter.kind });
    if (filter.status) q.where({ status: filter.status });
    const [{ total }] = await q.clone().count<Array<{ total: number }>>({ total: '*' });
    const rows: BatchRecord[] = await q
      .select(BATCH_COLUMNS.split(',').map((c) => c.trim()))
      .orderBy('id', 'desc')
      .limit(filter.limit)
      .offset(filter.offset);
    return { rows, total: Number(total) };
  }

  async rejections(batchId: number, limit: number, offset: number): Promise<{ rows: RejectionRecord[]; total: number }> {
    const [{ total }] = await this.knex('import_rejections').where({ batch_id: batchId }).count<Array<{ total: number }>>({ total: '*' });
    const rows = await this.knex('import_rejections')
      .where({ batch_id: batchId })
      .orderBy([{ column: 'row_number', order: 'asc', nulls: 'first' }, 'id'])
      .limit(limit)
      .offset(offset)
      .select('row_number', 'release_id', 'severity', 'field', 'code', 'message', 'value');
    return { rows, total: Number(total) };
  }

  /**
   * Marks a batch failed (after its transaction rolled back), with the reason. Only a batch still open: one that
   * committed meanwhile (its COMMIT reached the server before the connection was lost) keeps its status. Whether it
   * was marked.
   */
  async failBatch(id: number, error: string): Promise<boolean> {
    const n = await this.knex('import_batches')
      .where({ id })
      .whereIn('status', OPEN_STATUSES)
      .update({ status: 'failed', error: error.slice(0, 2000), finished_at: this.knex.fn.now() });
    return Number(n) > 0;
  }

  /** The batches this process runs are alive: their heartbeat moves on. */
  async heartbeat(ids: number[]): Promise<void> {
    await this.knex('import_batches').whereIn('id', ids).whereIn('status', OPEN_STATUSES).update({ heartbeat_at: this.knex.fn.now() });
  }

  /**
   * The batches still open (received or running), with who runs them, how long ago they last gave a sign of life,
   * and (on a server) whether the database backend that runs them is still there. A pid that a newer backend took
   * over does not count: its backend started after the batch did (started_at is written with backend_pid).
   */
  async openBatches(embedded: boolean, ids?: number[]): Promise<OpenBatch[]> {
    const backend = embedded
      ? 'false'
      : `exists (select 1 from pg_stat_activity a where a.pid = b.backend_pid and a.datname = current_database()
           and a.backend_start <= coalesce(b.started_at, b.created_at))`;
    const { rows } = await this.knex.raw(
      `select b.id, b.owner_instance, b.owner_host, b.owner_pid, b.backend_pid,
         (extract(epoch from now() - coalesce(b.heartbeat_at, b.started_at, b.created_at)) * 1000)::float8 as silent_ms,
         ${backend} as backend_alive
       from import_batches b
       where b.status in ('received', 'running') ${ids ? 'and b.id = any(?)' : ''}
       order by b.id`,
      ids ? [ids] : [],
    );
    return rows.map((r: OpenBatch) => ({ ...r, silent_ms: Number(r.silent_ms), backend_alive: Boolean(r.backend_alive) }));
  }

  /**
   * Ends the database backends that run these batches for a process that is gone (a backend outlives a killed
   * client until its statement ends): what they did is rolled back. Whether each was there (server only).
   */
  async terminateBackends(ids: number[]): Promise<number> {
    const { rows } = await this.knex.raw(
      `select pg_terminate_backend(a.pid) as ended
       from import_batches b join pg_stat_activity a on a.pid = b.backend_pid and a.datname = current_database()
         and a.backend_start <= coalesce(b.started_at, b.created_at)
       where b.id = any(?) and b.status in ('received', 'running') and a.pid <> pg_backend_pid()`,
      [ids],
    );
    return rows.filter((r: { ended: boolean }) => r.ended).length;
  }

  /** Fails open batches whose owner is gone, with the reason: nothing of them was committed (one transaction each). */
  async failOrphaned(ids: number[], error: string): Promise<number[]> {
    const { rows } = await this.knex.raw(
      `update import_batches set status = 'failed', finished_at = now(), error = ?
       where id = any(?) and status in ('received', 'running')
       returning id`,
      [error.slice(0, 2000), ids],
    );
    return rows.map((r: { id: number }) => Number(r.id));
  }

  // ---- the session part: one connection, one transaction per batch ----

  /**
   * The backend that runs the batch and when it began with it, recorded outside its transaction: visible to the check
   * of open batches.
   */
  async markStarted(s: Session, batchId: number): Promise<void> {
    await s.query('update import_batches set backend_pid = pg_backend_pid(), started_at = now(), heartbeat_at = now() where id = $1', [batchId]);
  }

  /** Settings of the import's transaction: room to sort and hash a large batch in memory (PostgreSQL's default 4 MB spills). */
  async tuneTransaction(s: Session): Promise<void> {
    await s.query(`set local work_mem = '128MB'`);
    // set-based statements over a batch: compiling them (0.2 to 0.5 s each, measured) costs more than it saves
    await s.query('set local jit = off');
  }

  async createStage(s: Session, kind: ImportKind): Promise<void> {
    const columns = stageColumns(kind)
      .map((c) => `${c} ${c === 'row_number' ? 'integer' : 'text'}`)
      .join(', ');
    await s.query(`create temp table ${STAGE_TABLE} (${columns}) on commit drop`);
  }

  /** Checks the staged rows set-based, stores the rejections, and returns how many rows were good and bad. */
  async check(s: Session, kind: ImportKind, batchId: number, allowed: string[] | null): Promise<{ good: number; rejected: number }> {
    await s.query(`analyze ${STAGE_TABLE}`); // temporary tables are never analysed by autovacuum: give the planner its sizes
    if (MEASURE_KINDS.includes(kind)) {
      await s.query(
        `create temp table import_frameworks on commit drop as
         select l.label, (
           select f.id from frameworks f
           where (l.label is null and f.is_default)
              or (l.label is not null and f.code = split_part(l.label, '@', 1)
                  and (position('@' in l.label) = 0 or f.version = split_part(l.label, '@', 2)))
           order by f.created_at desc, f.id desc limit 1) as id
         from (select distinct framework as label from ${STAGE_TABLE}) l`,
      );
      // each distinct (framework, measure, unit) of the file resolved once: its measure and conversion factor
      await s.query(
        `create temp table import_measures on commit drop as
         select k.framework, k.measure, k.unit, fw.id as framework_id, m.id as measure_id, m.unit as measure_unit,
           ${unitFactorSql('k.unit', 'm')} as factor
         from (select distinct framework, measure, unit from ${STAGE_TABLE} where err_code is null) k
         left join import_frameworks fw on fw.label is not distinct from k.framework
         left join measures m on m.framework_id = fw.id and m.code = k.measure`,
      );
    }
    // the exchange's checks of dates (needed_by, available_from's default) are against the day of the import
    await s.query(RESOLVE[kind], EXCHANGE_KINDS.includes(kind) ? [allowed, new Date().toISOString().slice(0, 10)] : [allowed]);
    await s.query(duplicatesInBatch(BATCH_KEYS[kind]));
    await s.query('analyze import_resolved');
    const wording = REJECTIONS[kind];
    await s.query(
      `insert into import_rejections (batch_id, row_number, field, code, message, value)
       select $1, row_number, ${wording.field}, final_code, ${wording.message}, left(${wording.value}, 200)
       from import_resolved where final_code is not null`,
      [batchId],
    );
    const [counts] = await s.query<{ good: number; rejected: number }>(
      `select count(*) filter (where final_code is null) as good, count(*) filter (where final_code is not null) as rejected
       from import_resolved`,
    );
    return { good: Number(counts.good), rejected: Number(counts.rejected) };
  }

  /**
   * Merges the good rows: new keys inserted, changed ones revised (the old revision kept), the same ones left.
   * Contracts and payments returns are upserted instead: a changed row replaces the one held.
   */
  async merge(s: Session, kind: ImportKind, batchId: number | null, isDemo: boolean): Promise<Omit<BatchCounts, 'rows_total' | 'rows_rejected'>> {
    if (kind === 'contracts') return this.mergeContracts(s, batchId, isDemo);
    if (kind === 'payments') return this.mergePayments(s, batchId, isDemo);
    if (kind === 'needs' || kind === 'pledges') return this.mergeExchange(s, kind, batchId, isDemo);
    const table = kind;
    const value = kind === 'outcomes' ? 'quantity' : 'target_quantity';
    const canonical = kind === 'outcomes' ? 'quantity_canonical' : 'target_canonical';
    const evidence = kind === 'outcomes' ? 'evidence_ref' : null;
    await s.query('drop table if exists import_merge, import_held'); // an OCDS batch merges commitments, then outcomes
    // the contracts already holding lines: only their rows can revise one (a first load of new contracts looks nothing up)
    await s.query(
      `create temp table import_held on commit drop as
       select d.contract_id from (select distinct contract_id from import_resolved where final_code is null) d
       where exists (select 1 from ${table} cur where cur.contract_id = d.contract_id and cur.is_latest)`,
    );
    await s.query('analyze import_held');
    await s.query(
      `create temp table import_merge on commit drop as
       select r.*, null::bigint as prev_id, null::integer as prev_revision, 'insert' as action
       from import_resolved r
       where r.final_code is null and not exists (select 1 from import_held h where h.contract_id = r.contract_id)
       union all
       select r.*, cur.id, cur.revision,
         case when cur.id is null then 'insert'
              when cur.${value} = r.${value} and cur.unit = r.unit ${evidence ? `and cur.evidence_ref is not distinct from r.evidence_ref` : ''}
              then 'unchanged' else 'revise' end
       from import_resolved r
       join import_held h on h.contract_id = r.contract_id
       left join ${table} cur on cur.contract_id = r.contract_id and cur.measure_id = r.measure_id
         and cur.period_start = r.period_start and cur.period_end = r.period_end and cur.is_latest
       where r.final_code is null`,
    );
    await s.query(`update ${table} t set is_latest = false from import_merge m where m.action = 'revise' and t.id = m.prev_id`);
    await s.query(
      `insert into ${table} (contract_id, measure_id, period_start, period_end, ${value}, unit, ${canonical},
         ${evidence ? 'evidence_ref, ' : ''}revision, is_latest, batch_id, is_demo)
       select contract_id, measure_id, period_start, period_end, ${value}, unit, ${canonical},
         ${evidence ? 'evidence_ref, ' : ''}coalesce(prev_revision, 0) + 1, true, $1, $2
       from import_merge where action <> 'unchanged'`,
      [batchId, isDemo],
    );
    const [c] = await s.query<Record<string, number>>(
      `select count(*) filter (where action = 'insert') as inserted, count(*) filter (where action = 'revise') as updated,
         count(*) filter (where action = 'unchanged') as unchanged from import_merge`,
    );
    return { rows_inserted: Number(c.inserted), rows_updated: Number(c.updated), rows_unchanged: Number(c.unchanged) };
  }

  private async mergeContracts(s: Session, batchId: number | null, isDemo: boolean) {
    // suppliers: by scheme and identifier, else by normalised name among suppliers that have no identifier
    await s.query(
      `insert into suppliers (scheme, identifier, name, name_normalised, scale, vcse, is_demo)
       select distinct on (supplier_scheme, supplier_id) supplier_scheme, supplier_id, supplier_name,
         ${supplierNameSql('supplier_name')}, supplier_scale, supplier_vcse::boolean, $1
       from import_resolved where final_code is null and supplier_id is not null and supplier_name is not null
       order by supplier_scheme, supplier_id, row_number desc
       on conflict (scheme, identifier) do update set name = excluded.name, name_normalised = excluded.name_normalised,
         scale = coalesce(excluded.scale, suppliers.scale), vcse = coalesce(excluded.vcse, suppliers.vcse), updated_at = now()
       where (suppliers.name, suppliers.scale, suppliers.vcse) is distinct from
             (excluded.name, coalesce(excluded.scale, suppliers.scale), coalesce(excluded.vcse, suppliers.vcse))`,
      [isDemo],
    );
    await s.query(
      `insert into suppliers (name, name_normalised, scale, vcse, is_demo)
       select distinct on (n.name_normalised) n.supplier_name, n.name_normalised, n.supplier_scale, n.supplier_vcse::boolean, $1
       from (select *, ${supplierNameSql('supplier_name')} as name_normalised
             from import_resolved where final_code is null and supplier_id is null and supplier_name is not null) n
       where not exists (select 1 from suppliers x where x.scheme is null and x.name_normalised = n.name_normalised)
       order by n.name_normalised, n.row_number desc`,
      [isDemo],
    );
    const rows = await s.query<{ inserted: boolean }>(
      `insert into contracts (reference, authority_id, supplier_id, title, description, stage, cpv_code8, sector, value_gbp,
         currency, award_date, start_date, end_date, is_services, above_threshold, in_scope, sv_evaluated, sv_weighting_pct,
         batch_id, is_demo)
       select r.reference, r.authority_id, sup.id, r.title, r.description, r.stage, r.cpv_code8, left(r.cpv_code8, 2),
         r.value_gbp::numeric, case when r.value_gbp is null then null else 'GBP' end, r.award_date::date, r.start_date::date,
         r.end_date::date, r.is_services::boolean, r.above_threshold::boolean, r.in_scope::boolean, r.sv_evaluated::boolean,
         r.sv_weighting_pct::numeric, $1, $2
       from import_resolved r
       left join lateral (
         select x.id from suppliers x
         where (r.supplier_id is not null and x.scheme = r.supplier_scheme and x.identifier = r.supplier_id)
            or (r.supplier_id is null and r.supplier_name is not null and x.scheme is null
                and x.name_normalised = ${supplierNameSql('r.supplier_name')})
         limit 1) sup on true
       where r.final_code is null
       on conflict (reference) do update set supplier_id = excluded.supplier_id, title = excluded.title,
         description = excluded.description, stage = excluded.stage, cpv_code8 = excluded.cpv_code8, sector = excluded.sector,
         value_gbp = excluded.value_gbp, currency = excluded.currency, award_date = excluded.award_date,
         start_date = excluded.start_date, end_date = excluded.end_date, is_services = excluded.is_services,
         above_threshold = excluded.above_threshold, in_scope = excluded.in_scope, sv_evaluated = excluded.sv_evaluated,
         sv_weighting_pct = excluded.sv_weighting_pct, batch_id = excluded.batch_id, updated_at = now()
       where (contracts.supplier_id, contracts.title, contracts.description, contracts.stage, contracts.cpv_code8,
              contracts.value_gbp, contracts.award_date, contracts.start_date, contracts.end_date, contracts.is_services,
              contracts.above_threshold, contracts.in_scope, contracts.sv_evaluated, contracts.sv_weighting_pct)
         is distinct from
             (excluded.supplier_id, excluded.title, excluded.description, excluded.stage, excluded.cpv_code8,
              excluded.value_gbp, excluded.award_date, excluded.start_date, excluded.end_date, excluded.is_services,
              excluded.above_threshold, excluded.in_scope, excluded.sv_evaluated, excluded.sv_weighting_pct)
       returning (xmax = 0) as inserted`,
      [batchId, isDemo],
    );
    const [{ good }] = await s.query<{ good: number }>(`select count(*) as good from import_resolved where final_code is null`);
    const inserted = rows.filter((r) => r.inserted).length;
    const updated = rows.length - inserted;
    return { rows_inserted: inserted, rows_updated: updated, rows_unchanged: Number(good) - rows.length };
  }

  /**
   * Needs and pledges: a new (organisation, reference) or (supplier, reference) inserted; one held, changed, updated in
   * place (a pledge's places replaced), unless matches hold some of it (the check rejected those rows: already_matched);
   * the same one again left. Matches are never touched. A row the check found unmatched that a match accepted since
   * (another transaction) fails the batch rather than changing under the match.
   */
  private async mergeExchange(s: Session, kind: 'needs' | 'pledges', batchId: number | null, isDemo: boolean) {
    await s.query(
      `create temp table import_merge on commit drop as
       select r.*, case when r.existing_id is null then 'insert' when r.changed then 'update' else 'unchanged' end as action
       from import_resolved r where r.final_code is null`,
    );
    const needs = kind === 'needs';
    const table = needs ? 'exchange_needs' : 'exchange_pledges';
    const owner = needs ? 'organisation_id' : 'supplier_id';
    const fields = needs
      ? ['title', 'description', 'resource_kind', 'quantity', 'unit', 'measure_id', 'quantity_measure', 'authority_id', 'needed_by']
      : ['contract_id', 'measure_id', 'title', 'resource_kind', 'quantity', 'unit', 'quantity_measure', 'reach', 'available_from', 'available_to'];
    const updated = await s.query<{ id: number }>(
      `update ${table} t set ${fields.map((f) => `${f} = m.${f}`).join(', ')}, batch_id = $1, is_demo = $2, updated_at = now()
       from import_merge m where m.action = 'update' and t.id = m.existing_id and t.matched = 0
       returning t.id`,
      [batchId, isDemo],
    );
    const [c] = await s.query<Record<string, number>>(
      `select count(*) filter (where action = 'insert') as inserted, count(*) filter (where action = 'update') as updated,
         count(*) filter (where action = 'unchanged') as unchanged from import_merge`,
    );
    if (updated.length !== Number(c.updated)) {
      throw new DomainError('conflict', `A match was accepted on some of these ${kind} while the import ran: nothing of it was kept. Send it again.`);
    }
    await s.query(
      `insert into ${table} (${owner}, reference, ${fields.join(', ')}, batch_id, is_demo)
       select ${owner}, reference, ${fields.join(', ')}, $1, $2 from import_merge where action = 'insert'`,
      [batchId, isDemo],
    );
    if (!needs) {
      await s.query(
        `delete from exchange_pledge_places pp using import_merge m where m.action = 'update' and pp.pledge_id = m.existing_id`,
      );
      await s.query(
        `insert into exchange_pledge_places (pledge_id, authority_id)
         select p.id, unnest(m.place_ids) from import_merge m
         join exchange_pledges p on p.supplier_id = m.supplier_id and p.reference = m.reference
         where m.action in ('insert', 'update')`,
      );
    }
    return { rows_inserted: Number(c.inserted), rows_updated: Number(c.updated), rows_unchanged: Number(c.unchanged) };
  }

  /**
   * Payments compliance returns: one row per authority and period, upserted. A period sent again with other figures
   * (or a real return over the demo's) replaces the row held (updated_at moves); the same figures change nothing.
   */
  private async mergePayments(s: Session, batchId: number | null, isDemo: boolean) {
    const figures = ['average_days', 'pct_1_30', 'pct_31_60', 'pct_61_plus', 'pct_not_paid_when_due'];
    const rows = await s.query<{ inserted: boolean }>(
      `insert into payment_compliance (authority_id, period_start, period_end, ${figures.join(', ')}, batch_id, is_demo)
       select authority_id, period_start, period_end, ${figures.join(', ')}, $1, $2
       from import_resolved where final_code is null
       on conflict (authority_id, period_start, period_end) do update set
         ${figures.map((f) => `${f} = excluded.${f}`).join(', ')}, batch_id = excluded.batch_id, is_demo = excluded.is_demo,
         updated_at = now()
       where (${figures.map((f) => `payment_compliance.${f}`).join(', ')}, payment_compliance.is_demo)
         is distinct from (${figures.map((f) => `excluded.${f}`).join(', ')}, excluded.is_demo)
       returning (xmax = 0) as inserted`,
      [batchId, isDemo],
    );
    const [{ good }] = await s.query<{ good: number }>(`select count(*) as good from import_resolved where final_code is null`);
    const inserted = rows.filter((r) => r.inserted).length;
    return { rows_inserted: inserted, rows_updated: rows.length - inserted, rows_unchanged: Number(good) - rows.length };
  }

  /**
   * The batch's outcome, in its transaction. A batch the check of open batches failed meanwhile (its owner was taken
   * for gone) is not finished: the transaction rolls back, so a batch is committed with its data or failed without.
   */
  async finishBatch(
    s: Session,
    batchId: number,
    status: 'committed' | 'rejected',
    counts: BatchCounts,
    file: { sha256: string; bytes: number },
  ): Promise<void> {
    const rows = await s.query(
      `update import_batches set status = $2, rows_total = $3, rows_inserted = $4, rows_updated = $5, rows_unchanged = $6,
         rows_rejected = $7, sha256 = $8, byte_count = $9, finished_at = now(), heartbeat_at = now()
       where id = $1 and status in ('received', 'running')
       returning id`,
      [batchId, status, counts.rows_total, counts.rows_inserted, counts.rows_updated, counts.rows_unchanged, counts.rows_rejected, file.sha256, file.bytes],
    );
    if (rows.length === 0) throw new BatchNoLongerOpenError(batchId);
  }
}

/** The batch was failed by the check of open batches while it ran (its owner looked gone): its work is rolled back. */
export class BatchNoLongerOpenError extends Error {
  constructor(readonly batchId: number) {
    super(`Batch ${batchId} was failed while it ran (its owner looked gone); nothing of it was kept`);
  }
}
