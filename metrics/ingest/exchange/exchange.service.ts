import { Injectable, Logger } from '@nestjs/common';
import Decimal from 'decimal.js';
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { DomainError } from '../../platform/errors';
import { addDays } from '../../platform/periods';
import { parseDate } from '../imports/import-rows';
import { ImportsService } from '../imports/imports.service';
import {
  acceptance,
  checkMove,
  evidenceRefOf,
  REACHES,
  RESOURCE_KINDS,
  TRANSITIONS,
  type MatchStatus,
  type Side,
  type Transition,
} from './exchange-rules';
import { ExchangeRepository, type MatchForMove, type PledgeContract } from './exchange.repository';
import {
  greedyMatches,
  OBJECTIVE,
  planMatches,
  priorityOf,
  type MatchingPlan,
  type OpenNeed,
  type OpenPledge,
  type Proposal,
  type Reach,
} from './matching';

/**
 * Who acts on the exchange: an API key's role and scope. A community key acts for its organisation, a supplier key for
 * its supplier; an admin brokers everywhere, a submitter within the authorities it writes for.
 */
export interface ExchangeActor {
  keyId: number | null;
  role: string;
  /** A submitter's authorities (codes); null for every authority. */
  authorities: string[] | null;
  organisationId: number | null;
  supplierId: number | null;
}

/** The demo loader and the scheduled run act as the service itself. */
export const SERVICE_ACTOR: ExchangeActor = { keyId: null, role: 'admin', authorities: null, organisationId: null, supplierId: null };

export interface OrganisationInput {
  identifier?: unknown;
  name?: unknown;
  vcse?: unknown;
  authorities?: unknown;
}

export interface NeedInput {
  organisation?: unknown;
  reference?: unknown;
  title?: unknown;
  description?: unknown;
  resource_kind?: unknown;
  quantity?: unknown;
  unit?: unknown;
  measure?: unknown;
  framework?: unknown;
  authority?: unknown;
  needed_by?: unknown;
}

export interface PledgeInput {
  contract?: unknown;
  reference?: unknown;
  title?: unknown;
  resource_kind?: unknown;
  quantity?: unknown;
  unit?: unknown;
  measure?: unknown;
  framework?: unknown;
  places?: unknown;
  reach?: unknown;
  available_from?: unknown;
  available_to?: unknown;
}

export interface MoveInput {
  to?: unknown;
  /** A broker's acceptance: for the community or the supplier side (default both). */
  on_behalf_of?: unknown;
  delivered_on?: unknown;
  quantity?: unknown;
  note?: unknown;
}

export interface Warning {
  code: string;
  field: string;
  message: string;
}

export interface RunResult {
  run_id: number;
  objective: string;
  pledges: number;
  needs: number;
  /** The proposals of this run: new ones, and those it kept (proposed again, nobody had accepted them yet). */
  proposals: number;
  new: number;
  kept: number;
  expired: number;
  optimal: Omit<MatchingPlan, 'proposals'>;
  greedy: Omit<MatchingPlan, 'proposals'>;
  /** Optimal need met over greedy need met (1 when both meet nothing). */
  ratio_to_greedy: number;
}

const DECIMAL = /^\d{1,15}(\.\d{1,6})?$/;
const RELATION_TEXT = {
  same_authority: 'in the pledge’s own authority',
  neighbour: 'in a neighbouring authority',
  same_region: 'in the pledge’s region',
  national: 'outside the pledge’s region (the pledge reaches nationally)',
} as const;

const invalid = (field: string, message: string, value?: unknown) =>
  new DomainError('invalid_parameter', message, { field, ...(value === undefined ? {} : { value }) });

function text(input: Record<string, unknown>, field: string, opts: { required?: boolean; max?: number } = {}): string | null {
  const v = input[field];
  if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) {
    if (opts.required) throw invalid(field, `${field} is required`);
    return null;
  }
  if (typeof v !== 'string') throw invalid(field, `${field} must be text`, v);
  const t = v.trim();
  if (opts.max !== undefined && t.length > opts.max) throw invalid(field, `${field} is longer than ${opts.max} characters`);
  return t;
}

function quantity(input: Record<string, unknown>, field = 'quantity'): Decimal {
  const v = input[field];
  const t = typeof v === 'number' && Number.isFinite(v) ? String(v) : typeof v === 'string' ? v.trim() : null;
  if (t === null || t === '') throw invalid(field, `${field} is required: a number above 0`);
  if (!DECIMAL.test(t) || new Decimal(t).lte(0)) {
    throw invalid(field, `${field} must be a number above 0 with at most 6 decimal places`, v);
  }
  return new Decimal(t);
}

function date(input: Record<string, unknown>, field: string): string | null {
  const t = text(input, field);
  if (t === null) return null;
  const d = parseDate(t);
  if (d === null) throw invalid(field, `${field} must be a date (YYYY-MM-DD)`, t);
  return d;
}

function oneOf<T extends string>(input: Record<string, unknown>, field: string, values: readonly T[], fallback?: T): T {
  const t = text(input, field, { required: fallback === undefined });
  if (t === null) return fallback as T;
  if (!values.includes(t as T)) throw invalid(field, `${field} must be one of ${values.join(', ')}`, t);
  return t as T;
}

function codes(input: Record<string, unknown>, field: string): string[] | null {
  const v = input[field];
  if (v === undefined || v === null) return null;
  const list = typeof v === 'string' ? v.split(/[;,]/) : Array.isArray(v) ? v : null;
  if (list === null || !list.every((c) => typeof c === 'string')) throw invalid(field, `${field} must be a list of authority codes`, v);
  const out = [...new Set((list as string[]).map((c) => c.trim()).filter((c) => c !== ''))];
  if (out.length > 50) throw invalid(field, `${field} lists more than 50 authorities`);
  return out;
}

export const todayIso = (): string => new Date().toISOString().slice(0, 10);

/**
 * The exchange: organisations, needs and pledges posted, the matching run, and every move of a match, with a confirmed
 * delivery imported as an outcome return of the pledge's contract (through ImportsService, as its own batch).
 */
@Injectable()
export class ExchangeService {
  private readonly logger = new Logger('Exchange');
  private running: Promise<RunResult> | null = null;

  constructor(
    private readonly repo: ExchangeRepository,
    private readonly imports: ImportsService,
  ) {}

  // ---- organisations -------------------------------------------------------------------------------------------

  async saveOrganisation(actor: ExchangeActor, input: OrganisationInput, isDemo = false): Promise<{ id: number; identifier: string; created: boolean }> {
    const rec = input as Record<string, unknown>;
    const identifier = text(rec, 'identifier', { required: true, max: 80 })!;
    if (!/^[A-Z]{2}-[A-Z0-9]{2,10}-[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$/.test(identifier)) {
      throw invalid('identifier', 'identifier must be in the org-id scheme: a list code and the number, e.g. GB-CHC-1234567 (a charity) or GB-COH-01234567 (a company)', identifier);
    }
    const name = text(rec, 'name', { required: true, max: 200 })!;
    const vcse = rec.vcse === undefined || rec.vcse === null ? true : rec.vcse;
    if (typeof vcse !== 'boolean') throw invalid('vcse', 'vcse must be true or false', vcse);
    const served = codes(rec, 'authorities') ?? [];
    if (served.length === 0) throw invalid('authorities', 'authorities is required: the codes of the authorities the organisation serves');
    const ids = await this.knownAuthorities(served, 'authorities');
    if (actor.role !== 'admin') {
      if (actor.role !== 'submitter') throw new DomainError('role_not_allowed', 'Organisations are registered by an admin, or a submitter for their authorities.');
      this.withinScope(actor, served, 'authorities');
    }
    const saved = await this.repo.transaction((trx) => this.repo.upsertOrganisation(trx, { identifier, name, vcse, authorityIds: [...ids.values()], isDemo }));
    return { ...saved, identifier };
  }

  // ---- needs ---------------------------------------------------------------------------------------------------

  async postNeed(actor: ExchangeActor, input: NeedInput, isDemo = false): Promise<{ id: number; warnings: Warning[] }> {
    const rec = input as Record<string, unknown>;
    const warnings: Warning[] = [];
    const orgIdentifier = text(rec, 'organisation', { max: 80 });
    let organisationId: number;
    let served: string[] = [];
    if (actor.role === 'community') {
      const own = await this.repo.organisationById(actor.organisationId!);
      if (orgIdentifier !== null && orgIdentifier !== own?.identifier) {
        throw new DomainError('role_not_allowed', `This key posts needs for ${own?.identifier} only.`, { field: 'organisation', value: orgIdentifier });
      }
      const org = await this.repo.organisation(own!.identifier);
      organisationId = org!.id;
      served = org!.authorities;
    } else {
      if (orgIdentifier === null) throw invalid('organisation', 'organisation is required: the identifier of the community organisation');
      const org = await this.repo.organisation(orgIdentifier);
      if (!org) throw new DomainError('not_found', `No organisation ${orgIdentifier} is registered on the exchange`, { field: 'organisation', value: orgIdentifier });
      organisationId = org.id;
      served = org.authorities;
    }
    const title = text(rec, 'title', { required: true, max: 200 })!;
    const description = text(rec, 'description', { max: 4000 });
    const reference = text(rec, 'reference', { max: 100 });
    const kind = oneOf(rec, 'resource_kind', RESOURCE_KINDS);
    const qty = quantity(rec);
    const unit = text(rec, 'unit', { required: true, max: 40 })!;
    const authority = text(rec, 'authority', { max: 64 }) ?? (served.length === 1 ? served[0] : null);
    if (authority === null) throw invalid('authority', 'authority is required: the code of the authority where the need is');
    const [authorityId] = (await this.knownAuthorities([authority], 'authority')).values();
    if (actor.role === 'submitter') this.withinScope(actor, [authority], 'authority');
    if (!served.includes(authority)) {
      warnings.push({ code: 'outside_served_area', field: 'authority', message: `The organisation is not registered as serving ${authority}.` });
    }
    const neededBy = date(rec, 'needed_by');
    if (neededBy !== null && neededBy < todayIso()) throw invalid('needed_by', 'needed_by is in the past', neededBy);
    const measure = await this.measureOf(rec, unit);
    const id = await this.repo.transaction(async (trx) => {
      const [needId] = await this.repo.insertNeeds(trx, [
        {
          organisation_id: organisationId,
          reference,
          title,
          description,
          resource_kind: kind,
          quantity: qty.toString(),
          unit,
          measure_id: measure.measure_id,
          quantity_measure: qty.mul(measure.factor).toDecimalPlaces(6).toString(),
          authority_id: authorityId,
          needed_by: neededBy,
          is_demo: isDemo,
        },
      ]);
      return needId;
    }).catch((err) => this.uniqueReference(err, reference));
    return { id, warnings };
  }

  // ---- pledges -------------------------------------------------------------------------------------------------

  async postPledge(actor: ExchangeActor, input: PledgeInput, isDemo = false): Promise<{ id: number; warnings: Warning[] }> {
    const rec = input as Record<string, unknown>;
    const warnings: Warning[] = [];
    const contractRef = text(rec, 'contract', { required: true, max: 200 })!;
    const kind = oneOf(rec, 'resource_kind', RESOURCE_KINDS);
    const qty = quantity(rec);
    const unit = text(rec, 'unit', { required: true, max: 40 })!;
    const measure = await this.measureOf(rec, unit);
    const contract = await this.repo.pledgeContract(contractRef, measure.measure_id);
    if (!contract) throw new DomainError('not_found', `No contract ${contractRef}`, { field: 'contract', value: contractRef });
    if (actor.role === 'supplier') {
      if (contract.supplier_id === null || Number(contract.supplier_id) !== actor.supplierId) {
        throw new DomainError('role_not_allowed', `This key pledges for its own supplier's contracts only; ${contractRef} was awarded to another supplier.`, {
          field: 'contract',
          value: contractRef,
        });
      }
    } else if (actor.role === 'submitter') {
      this.withinScope(actor, [contract.authority_code], 'contract');
    } else if (actor.role !== 'admin') {
      throw new DomainError('role_not_allowed', 'Pledges are posted by the contract’s supplier, or brokered by an admin or a submitter for its authority.');
    }
    if (contract.supplier_id === null) throw invalid('contract', `Contract ${contractRef} names no supplier: a pledge is a supplier's`, contractRef);
    const reach = oneOf(rec, 'reach', REACHES, 'neighbours') as Reach;
    const places = codes(rec, 'places') ?? [contract.authority_code];
    if (places.length === 0) throw invalid('places', 'places lists no authority');
    const placeIds = await this.knownAuthorities(places, 'places');
    const from = date(rec, 'available_from') ?? todayIso();
    const to = date(rec, 'available_to') ?? addDays(from, 365);
    if (to < from) throw invalid('available_to', 'available_to is before available_from', to);
    const inMeasure = qty.mul(measure.factor).toDecimalPlaces(6);
    warnings.push(...this.commitmentWarnings(contract, inMeasure, measure.code, measure.measure_unit));
    if (contract.end_date !== null && contract.end_date < to) {
      warnings.push({
        code: 'beyond_contract',
        field: 'available_to',
        message: `Contract ${contract.reference} ends on ${contract.end_date}: a delivery after that day cannot count as its outcome.`,
      });
    }
    const reference = text(rec, 'reference', { max: 100 });
    const id = await this.repo.transaction(async (trx) => {
      const [pledgeId] = await this.repo.insertPledges(trx, [
        {
          supplier_id: Number(contract.supplier_id),
          contract_id: Number(contract.contract_id),
          measure_id: measure.measure_id,
          reference,
          title: text(rec, 'title', { max: 200 }),
          resource_kind: kind,
          quantity: qty.toString(),
          unit,
          quantity_measure: inMeasure.toString(),
          reach,
          available_from: from,
          available_to: to,
          is_demo: isDemo,
          places: [...placeIds.values()],
        },
      ]);
      return pledgeId;
    }).catch((err) => this.uniqueReference(err, reference));
    return { id, warnings };
  }

  /** A pledge beyond what the contract commits of its measure is allowed, with a warning saying by how much. */
  private commitmentWarnings(c: PledgeContract, qty: Decimal, code: string, unit: string): Warning[] {
    if (c.committed === null) {
      return [{ code: 'no_commitment', field: 'measure', message: `Contract ${c.reference} commits nothing of ${code}: the pledge is beyond its commitments.` }];
    }
    const total = new Decimal(c.pledged).add(qty);
    if (total.gt(c.committed)) {
      return [
        {
          code: 'exceeds_commitment',
          field: 'quantity',
          message: `With this pledge, contract ${c.reference} pledges ${total.toString()} ${unit} of ${code}, more than the ${new Decimal(c.committed).toString()} ${unit} it commits.`,
        },
      ];
    }
    return [];
  }

  // ---- matching ------------------------------------------------------------------------------------------------

  /**
   * Proposes an allocation of open pledges to open needs, optimal for OBJECTIVE: expires the proposals nobody has
   * accepted yet and replaces them with this run's. One run at a time in this process; a second caller shares it.
   */
  runMatching(trigger: 'api' | 'schedule' | 'demo' | 'cli', actor: ExchangeActor = SERVICE_ACTOR): Promise<RunResult> {
    if (this.running) return this.running;
    this.running = this.matchNow(trigger, actor, trigger === 'demo').finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async matchNow(trigger: string, actor: ExchangeActor, isDemo: boolean): Promise<RunResult> {
    const today = todayIso();
    const geo = await this.repo.geography();
    return this.repo.transaction(async (trx) => {
      const t0 = Date.now();
      const ms: Record<string, number> = {};
      const lap = (phase: string) => (ms[phase] = Date.now() - t0);
      const runId = await this.repo.startRun(trx, trigger, actor.keyId);
      const stale = await this.repo.expireStale(trx, today);
      lap('expired_stale');
      const { pledges, needs } = await this.repo.openForMatching(trx, today);
      const live = await this.repo.liveProposals(trx);
      lap('read');
      // what half-accepted proposals still ask of each pledge and need is not offered again
      const pledgeHeld = new Map<number, number>();
      const needHeld = new Map<number, number>();
      for (const h of live.filter((l) => l.accepted_by_one)) {
        pledgeHeld.set(h.pledge_id, (pledgeHeld.get(h.pledge_id) ?? 0) + h.quantity);
        needHeld.set(h.need_id, (needHeld.get(h.need_id) ?? 0) + h.quantity);
      }
      const free = <T extends OpenPledge | OpenNeed>(list: T[], by: Map<number, number>) =>
        list.map((x) => ({ ...x, remaining: Math.max(0, round3(x.remaining - (by.get(x.id) ?? 0))) })).filter((x) => x.remaining > 0);
      const openPledges = free(pledges, pledgeHeld);
      const openNeeds = free(needs, needHeld);
      const optimal = await planMatches(openPledges, openNeeds, geo);
      lap('solved');
      const greedy = greedyMatches(openPledges, openNeeds, geo);
      lap('greedy');
      // only what changed is written: a proposal nobody has accepted yet that this run proposes again (the same pledge,
      // need and quantity) stays as it is; the others expire, and the new ones are inserted
      const pairKey = (pledgeId: number, needId: number, quantity: number) => `${pledgeId}|${needId}|${Math.round(quantity * 1000)}`;
      const unaccepted = new Map(live.filter((l) => !l.accepted_by_one).map((l) => [pairKey(l.pledge_id, l.need_id, l.quantity), l.id]));
      const fresh = optimal.proposals.filter((p) => !unaccepted.delete(pairKey(p.pledgeId, p.needId, p.quantity)));
      const kept = optimal.proposals.length - fresh.length;
      const expired = stale + (await this.repo.expireReplaced(trx, [...unaccepted.values()], runId));
      lap('expired_replaced');
      const made = await this.repo.insertProposals(trx, runId, fresh.map((p) => ({ ...p, reason: reasonOf(p) })), isDemo);
      lap('written');
      const { proposals: _o, ...optimalFigures } = optimal;
      const { proposals: _g, ...greedyFigures } = greedy;
      const result: RunResult = {
        run_id: runId,
        objective: OBJECTIVE,
        pledges: openPledges.length,
        needs: openNeeds.length,
        proposals: made + kept,
        new: made,
        kept,
        expired,
        optimal: optimalFigures,
        greedy: greedyFigures,
        ratio_to_greedy: greedy.met > 0 ? round3(optimal.met / greedy.met) : 1,
      };
      await this.repo.finishRun(trx, runId, {
        pledges: openPledges.length,
        needs: openNeeds.length,
        proposals: made + kept,
        expired,
        figures: { optimal: optimalFigures, greedy: greedyFigures, ratio_to_greedy: result.ratio_to_greedy, new: made, kept, phases_ms: ms },
      });
      this.logger.log({
        msg: `matching run ${runId}: ${made + kept} proposals (${made} new, ${kept} kept), ${expired} expired`,
        run: runId,
        pledges: openPledges.length,
        needs: openNeeds.length,
        expired,
        phases_ms: ms,
      });
      return result;
    });
  }

  /**
   * Withdraws a need (its organisation, or a broker for its authority) or a pledge (its supplier, or a broker for the
   * contract's authority): it leaves the board and the matching; its proposals expire; accepted matches stand.
   */
  async withdraw(actor: ExchangeActor, what: 'need' | 'pledge', id: number): Promise<{ id: number; status: 'withdrawn'; proposals_expired: number }> {
    return this.repo.transaction(async (trx) => {
      const item = await this.repo.ownerForUpdate(trx, what, id);
      if (!item) throw new DomainError('not_found', `No ${what} ${id}`, { field: 'id', value: id });
      const own =
        (actor.role === 'community' && Number(item.organisation_id) === actor.organisationId) ||
        (actor.role === 'supplier' && Number(item.supplier_id) === actor.supplierId) ||
        actor.role === 'admin';
      if (!own) {
        if (actor.role !== 'submitter') throw new DomainError('role_not_allowed', `This ${what} is another party's: only its owner or a broker withdraws it.`, { field: 'id', value: id });
        this.withinScope(actor, [item.authority], 'id');
      }
      if (item.status !== 'open') throw new DomainError('conflict', `The ${what} is ${item.status} already.`, { field: 'id', value: id, status: item.status });
      const expired = await this.repo.withdraw(trx, what, id, actor.keyId);
      return { id, status: 'withdrawn' as const, proposals_expired: expired };
    });
  }

  // ---- moves ---------------------------------------------------------------------------------------------------

  /**
   * Moves a match: accept (each side, or a broker for either), decline, cancel, mark delivered (the supplier), confirm
   * (the community organisation). A confirmation imports the delivery as an outcome return of the pledge's contract,
   * as its own batch (kind exchange) with the match as its evidence reference, then marks the match confirmed.
   */
  async move(actor: ExchangeActor, matchId: number, input: MoveInput): Promise<{ id: number; status: MatchStatus; outcome_batch_id?: number }> {
    const rec = input as Record<string, unknown>;
    const to = oneOf(rec, 'to', TRANSITIONS) as Transition;
    const note = text(rec, 'note', { max: 1000 });
    const onBehalfOf = text(rec, 'on_behalf_of');
    if (onBehalfOf !== null && onBehalfOf !== 'community' && onBehalfOf !== 'supplier') {
      throw invalid('on_behalf_of', 'on_behalf_of must be community or supplier', onBehalfOf);
    }
    const deliveredOn = to === 'delivered' ? date(rec, 'delivered_on') ?? todayIso() : null;
    const deliveredQty = to === 'delivered' && rec.quantity !== undefined ? quantity(rec) : null;
    if (deliveredOn !== null && deliveredOn > todayIso()) throw invalid('delivered_on', 'delivered_on is in the future', deliveredOn);

    if (to === 'confirmed') return (await this.confirmAll(actor, [matchId], note))[0];
    return this.repo.transaction(async (trx) => {
      const m = await this.repo.matchForMove(trx, matchId);
      if (!m) throw new DomainError('not_found', `No match ${matchId}`, { field: 'id', value: matchId });
      const side = this.sideOf(actor, m);
      checkMove(m.status, to, side);
      const by = { side, apiKeyId: actor.keyId, note };
      if (to === 'accepted') {
        const a = acceptance(m, side, onBehalfOf ?? undefined);
        await this.repo
          .moveMatch(trx, matchId, m.status, { status: a.status, community_accepted: a.community, supplier_accepted: a.supplier }, by)
          .catch(overAllocated(matchId));
        return { id: matchId, status: a.status };
      }
      if (to === 'delivered') {
        const qty = deliveredQty ?? new Decimal(m.quantity);
        if (qty.gt(m.quantity)) throw invalid('quantity', `quantity delivered is more than the ${new Decimal(m.quantity).toString()} ${m.measure_unit} matched`, qty.toString());
        if ((m.contract_start !== null && deliveredOn! < m.contract_start) || (m.contract_end !== null && deliveredOn! > m.contract_end)) {
          throw invalid('delivered_on', `delivered_on is outside contract ${m.contract_reference} (${m.contract_start ?? '…'} to ${m.contract_end ?? '…'}): it could not count as its outcome`, deliveredOn);
        }
        await this.outcomeDayFree(trx, m.contract_id, m.measure_id, deliveredOn!, matchId);
        await this.repo.moveMatch(trx, matchId, m.status, { status: 'delivered', delivered_on: deliveredOn!, delivered_quantity: qty.toString() }, by);
        return { id: matchId, status: 'delivered' };
      }
      await this.repo.moveMatch(trx, matchId, m.status, { status: to }, by);
      return { id: matchId, status: to };
    });
  }

  /**
   * Confirms delivered matches (one from the route; the demo confirms its matches together): checks each, imports
   * their deliveries as one outcome batch (kind exchange; its idempotency key makes a retry replay it, not repeat it),
   * then marks each confirmed with the batch. A refusal of any refuses all, before anything is written.
   */
  async confirmAll(actor: ExchangeActor, matchIds: readonly number[], note: string | null = null): Promise<Array<{ id: number; status: MatchStatus; outcome_batch_id: number }>> {
    if (matchIds.length === 0) return [];
    // checked first, then let go: the import runs in its own transaction (on the embedded database, on its only connection)
    const checked = await this.repo.transaction(async (trx) => {
      const out: Array<{ m: MatchForMove; side: Side }> = [];
      const days = new Set<string>();
      for (const matchId of matchIds) {
        const found = await this.repo.matchForMove(trx, matchId);
        if (!found) throw new DomainError('not_found', `No match ${matchId}`, { field: 'id', value: matchId });
        const side = this.sideOf(actor, found);
        checkMove(found.status, 'confirmed', side);
        await this.outcomeDayFree(trx, found.contract_id, found.measure_id, found.delivered_on!, matchId);
        const day = `${found.contract_id}|${found.measure_id}|${found.delivered_on}`;
        if (days.has(day)) {
          throw new DomainError('conflict', `Two of these deliveries are of the same contract and measure on ${found.delivered_on}: confirm them apart.`, { field: 'delivered_on', value: found.delivered_on });
        }
        days.add(day);
        out.push({ m: found, side });
      }
      return out;
    });
    const first = matchIds[0];
    const { batch } = await this.imports.run({
      kind: 'outcomes',
      batchKind: 'exchange',
      contentType: 'application/json',
      fileName: matchIds.length === 1 ? `exchange match ${first}` : `exchange matches ${matchIds.join(', ').slice(0, 200)}`,
      idempotencyKey: matchIds.length === 1 ? `exchange-match-${first}` : `exchange-matches-${createHash('sha256').update(matchIds.join(',')).digest('hex')}`,
      body: checked.map(({ m }) => ({
        contract: m.contract_reference,
        framework: m.framework,
        measure: m.measure_code,
        period_start: m.delivered_on,
        period_end: m.delivered_on,
        quantity: new Decimal(m.delivered_quantity!).toString(),
        unit: m.measure_unit,
        evidence_ref: evidenceRefOf(m.id),
      })),
      sender: { keyId: actor.keyId, allowed: null },
      isDemo: checked.every(({ m }) => m.is_demo),
    });
    if (batch.status !== 'committed') {
      throw new DomainError('unprocessable', `The deliveries could not be recorded as outcomes of their contracts: import batch ${batch.id} was ${batch.status}.`, {
        field: 'to',
        batch: batch.id,
      });
    }
    return this.repo.transaction(async (trx) => {
      const done: Array<{ id: number; status: MatchStatus; outcome_batch_id: number }> = [];
      for (const { m, side } of checked) {
        const again = await this.repo.matchForMove(trx, m.id);
        checkMove(again!.status, 'confirmed', side); // a concurrent confirmation got there first: 409
        await this.repo.moveMatch(trx, m.id, again!.status, { status: 'confirmed', outcome_batch_id: Number(batch.id) }, { side, apiKeyId: actor.keyId, note });
        done.push({ id: Number(m.id), status: 'confirmed', outcome_batch_id: Number(batch.id) });
      }
      return done;
    });
  }

  /** The outcome a confirmation writes is keyed by contract, measure and day: another outcome there would be replaced. */
  private async outcomeDayFree(trx: Knex.Transaction, contractId: number, measureId: number, day: string, matchId: number): Promise<void> {
    const there = await this.repo.outcomeOnDay(trx, contractId, measureId, day);
    if (there && there.evidence_ref !== evidenceRefOf(matchId)) {
      throw new DomainError('conflict', `The contract already has an outcome of this measure for ${day} (evidence ${there.evidence_ref ?? 'none'}): give the delivery another delivered_on day.`, {
        field: 'delivered_on',
        value: day,
      });
    }
  }

  /** The side a key acts on for this match, or 403: the community organisation, the supplier, or a broker in scope. */
  private sideOf(actor: ExchangeActor, m: { organisation_id: number; supplier_id: number; need_authority: string }): Side {
    if (actor.role === 'community') {
      if (actor.organisationId !== Number(m.organisation_id)) {
        throw new DomainError('role_not_allowed', 'This match is another organisation’s: a community key moves its own organisation’s matches only.', { field: 'id' });
      }
      return 'community';
    }
    if (actor.role === 'supplier') {
      if (actor.supplierId !== Number(m.supplier_id)) {
        throw new DomainError('role_not_allowed', 'This match is another supplier’s: a supplier key moves its own pledges’ matches only.', { field: 'id' });
      }
      return 'supplier';
    }
    if (actor.role === 'admin') return 'broker';
    if (actor.role === 'submitter') {
      this.withinScope(actor, [m.need_authority], 'id');
      return 'broker';
    }
    throw new DomainError('role_not_allowed', 'Matches are moved by their community organisation, their supplier, or a broker (admin, or submitter for the need’s authority).');
  }

  // ---- shared checks -------------------------------------------------------------------------------------------

  private withinScope(actor: ExchangeActor, authorities: string[], field: string): void {
    if (actor.authorities === null) return;
    const outside = authorities.filter((a) => !actor.authorities!.includes(a));
    if (outside.length > 0) {
      throw new DomainError('authority_not_allowed', `This key does not write for ${outside.join(', ')}.`, { field, value: outside.join(',') });
    }
  }

  private async knownAuthorities(list: string[], field: string): Promise<Map<string, number>> {
    const found = await this.repo.authorityIds(list);
    const unknown = list.filter((c) => !found.has(c));
    if (unknown.length > 0) {
      throw new DomainError('not_found', `Unknown authority ${unknown.join(', ')} in ${field}`, { field, value: unknown.join(',') });
    }
    return found;
  }

  private async measureOf(rec: Record<string, unknown>, unit: string) {
    const code = text(rec, 'measure', { required: true, max: 64 })!;
    const framework = text(rec, 'framework', { max: 100 });
    const m = await this.repo.measureUnit(code, framework, unit);
    if (!m) throw new DomainError('not_found', `No measure ${code}${framework ? ` in ${framework}` : ' in the default framework'}`, { field: 'measure', value: code });
    if (m.factor === null) {
      throw new DomainError('unprocessable', `unit ${unit} does not convert to ${m.measure_unit}, the unit of ${code}`, { field: 'unit', value: unit, measure_unit: m.measure_unit });
    }
    return { ...m, factor: new Decimal(m.factor) };
  }

  private uniqueReference(err: unknown, reference: string | null): never {
    if ((err as { code?: string }).code === '23505') {
      throw new DomainError('conflict', `reference ${reference} is already used by the same sender`, { field: 'reference', value: reference });
    }
    throw err;
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}


/** Why a proposal was made: where the need is from the pledge, how deprived the place is, the measure it advances. */
function reasonOf(p: Proposal) {
  return {
    place: RELATION_TEXT[p.relation],
    relation: p.relation,
    deprivation: p.imdQuintile === null ? 'IMD quintile unknown' : `IMD quintile ${p.imdQuintile} of 5 (1: most deprived 20% of councils)`,
    imd_quintile: p.imdQuintile,
    measure_id: p.measureId,
    priority: priorityOf(p.relation, p.imdQuintile),
  };
}

/** The database's over-allocation check (matched <= quantity of a pledge or need) as a 409 naming what ran out. */
function overAllocated(matchId: number) {
  return (err: unknown): never => {
    const c = (err as { constraint?: string }).constraint;
    if (c === 'exchange_pledges_over_allocated' || c === 'exchange_needs_over_allocated') {
      const what = c === 'exchange_pledges_over_allocated' ? 'pledge' : 'need';
      throw new DomainError('conflict', `Accepting match ${matchId} would allocate more than its ${what} has left: another match was accepted first.`, {
        field: 'quantity',
        constraint: c,
      });
    }
    throw err;
  };
}
