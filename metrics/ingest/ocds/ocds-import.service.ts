import { Inject, Injectable, Logger } from '@nestjs/common';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import type { Database } from '../../platform/database';
import { DerivedDataService } from '../../derive/derived-data.service';
import { METRICS_OPTIONS, type MetricsOptions } from '../../platform/options';
import { DATABASE } from '../../platform/tokens';
import { transaction, withSession, type Session } from '../../platform/session';
import { DomainError } from '../../platform/errors';
import { ImportsRepository, type BatchRecord } from '../imports/imports.repository';
import { ImportsService, type ImportSender, type Progress } from '../imports/imports.service';
import { meterUpload, type ByteMeter } from '../imports/row-sources';
import { BuyerMatcher, type MatchMethod, type NewAuthority } from './buyer-matcher';
import { ocdsFiles, type FileImport } from './ocds-files';
import { mapRelease, mergeContract, ownString, type ContractState, type MappedRelease } from './ocds-map';
import { readOcds, type OcdsDocumentKind, type SourceRelease } from './ocds-source';
import { OcdsRepository, type ObservationRow, type ReleaseRow, type StoredProblem } from './ocds.repository';

export interface OcdsImportRequest {
  stream: Readable;
  mode?: string;
  fileName?: string | null;
  contentType?: string | null;
  idempotencyKey?: string | null;
  sender: ImportSender;
  isDemo?: boolean;
  /** Receives the package's metadata once read (a harvester takes `links.next` from it). */
  onPackage?: (meta: Record<string, unknown>) => void;
}

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
  };
  contracts: { inserted: number; updated: number; awarded: number; pipeline: number; cancelled: number };
  suppliers: { distinct: number };
  observations: { kept: number; commitments: number; outcomes: number; unmapped: number };
  non_gbp_values: number;
  warnings: number;
}

/** Releases mapped and written per round trip: bounds memory whatever the size of the package. */
const CHUNK = 1000;
/** Problems kept in memory for the report; past this only counted (the batch still says how many). */
const MAX_PROBLEMS = 100_000;

const releaseKey = (ocid: string, id: string) => ownString(`${ocid}\u0000${id}`);

/**
 * Imports an OCDS release package, record package, release or record as one batch: releases stream in, are mapped
 * (contract, buyer, suppliers, metrics), and are written a chunk at a time inside the batch's one transaction. A
 * release already imported is skipped; a newer release for the same ocid updates its contract. In strict mode any
 * rejected release rolls the batch back (its report kept); in partial mode the good releases are committed.
 */
@Injectable()
export class OcdsImportService {
  private readonly logger = new Logger('OcdsImport');
  private cpvCodes?: Promise<Set<string>>;

  constructor(
    private readonly ocds: OcdsRepository,
    private readonly batches: ImportsRepository,
    private readonly runner: ImportsService,
    @Inject(DATABASE) private readonly db: Database,
    @Inject(METRICS_OPTIONS) private readonly options: MetricsOptions,
    private readonly derived: DerivedDataService,
  ) {}

  async run(req: OcdsImportRequest, limitBytes = this.options.importLimitBytes): Promise<{ batch: BatchRecord; replayed: boolean }> {
    // from the first moment: a body that fails while the batch is being created must not go unheard
    const meter = meterUpload(req.stream, limitBytes);
    let streamError: Error | undefined;
    meter.on('error', (err) => (streamError ??= err));
    const type = (req.contentType ?? 'application/json').split(';')[0].trim().toLowerCase();
    if (type !== 'application/json' && type !== 'application/octet-stream') {
      req.stream.resume();
      throw new DomainError('unsupported_media_type', 'Send OCDS as application/json', { content_type: req.contentType ?? null });
    }
    const opened = await this.runner.openBatch({ ...req, kind: 'ocds', contentType: type });
    if ('replayed' in opened) return { batch: opened.replayed, replayed: true };
    const { mode, progress } = opened;
    const batch = progress.batch;
    const started = Date.now();
    try {
      if (streamError) throw streamError;
      const status = await withSession(this.db, async (s) => {
        await this.batches.markStarted(s, batch.id);
        return transaction(s, () => this.importAll(s, batch.id, mode, req, meter, progress));
      });
      const done = (await this.batches.findBatch(batch.id))!;
      this.logger.log({ msg: `import ${batch.id} ocds: ${status}`, batch: batch.id, status, releases: done.rows_total, rejected: done.rows_rejected, ms: Date.now() - started });
      return { batch: done, replayed: false };
    } catch (err) {
      throw await this.runner.failedBatch(batch, err, req.stream);
    } finally {
      this.runner.closeBatch(batch.id);
    }
  }

  /** Imports OCDS files from disk, one batch each (every .json under a folder); a file that fails is reported and the next goes on. */
  async importFiles(paths: string[], options: { mode?: string; sender: ImportSender }): Promise<FileImport[]> {
    const results: FileImport[] = [];
    for (const file of paths.flatMap(ocdsFiles)) {
      try {
        const { batch } = await this.run({ stream: createReadStream(file), mode: options.mode, fileName: basename(file), contentType: 'application/json', sender: options.sender });
        results.push({ file, batch });
      } catch (err) {
        const code = err instanceof DomainError ? err.code : 'failed';
        results.push({ file, error: { code, message: (err as Error).message } });
      }
    }
    return results;
  }

  private async importAll(
    s: Session,
    batchId: number,
    mode: string,
    req: OcdsImportRequest,
    meter: ByteMeter,
    progress: Progress,
  ): Promise<'committed' | 'rejected'> {
    await this.batches.tuneTransaction(s);
    const keys = await this.ocds.authorityKeys(s);
    const matcher = new BuyerMatcher(keys.identifiers, keys.names);
    // reference data: loaded once, not for every harvested page (and again after a failed load)
    this.cpvCodes ??= this.ocds.cpvCodes(s).catch((err: Error) => {
      this.cpvCodes = undefined;
      throw err;
    });
    const cpv = await this.cpvCodes;
    await s.query('savepoint ocds_data');

    const summary: OcdsSummary = {
      document: null,
      releases: { read: 0, imported: 0, already_imported: 0, rejected: 0 },
      buyers: { distinct: 0, by_identifier: 0, by_name: 0, created: 0, earlier_import: 0, match_rate: null, created_codes: [] },
      contracts: { inserted: 0, updated: 0, awarded: 0, pipeline: 0, cancelled: 0 },
      suppliers: { distinct: 0 },
      observations: { kept: 0, commitments: 0, outcomes: 0, unmapped: 0 },
      non_gbp_values: 0,
      warnings: 0,
    };
    const problems: StoredProblem[] = [];
    let problemCount = 0;
    const own = (v: string | null) => (v === null ? null : ownString(v));
    const report = (p: StoredProblem) => {
      problemCount += 1;
      if (p.severity === 'warning') summary.warnings += 1;
      if (p.code === 'non_gbp_value') summary.non_gbp_values += 1;
      if (problems.length < MAX_PROBLEMS) {
        // kept to the end of the batch: copies, not slices of the package text
        problems.push({ ...p, path: ownString(p.path), message: ownString(p.message), value: own(p.value), release_id: own(p.release_id) });
      }
    };
    const seenInBatch = new Set<string>();
    const buyers = new Map<string, MatchMethod>();
    const suppliersSeen = new Set<string>();
    const touched = new Set<string>();

    const flush = async (chunk: SourceRelease[]) => {
      const mapped: Array<{ m: MappedRelease; src: SourceRelease }> = [];
      for (const src of chunk) {
        const result = mapRelease(src.release, src.path);
        for (const p of result.problems) report({ ...p, row_number: src.index, release_id: result.release_id });
        if (!result.release) {
          summary.releases.rejected += 1;
          continue;
        }
        const key = releaseKey(result.release.ocid, result.release.release_id);
        if (seenInBatch.has(key)) {
          summary.releases.rejected += 1;
          report({
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
        seenInBatch.add(key);
        mapped.push({ m: result.release, src });
      }
      const known = await this.ocds.knownReleases(
        s,
        mapped.map(({ m }) => ({ ocid: m.ocid, release_id: m.release_id })),
      );
      const fresh = mapped.filter(({ m, src }) => {
        const sha = known.get(releaseKey(m.ocid, m.release_id));
        if (sha === undefined) return true;
        summary.releases.already_imported += 1;
        if (sha !== m.sha256) {
          report({
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
      if (fresh.length === 0) return;

      // buyers to authorities; a buyer met twice in the chunk (with and without its identifier) is created once
      const existing = await this.ocds.contracts(s, [...new Set(fresh.map(({ m }) => m.ocid))]);
      const toCreate = new Map<string, NewAuthority>();
      const pendingByName = new Map<string, NewAuthority>();
      const authorityOf = new Map<MappedRelease, { id?: number; code?: string; create?: string }>();
      for (const { m } of fresh) {
        const current = existing.get(m.ocid);
        if (!m.buyer) {
          if (current) authorityOf.set(m, { id: current.authority_id, code: current.authority_code });
          continue;
        }
        const match = matcher.match(m.buyer);
        const buyerKey = m.buyer.identifier ? `${m.buyer.scheme}:${m.buyer.identifier}` : `name:${m.buyer.name}`;
        if (!buyers.has(buyerKey)) buyers.set(ownString(buyerKey), match.method);
        if (match.authority) authorityOf.set(m, { id: match.authority.authority_id, code: match.authority.code });
        else if (match.create && req.sender.allowed) {
          authorityOf.set(m, { code: match.create.code }); // a key scoped to authorities creates none: refused below
        } else if (match.create) {
          const same = pendingByName.get(match.create.name_normalised);
          const create = same ?? match.create;
          if (!same) pendingByName.set(create.name_normalised, create);
          if (!create.identifier && match.create.identifier) Object.assign(create, { scheme: match.create.scheme, identifier: match.create.identifier });
          toCreate.set(create.code, create);
          authorityOf.set(m, { create: create.code });
        }
      }
      if (toCreate.size > 0) {
        const created = await this.ocds.createAuthorities(s, [...toCreate.values()], `OCDS import batch ${batchId}`);
        for (const a of toCreate.values()) {
          const key = created.get(a.code);
          if (key) matcher.remember(a, key);
        }
        for (const [m, ref] of authorityOf) {
          if (ref.create) {
            const key = created.get(ref.create)!;
            authorityOf.set(m, { id: key.authority_id, code: key.code });
            const codes = summary.buyers.created_codes;
            if (codes.length < 1000 && !codes.includes(key.code)) codes.push(ownString(key.code));
          }
        }
      }

      // which releases may be written: a buyer known, and the key allowed to write for it and for the contract's owner
      const owner = new Map<string, { id: number; code: string }>();
      const accepted: Array<{ m: MappedRelease; src: SourceRelease; authorityId: number }> = [];
      for (const { m, src } of [...fresh].sort((a, b) => a.m.date.localeCompare(b.m.date))) {
        const current = existing.get(m.ocid);
        const held = current ? { id: current.authority_id, code: current.authority_code } : owner.get(m.ocid);
        const authority = authorityOf.get(m) ?? held;
        const fail = (code: string, message: string, value: string | null) => {
          summary.releases.rejected += 1;
          report({ severity: 'error', path: src.path ? `${src.path}.buyer` : 'buyer', code, message, value, row_number: src.index, release_id: m.release_id });
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
        if (req.sender.allowed && (!req.sender.allowed.includes(authority.code) || !req.sender.allowed.includes(ownerCode))) {
          const code = req.sender.allowed.includes(authority.code) ? ownerCode : authority.code;
          fail('authority_not_allowed', `this key may not write for ${code}${code === ownerCode && held ? `, whose contract ${m.ocid} is` : ''}`, code);
          continue;
        }
        if (held && m.buyer && held.id !== authority.id) {
          report({
            severity: 'warning',
            path: src.path ? `${src.path}.buyer` : 'buyer',
            code: 'buyer_changed',
            message: `the contract belongs to ${held.code}; this release names ${authority.code}: the contract keeps its authority`,
            value: authority.code,
            row_number: src.index,
            release_id: m.release_id,
          });
        }
        if (m.contract.cpv && !cpv.has(m.contract.cpv)) {
          report({ severity: 'warning', path: src.path ? `${src.path}.tender` : 'tender', code: 'unknown_cpv', message: `${m.contract.cpv} is not a CPV 2008 code: no sector given`, value: m.contract.cpv, row_number: src.index, release_id: m.release_id });
          m.contract.cpv = null;
        }
        if (!held) owner.set(m.ocid, { id: authority.id, code: authority.code });
        accepted.push({ m, src, authorityId: authority.id });
      }

      // suppliers of the accepted releases only
      const suppliers = accepted.flatMap(({ m }) => m.suppliers);
      const supplierIds = await this.ocds.upsertSuppliers(s, suppliers);
      for (const sup of suppliers) suppliersSeen.add(ownString(OcdsRepository.supplierKey(sup)));

      // contracts: releases folded into each contract in date order
      const states = new Map<string, ContractState>();
      for (const { m, authorityId } of accepted) {
        const lead = m.suppliers[0];
        const incoming: ContractState = {
          ...m.contract,
          reference: m.ocid,
          authority_id: authorityId,
          supplier_id: lead ? (supplierIds.get(OcdsRepository.supplierKey(lead)) ?? null) : null,
          release_date: m.date,
          provenance: null,
        };
        states.set(m.ocid, mergeContract(states.get(m.ocid) ?? existing.get(m.ocid) ?? null, incoming));
      }
      const written = await this.ocds.upsertContracts(s, [...states.values()], batchId, req.isDemo ?? false);
      summary.contracts.inserted += written.inserted;
      summary.contracts.updated += written.updated;
      const contractId = (ocid: string) => written.ids.get(ocid) ?? existing.get(ocid)!.id;
      for (const ocid of states.keys()) touched.add(ownString(ocid));

      await this.ocds.linkSuppliers(
        s,
        accepted.flatMap(({ m }) =>
          m.suppliers
            .map((x) => supplierIds.get(OcdsRepository.supplierKey(x)))
            .filter((id): id is number => id !== undefined)
            .map((supplier_id) => ({ contract_id: contractId(m.ocid), supplier_id })),
        ),
      );
      const releases: ReleaseRow[] = accepted.map(({ m }) => ({
        ocid: m.ocid,
        release_id: m.release_id,
        release_date: m.date,
        tags: m.tags,
        sha256: m.sha256,
        contract_id: contractId(m.ocid),
      }));
      await this.ocds.insertReleases(s, releases, batchId);
      const observations: ObservationRow[] = accepted.flatMap(({ m }) =>
        m.observations.map((o) => ({ ...o, contract_id: contractId(m.ocid), ocid: m.ocid, release_id: m.release_id, release_date: m.date })),
      );
      await this.ocds.insertObservations(s, observations, batchId);
      summary.observations.kept += observations.length;
      summary.releases.imported += accepted.length;
    };

    let chunk: SourceRelease[] = [];
    if (meter.errored) throw meter.errored;
    const input = req.stream.pipe(meter); // only now: the body waits while the batch's reference data loads
    for await (const item of readOcds(input, (k) => (summary.document = k), req.onPackage)) {
      chunk.push(item);
      summary.releases.read += 1;
      if (chunk.length >= CHUNK) {
        await flush(chunk);
        chunk = [];
        progress.rows_received = summary.releases.read;
        progress.bytes_received = meter.bytes;
      }
    }
    await flush(chunk);
    progress.rows_received = summary.releases.read;
    progress.bytes_received = meter.bytes;
    progress.phase = 'merging';

    const applied = await this.ocds.applyObservations(s, { batchId, reportTo: batchId, isDemo: req.isDemo ?? false });
    summary.observations.commitments = applied.commitments;
    summary.observations.outcomes = applied.outcomes;
    summary.observations.unmapped = applied.unmapped;

    const methods = [...buyers.values()];
    summary.buyers.distinct = methods.length;
    summary.buyers.by_identifier = methods.filter((m) => m === 'identifier').length;
    summary.buyers.by_name = methods.filter((m) => m === 'name').length;
    summary.buyers.created = methods.filter((m) => m === 'created').length;
    summary.buyers.earlier_import = methods.filter((m) => m === 'earlier_import').length;
    const known = summary.buyers.by_identifier + summary.buyers.by_name;
    summary.buyers.match_rate = methods.length ? Math.round((known / methods.length) * 1000) / 1000 : null;
    summary.suppliers.distinct = suppliersSeen.size;
    if (touched.size > 0) {
      const stages = await s.query<{ stage: string; n: number }>(
        'select stage, count(*) as n from contracts where reference = any($1::text[]) group by stage',
        [[...touched]],
      );
      for (const r of stages) summary.contracts[r.stage as 'awarded' | 'pipeline' | 'cancelled'] = Number(r.n);
    }

    const rejected = summary.releases.rejected;
    const status = rejected > 0 && mode === 'strict' ? 'rejected' : 'committed';
    if (status === 'rejected') {
      await s.query('rollback to savepoint ocds_data'); // nothing of the data; the report is written below
      summary.releases.imported = 0;
      summary.contracts = { inserted: 0, updated: 0, awarded: 0, pipeline: 0, cancelled: 0 };
      summary.observations = { kept: 0, commitments: 0, outcomes: 0, unmapped: 0 };
      summary.buyers.created_codes = [];
    }
    await this.ocds.insertProblems(s, batchId, problems);
    if (problemCount > problems.length) {
      await this.ocds.insertProblems(s, batchId, [
        { severity: 'warning', path: '$', code: 'report_truncated', message: `${problemCount - problems.length} more problems were found and not listed`, value: null, row_number: null, release_id: null },
      ]);
    }
    await this.ocds.setSummary(s, batchId, summary);
    await this.derived.refresh(s);
    await this.batches.finishBatch(
      s,
      batchId,
      status,
      {
        rows_total: summary.releases.read,
        rows_inserted: summary.releases.imported,
        rows_updated: 0,
        rows_unchanged: summary.releases.already_imported,
        rows_rejected: rejected,
      },
      { sha256: meter.sha256(), bytes: meter.bytes },
    );
    return status;
  }
}
