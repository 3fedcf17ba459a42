import type { Session } from '../../platform/session';
import type { ImportSender } from '../imports/imports.service';
import type { BuyerMatcher, Candidate, MatchMethod, NewAuthority } from './buyer-matcher';
import { compileReleases, findAwardCorrections, OcdsCompileError, type AwardCorrection } from './ocds-compile';
import { mapRelease, mergeContract, ownString, type ContractState, type MappedRelease, type MappedSupplier } from './ocds-map';
import { mapReleaseNotices, type MappedNotices } from './ocds-notices';
import type { OcdsDocumentKind, SourceRelease } from './ocds-source';
import { OcdsRepository, type CompiledRow, type ObservationRow, type ReleaseRow, type StoredProblem } from './ocds.repository';

export interface OcdsSummary {
  document: OcdsDocumentKind | null;
  releases: { read: number; imported: number; already_imported: number; rejected: number };
  /**
   * Distinct buyers: matched to a known authority by identifier or by name, created now as `other`, or matched to an
   * `other` authority an earlier import created. The match rate counts the first two.
   */
  buyers: {
    distinct: number;
    by_identifier: number;
    by_name: number;
    created: number;
    earlier_import: number;
    match_rate: number | null;
    created_codes: string[];
    /**
     * The buyers matched to no known public body (created now as `other`, or matched to one an earlier import created),
     * up to 200, each with the nearest authorities by name: adding the buyer's name to the right one
     * (`POST /api/v1/authorities/{code}/names`) makes the next import match it there. `identifier`: its org-id
     * (`GB-PPON-PXXX-1234-ABCD`); `created_code`: the `other` authority that holds its contracts (null when none was
     * created: a key scoped to authorities, or a strict batch rejected).
     */
    unmatched: UnmatchedBuyer[];
  };
  contracts: { inserted: number; updated: number; awarded: number; pipeline: number; cancelled: number };
  suppliers: { distinct: number };
  observations: { kept: number; commitments: number; outcomes: number; unmapped: number };
  /** What the Procurement Act notices in the releases gave (UK7 KPIs, UK9 ratings, failures, UK10-UK12 events). */
  notices: { kpis: number; ratings: number; failures: number; changes: number; terminations: number; cancellations: number };
  /**
   * The processes whose releases were compiled (their contract derived from the compiled release), and the pairs of
   * awards newly found to look like one award published twice (each reported as an `award_correction` warning).
   */
  compiled: { processes: number; award_corrections: number };
  non_gbp_values: number;
  warnings: number;
}

export interface UnmatchedBuyer {
  name: string | null;
  identifier: string | null;
  created_code: string | null;
  candidates: Candidate[];
}

/** Unmatched buyers listed in a batch's summary (with their candidates); past this only counted. */
const MAX_UNMATCHED = 200;

/** Problems kept in memory for the report; past this only counted (the batch still says how many). */
const MAX_PROBLEMS = 100_000;

const releaseKey = (ocid: string, id: string) => ownString(`${ocid}\u0000${id}`);

type Existing = Map<string, ContractState & { id: number; authority_code: string }>;
type AuthorityRef = { id?: number; code?: string; create?: string };
type Accepted = { m: MappedRelease; src: SourceRelease; authorityId: number };
/**
 * A process's releases compiled: what is kept (`row`, without the contract's id yet) and the contract it gives. `row`
 * null for a new process of one release with no pair of awards flagged: its compiled release is that release
 * compiled, so no row is written, and the process is compiled from the bodies held when its next release comes.
 */
type Compiled = { row: (Omit<CompiledRow, 'contract_id'> & { release_date: string }) | null; mapped: MappedRelease | null };

/** How many awards a release as published lists. */
const awardCount = (release: unknown): number => {
  const awards = (release as { awards?: unknown }).awards;
  return Array.isArray(awards) ? awards.length : 0;
};

const correctionKey = (c: AwardCorrection) => `${c.first}\u0000${c.second}`;

/**
 * One OCDS batch being imported, on the session of its transaction: what it has read and found so far, and the steps
 * each chunk of releases goes through: mapped, kept if not already held, its buyers matched to authorities (or
 * created), checked against what the sender may write, and written (suppliers, contracts, releases, observations).
 * `finish` turns the observations into commitments and outcomes and completes the summary and the report.
 */
export class OcdsBatch {
  readonly summary: OcdsSummary = {
    document: null,
    releases: { read: 0, imported: 0, already_imported: 0, rejected: 0 },
    buyers: { distinct: 0, by_identifier: 0, by_name: 0, created: 0, earlier_import: 0, match_rate: null, created_codes: [], unmatched: [] },
    contracts: { inserted: 0, updated: 0, awarded: 0, pipeline: 0, cancelled: 0 },
    suppliers: { distinct: 0 },
    observations: { kept: 0, commitments: 0, outcomes: 0, unmapped: 0 },
    notices: { kpis: 0, ratings: 0, failures: 0, changes: 0, terminations: 0, cancellations: 0 },
    compiled: { processes: 0, award_corrections: 0 },
    non_gbp_values: 0,
    warnings: 0,
  };
  /** The notices of the releases of the chunk being written. */
  private readonly notices = new Map<MappedRelease, MappedNotices>();
  private readonly problems: StoredProblem[] = [];
  private problemCount = 0;
  private readonly seenInBatch = new Set<string>();
  private readonly buyers = new Map<string, MatchMethod>();
  private readonly suppliersSeen = new Set<string>();
  private readonly touched = new Set<string>();

  constructor(
    private readonly s: Session,
    private readonly ocds: OcdsRepository,
    private readonly batchId: number,
    private readonly sender: ImportSender,
    private readonly isDemo: boolean,
    private readonly matcher: BuyerMatcher,
    private readonly cpv: Set<string>,
  ) {}

  /** A problem for the report: kept to the end of the batch as copies, not slices of the package text. */
  report(p: StoredProblem): void {
    this.problemCount += 1;
    if (p.severity === 'warning') this.summary.warnings += 1;
    if (p.code === 'non_gbp_value') this.summary.non_gbp_values += 1;
    if (this.problems.length < MAX_PROBLEMS) {
      const own = (v: string | null) => (v === null ? null : ownString(v));
      this.problems.push({ ...p, path: ownString(p.path), message: ownString(p.message), value: own(p.value), release_id: own(p.release_id) });
    }
  }

  /** A chunk of releases read from the document, through every step. */
  async write(chunk: SourceRelease[]): Promise<void> {
    this.notices.clear();
    const fresh = await this.unseen(this.map(chunk));
    if (fresh.length === 0) return;
    const existing = await this.ocds.contracts(this.s, [...new Set(fresh.map(({ m }) => m.ocid))]);
    const authorityOf = await this.matchBuyers(fresh, existing);
    const accepted = this.accept(fresh, existing, authorityOf);
    await this.store(accepted, existing);
  }

  // ---- mapped: each release into a contract, buyer, suppliers and metrics; a release twice in the document rejected
  private map(chunk: SourceRelease[]): Array<{ m: MappedRelease; src: SourceRelease }> {
    const mapped: Array<{ m: MappedRelease; src: SourceRelease }> = [];
    for (const src of chunk) {
      const result = mapRelease(src.release, src.path);
      for (const p of result.problems) this.report({ ...p, row_number: src.index, release_id: result.release_id });
      if (!result.release) {
        this.summary.releases.rejected += 1;
        continue;
      }
      const key = releaseKey(result.release.ocid, result.release.release_id);
      if (this.seenInBatch.has(key)) {
        this.summary.releases.rejected += 1;
        this.report({
          severity: 'error',
          path: src.path ? `${src.path}.id` : 'id',
          code: 'duplicate_release',
          message: `release ${result.release.release_id} of ${result.release.ocid} appears earlier in this document`,
          value: result.release.release_id,
          row_number: src.index,
          release_id: result.release.release_id,
        });
        continue;
      }
      this.seenInBatch.add(key);
      const notices = mapReleaseNotices(src.release, src.path);
      for (const p of notices.problems) this.report({ ...p, row_number: src.index, release_id: result.release_id });
      if (notices.notices) this.notices.set(result.release, notices.notices);
      mapped.push({ m: result.release, src });
    }
    return mapped;
  }

  // ---- kept: releases not imported before (one imported before with other content is reported and left)
  private async unseen(mapped: Array<{ m: MappedRelease; src: SourceRelease }>) {
    const known = await this.ocds.knownReleases(
      this.s,
      mapped.map(({ m }) => ({ ocid: m.ocid, release_id: m.release_id })),
    );
    return mapped.filter(({ m, src }) => {
      const sha = known.get(releaseKey(m.ocid, m.release_id));
      if (sha === undefined) return true;
      this.summary.releases.already_imported += 1;
      if (sha !== m.sha256) {
        this.report({
          severity: 'warning',
          path: src.path ? `${src.path}.id` : 'id',
          code: 'release_changed',
          message: 'a release with this id was imported before with different content: OCDS releases do not change, so the first one is kept',
          value: m.release_id,
          row_number: src.index,
          release_id: m.release_id,
        });
      }
      return false;
    });
  }

  // ---- buyers to authorities; a buyer met twice in the chunk (with and without its identifier) is created once
  private async matchBuyers(fresh: Array<{ m: MappedRelease }>, existing: Existing): Promise<Map<MappedRelease, AuthorityRef>> {
    const toCreate = new Map<string, NewAuthority>();
    const pendingByName = new Map<string, NewAuthority>();
    const authorityOf = new Map<MappedRelease, AuthorityRef>();
    const kept: Array<{ scheme: string; identifier: string; authority_id: number }> = [];
    const allowed = this.sender.allowed;
    for (const { m } of fresh) {
      const current = existing.get(m.ocid);
      if (!m.buyer) {
        if (current) authorityOf.set(m, { id: current.authority_id, code: current.authority_code });
        continue;
      }
      const match = this.matcher.match(m.buyer);
      const buyerKey = m.buyer.identifier ? `${m.buyer.scheme}:${m.buyer.identifier}` : `name:${m.buyer.name}`;
      const first = !this.buyers.has(buyerKey);
      if (first) this.buyers.set(ownString(buyerKey), match.method);
      if (match.authority) {
        authorityOf.set(m, { id: match.authority.authority_id, code: match.authority.code });
        // a known authority keeps the buyer's PPON (if the key may write for it), so later notices match by it
        if (allowed === null || allowed.includes(match.authority.code)) {
          for (const i of this.matcher.keepIdentifiers(m.buyer, match.authority)) kept.push({ ...i, authority_id: match.authority.authority_id });
        }
        if (first && match.method === 'earlier_import') this.unmatched(m.buyer, match.authority.code);
      } else if (match.create && allowed) {
        authorityOf.set(m, { code: match.create.code }); // a key scoped to authorities creates none: refused below
        if (first) this.unmatched(m.buyer, null);
      } else if (match.create) {
        const same = pendingByName.get(match.create.name_normalised);
        const create = same ?? match.create;
        if (!same) pendingByName.set(create.name_normalised, create);
        if (!create.identifier && match.create.identifier) Object.assign(create, { scheme: match.create.scheme, identifier: match.create.identifier });
        toCreate.set(create.code, create);
        authorityOf.set(m, { create: create.code });
        if (first) this.unmatched(m.buyer, create.code);
      }
    }
    await this.ocds.keepIdentifiers(this.s, kept);
    if (toCreate.size > 0) await this.createAuthorities(toCreate, authorityOf);
    return authorityOf;
  }

  /** A buyer matched to no known public body, listed in the summary with the authorities nearest its name. */
  private unmatched(buyer: NonNullable<MappedRelease['buyer']>, code: string | null): void {
    const list = this.summary.buyers.unmatched;
    if (list.length >= MAX_UNMATCHED) return;
    const own = (v: string | null | undefined) => (v ? ownString(v) : null);
    list.push({
      name: own(buyer.name),
      identifier: buyer.scheme && buyer.identifier ? ownString(`${buyer.scheme}-${buyer.identifier}`) : null,
      created_code: own(code),
      candidates: this.matcher.candidates(buyer.name).map((c) => ({ ...c, code: ownString(c.code), name: ownString(c.name) })),
    });
  }

  private async createAuthorities(toCreate: Map<string, NewAuthority>, authorityOf: Map<MappedRelease, AuthorityRef>): Promise<void> {
    const created = await this.ocds.createAuthorities(this.s, [...toCreate.values()], `OCDS import batch ${this.batchId}`);
    for (const a of toCreate.values()) {
      const key = created.get(a.code);
      if (key) this.matcher.remember(a, key);
    }
    for (const [m, ref] of authorityOf) {
      if (!ref.create) continue;
      const key = created.get(ref.create)!;
      authorityOf.set(m, { id: key.authority_id, code: key.code });
      const codes = this.summary.buyers.created_codes;
      if (codes.length < 1000 && !codes.includes(key.code)) codes.push(ownString(key.code));
    }
  }

  // ---- accepted: a buyer known, and the key allowed to write for it and for the contract's owner
  private accept(fresh: Array<{ m: MappedRelease; src: SourceRelease }>, existing: Existing, authorityOf: Map<MappedRelease, AuthorityRef>): Accepted[] {
    const owner = new Map<string, { id: number; code: string }>();
    const accepted: Accepted[] = [];
    const allowed = this.sender.allowed;
    for (const { m, src } of [...fresh].sort((a, b) => a.m.date.localeCompare(b.m.date))) {
      const current = existing.get(m.ocid);
      const held = current ? { id: current.authority_id, code: current.authority_code } : owner.get(m.ocid);
      const authority = authorityOf.get(m) ?? held;
      const fail = (code: string, message: string, value: string | null) => {
        this.summary.releases.rejected += 1;
        this.report({ severity: 'error', path: src.path ? `${src.path}.buyer` : 'buyer', code, message, value, row_number: src.index, release_id: m.release_id });
      };
      if (!authority?.id && authority?.code) {
        fail('authority_not_allowed', `the buyer ${m.buyer?.name ?? authority.code} matches no authority this key may write for`, m.buyer?.name ?? authority.code);
        continue;
      }
      if (!authority?.id || !authority.code) {
        fail('missing_buyer', `the release names no buyer, and no earlier release of ${m.ocid} did`, null);
        continue;
      }
      const ownerCode = held?.code ?? authority.code;
      if (allowed && (!allowed.includes(authority.code) || !allowed.includes(ownerCode))) {
        const code = allowed.includes(authority.code) ? ownerCode : authority.code;
        fail('authority_not_allowed', `this key may not write for ${code}${code === ownerCode && held ? `, whose contract ${m.ocid} is` : ''}`, code);
        continue;
      }
      if (held && m.buyer && held.id !== authority.id) {
        this.report({
          severity: 'warning',
          path: src.path ? `${src.path}.buyer` : 'buyer',
          code: 'buyer_changed',
          message: `the contract belongs to ${held.code}; this release names ${authority.code}: the contract keeps its authority`,
          value: authority.code,
          row_number: src.index,
          release_id: m.release_id,
        });
      }
      if (m.contract.cpv && !this.cpv.has(m.contract.cpv)) {
        this.report({ severity: 'warning', path: src.path ? `${src.path}.tender` : 'tender', code: 'unknown_cpv', message: `${m.contract.cpv} is not a CPV 2008 code: no sector given`, value: m.contract.cpv, row_number: src.index, release_id: m.release_id });
        m.contract.cpv = null;
      }
      if (!held) owner.set(m.ocid, { id: authority.id, code: authority.code });
      accepted.push({ m, src, authorityId: authority.id });
    }
    return accepted;
  }

  // ---- compiled: each process's releases, those held and those accepted now, into one release by the standard's
  // merge rules (awards and other arrays of objects merged by id, the newest value of each field winning). A process
  // whose newest compiled release is older than every release brought now is compiled incrementally (its compiled
  // release, then the new ones: the same result, since a later release wins); one that gets an older release is
  // compiled again from the bodies held. Pairs of awards that look like one award published twice are reported
  // (`award_correction`) the first time they are found, and both awards kept.
  private async compile(accepted: Accepted[], existing: Existing): Promise<Map<string, Compiled>> {
    const byOcid = new Map<string, Accepted[]>();
    for (const a of accepted) {
      const list = byOcid.get(a.m.ocid);
      if (list) list.push(a);
      else byOcid.set(a.m.ocid, [a]);
    }
    const held = [...byOcid.keys()].filter((ocid) => existing.has(ocid));
    const kept = await this.ocds.compiled(this.s, held);
    const recompile = new Set(
      held.filter((ocid) => {
        const row = kept.get(ocid);
        const at = row ? Date.parse(String(row.compiled.date)) : Number.NaN;
        return !Number.isFinite(at) || byOcid.get(ocid)!.some(({ m }) => Date.parse(m.date) < at);
      }),
    );
    const bodies = await this.ocds.releaseBodies(this.s, [...recompile]);
    const out = new Map<string, Compiled>();
    for (const [ocid, news] of byOcid) {
      const row = kept.get(ocid);
      let base: unknown[] = [];
      let count = 0;
      let complete = true;
      if (recompile.has(ocid)) {
        const stored = bodies.get(ocid);
        base = stored?.bodies ?? [];
        count = base.length;
        complete = (stored?.missing ?? 0) === 0;
      } else if (row) {
        base = [row.compiled];
        count = row.release_count;
        complete = row.complete;
      }
      const newest = news[news.length - 1]; // accepted in date order
      // a new process of one release: its compiled release says what the release says (its mapping is reused), and
      // with fewer than two awards there is no pair to flag, so nothing is kept and there is nothing to compile
      const single = base.length === 0 && news.length === 1;
      if (single && complete && awardCount(newest.src.release) < 2) {
        this.summary.compiled.processes += 1;
        out.set(ocid, { row: null, mapped: { ...newest.m, contract: { ...newest.m.contract } } });
        continue;
      }
      let compiled: Record<string, unknown>;
      try {
        compiled = compileReleases([...base, ...news.map(({ src }) => src.release)]);
      } catch (err) {
        if (!(err instanceof OcdsCompileError)) throw err;
        this.compileProblem(newest, `the releases of ${ocid} could not be compiled (${err.message})`);
        continue;
      }
      const corrections = findAwardCorrections(compiled);
      const before = new Set((row?.award_corrections ?? []).map(correctionKey));
      for (const c of corrections) if (!before.has(correctionKey(c))) this.reportCorrection(c, news);
      const result = single ? { release: { ...newest.m, contract: { ...newest.m.contract } }, problems: [] } : mapRelease(compiled, '');
      if (!result.release) {
        const why = result.problems.find((p) => p.severity === 'error');
        this.compileProblem(newest, `the compiled release of ${ocid} could not be read (${why?.path}: ${why?.message}); the contract follows its releases one by one`);
      } else if (result.release.contract.cpv && !this.cpv.has(result.release.contract.cpv)) {
        result.release.contract.cpv = null; // reported with the release that gave it
      }
      this.summary.compiled.processes += 1;
      const keep = { ocid, compiled, release_count: count + news.length, release_date: String(compiled.date), complete, award_corrections: corrections };
      out.set(ocid, { row: single && complete && corrections.length === 0 ? null : keep, mapped: result.release });
    }
    return out;
  }

  private compileProblem({ m, src }: Accepted, message: string): void {
    this.report({ severity: 'warning', path: src.path || '$', code: 'compile_failed', message, value: m.ocid, row_number: src.index, release_id: m.release_id });
  }

  /** A pair of awards flagged on the release of this batch that brought the later one (else the newest). */
  private reportCorrection(c: AwardCorrection, news: Accepted[]): void {
    let at: { a: Accepted; i: number } | undefined;
    for (const id of [c.second, c.first]) {
      for (const a of [...news].reverse()) {
        const awards = (a.src.release as { awards?: unknown }).awards;
        const i = Array.isArray(awards) ? awards.findIndex((x) => x && typeof x === 'object' && String((x as { id?: unknown }).id) === id) : -1;
        if (i >= 0) {
          at = { a, i };
          break;
        }
      }
      if (at) break;
    }
    const { m, src } = at?.a ?? news[news.length - 1];
    const field = at ? `awards[${at.i}].id` : 'awards';
    this.summary.compiled.award_corrections += 1;
    this.report({
      severity: 'warning',
      path: src.path ? `${src.path}.${field}` : field,
      code: 'award_correction',
      message: `awards ${c.first} and ${c.second} of ${m.ocid} look like one award published twice (${c.reason}): both are kept, as the standard compiles them, and both count in the contract's value`,
      value: `${c.first}, ${c.second}`.slice(0, 200),
      row_number: src.index,
      release_id: m.release_id,
    });
  }

  // ---- written: the suppliers of the accepted releases, their contracts (each derived from its process's compiled
  // release; releases folded in date order where it could not be compiled), the releases with their bodies, the
  // compiled releases, and the releases' metric observations and notices
  private async store(accepted: Accepted[], existing: Existing): Promise<void> {
    const compiled = await this.compile(accepted, existing);
    const suppliers = [...accepted.flatMap(({ m }) => m.suppliers), ...[...compiled.values()].flatMap((c) => c.mapped?.suppliers ?? [])];
    const supplierIds = await this.ocds.upsertSuppliers(this.s, suppliers);
    for (const sup of suppliers) this.suppliersSeen.add(ownString(OcdsRepository.supplierKey(sup)));

    const incoming = (m: MappedRelease, authorityId: number): ContractState => {
      const lead = m.suppliers[0];
      return {
        ...m.contract,
        reference: m.ocid,
        authority_id: authorityId,
        supplier_id: lead ? (supplierIds.get(OcdsRepository.supplierKey(lead)) ?? null) : null,
        release_date: m.date,
        provenance: null,
      };
    };
    const states = new Map<string, ContractState>();
    for (const { m, authorityId } of accepted) {
      const c = compiled.get(m.ocid);
      if (c?.mapped) {
        // the first accepted release of the process gives a new contract its authority (mergeContract keeps a held one's)
        if (!states.has(m.ocid)) states.set(m.ocid, mergeContract(existing.get(m.ocid) ?? null, incoming({ ...c.mapped, ocid: m.ocid }, authorityId)));
      } else {
        states.set(m.ocid, mergeContract(states.get(m.ocid) ?? existing.get(m.ocid) ?? null, incoming(m, authorityId)));
      }
    }
    const written = await this.ocds.upsertContracts(this.s, [...states.values()], this.batchId, this.isDemo);
    this.summary.contracts.inserted += written.inserted;
    this.summary.contracts.updated += written.updated;
    const contractId = (ocid: string) => written.ids.get(ocid) ?? existing.get(ocid)!.id;
    for (const ocid of states.keys()) this.touched.add(ownString(ocid));

    const links = (ocid: string, list: MappedSupplier[]) =>
      list
        .map((x) => supplierIds.get(OcdsRepository.supplierKey(x)))
        .filter((id): id is number => id !== undefined)
        .map((supplier_id) => ({ contract_id: contractId(ocid), supplier_id }));
    await this.ocds.linkSuppliers(this.s, [
      ...accepted.flatMap(({ m }) => links(m.ocid, m.suppliers)),
      ...[...compiled].flatMap(([ocid, c]) => links(ocid, c.mapped?.suppliers ?? [])),
    ]);
    const releases: ReleaseRow[] = accepted.map(({ m, src }) => ({
      ocid: m.ocid,
      release_id: m.release_id,
      release_date: m.date,
      tags: m.tags,
      sha256: m.sha256,
      contract_id: contractId(m.ocid),
      body: src.release,
    }));
    await this.ocds.insertReleases(this.s, releases, this.batchId);
    await this.ocds.upsertCompiled(
      this.s,
      [...compiled].flatMap(([ocid, c]) => (c.row ? [{ ...c.row, contract_id: contractId(ocid) }] : [])),
      this.batchId,
    );
    const observations: ObservationRow[] = accepted.flatMap(({ m }) =>
      m.observations.map((o) => ({ ...o, contract_id: contractId(m.ocid), ocid: m.ocid, release_id: m.release_id, release_date: m.date })),
    );
    await this.ocds.insertObservations(this.s, observations, this.batchId);
    this.summary.observations.kept += observations.length;
    const notices = accepted.flatMap(({ m }) => {
      const n = this.notices.get(m);
      if (!n) return [];
      const supplierOf = (o: MappedNotices['ratings'][number]['supplier']) =>
        o ? (supplierIds.get(OcdsRepository.supplierKey({ ...o, name: o.name ?? '' } as MappedSupplier)) ?? null) : null;
      return [{ ...n, ratings: n.ratings.map((r) => ({ ...r, supplier_id: supplierOf(r.supplier) })), contract_id: contractId(m.ocid), release_id: m.release_id, release_date: m.date }];
    });
    const wrote = await this.ocds.writeNotices(this.s, notices, this.batchId);
    for (const k of Object.keys(wrote) as Array<keyof OcdsSummary['notices']>) this.summary.notices[k] += wrote[k];
    this.summary.releases.imported += accepted.length;
  }

  /**
   * Every release read: observations become commitments and outcomes, the summary is completed, and in strict mode
   * with a rejected release the data is rolled back to `savepoint` (the report is written either way). The status.
   */
  async finish(mode: string, savepoint: string): Promise<'committed' | 'rejected'> {
    const applied = await this.ocds.applyObservations(this.s, { batchId: this.batchId, reportTo: this.batchId, isDemo: this.isDemo });
    this.summary.observations.commitments = applied.commitments;
    this.summary.observations.outcomes = applied.outcomes;
    this.summary.observations.unmapped = applied.unmapped;
    this.summariseBuyers();
    this.summary.suppliers.distinct = this.suppliersSeen.size;
    if (this.touched.size > 0) {
      for (const r of await this.ocds.stages(this.s, [...this.touched])) this.summary.contracts[r.stage as 'awarded' | 'pipeline' | 'cancelled'] = r.n;
    }
    const status = this.summary.releases.rejected > 0 && mode === 'strict' ? 'rejected' : 'committed';
    if (status === 'rejected') {
      await this.ocds.rollbackTo(this.s, savepoint); // nothing of the data; the report is written below
      this.summary.releases.imported = 0;
      this.summary.contracts = { inserted: 0, updated: 0, awarded: 0, pipeline: 0, cancelled: 0 };
      this.summary.observations = { kept: 0, commitments: 0, outcomes: 0, unmapped: 0 };
      this.summary.notices = { kpis: 0, ratings: 0, failures: 0, changes: 0, terminations: 0, cancellations: 0 };
      this.summary.compiled = { processes: 0, award_corrections: 0 };
      const rolledBack = new Set(this.summary.buyers.created_codes);
      for (const u of this.summary.buyers.unmatched) if (u.created_code && rolledBack.has(u.created_code)) u.created_code = null;
      this.summary.buyers.created_codes = [];
    }
    await this.ocds.insertProblems(this.s, this.batchId, this.problems);
    if (this.problemCount > this.problems.length) {
      await this.ocds.insertProblems(this.s, this.batchId, [
        { severity: 'warning', path: '$', code: 'report_truncated', message: `${this.problemCount - this.problems.length} more problems were found and not listed`, value: null, row_number: null, release_id: null },
      ]);
    }
    await this.ocds.setSummary(this.s, this.batchId, this.summary);
    return status;
  }

  private summariseBuyers(): void {
    const methods = [...this.buyers.values()];
    const b = this.summary.buyers;
    b.distinct = methods.length;
    b.by_identifier = methods.filter((m) => m === 'identifier').length;
    b.by_name = methods.filter((m) => m === 'name').length;
    b.created = methods.filter((m) => m === 'created').length;
    b.earlier_import = methods.filter((m) => m === 'earlier_import').length;
    const known = b.by_identifier + b.by_name;
    b.match_rate = methods.length ? Math.round((known / methods.length) * 1000) / 1000 : null;
  }
}
