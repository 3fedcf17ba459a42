import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Database } from '../platform/database';
import { tryLock, waitForLock } from '../platform/locks';
import { METRICS_OPTIONS, type MetricsOptions } from '../platform/options';
import { knexSession, transaction, withSession, type Session } from '../platform/session';
import { DATABASE } from '../platform/tokens';
import { ChangeLogRepository } from './change-log.repository';
import { DeliveryRefresher, deliveryState, type DeliveryState } from './delivery/delivery.refresher';
import { replaceCoarser } from './levels';
import { FACTOR_HASHES, refreshOutliers } from './quality/quality.refresher';
import { REFRESHERS, type Changes, type Refresher } from './refresher';
import { MeasureRollupsRefresher } from './rollups/measure-rollups.refresher';
import { Dec } from './valuation/valuation';
import { ValuationRepository } from './valuation/valuation.repository';
import type { RatingThresholds } from './valuation/delivery';

/** The version of the derived data this code keeps (derived_state): a database behind it is rebuilt once at start. */
export const DERIVED_VERSION = 1;

export interface RefreshResult extends Changes {
  ms: number;
  /** Milliseconds of each refresher that had work (cells, groups, delivery, quality). */
  steps: Record<string, number>;
}

export interface RebuildResult {
  cells: number;
  groups: number;
  contracts: number;
  ms: number;
}

/**
 * The only entry to the data derived from contracts, commitments and outcomes (valuation factors, every rollup level,
 * commitment vs delivery, quality flags). Writes to those tables log what they changed (one set of statement
 * triggers, whatever wrote them); `refresh` runs at the end of every import batch, in its transaction, and moves
 * everything derived by those changes, so a committed batch and what is derived from it are one unit. `rebuild`
 * recomputes everything (`npm run cli -- rollups rebuild`); `revalue` follows a change of proxy values or price
 * series; the delivery figures move on when the quarter rolls over, and outlier flags are recomputed off the request
 * path (the jobs of api/schedule).
 */
@Injectable()
export class DerivedDataService {
  private readonly logger = new Logger('Derived');
  private rebuildingDelivery = false;

  constructor(
    @Inject(DATABASE) private readonly db: Database,
    @Inject(METRICS_OPTIONS) private readonly options: MetricsOptions,
    @Inject(REFRESHERS) private readonly refreshers: Refresher[],
    private readonly log: ChangeLogRepository,
    private readonly valuation: ValuationRepository,
    private readonly cells: MeasureRollupsRefresher,
    private readonly delivery: DeliveryRefresher,
  ) {}

  /**
   * Brings everything derived up to date with the changes since the last refresh (call it inside the transaction
   * that made them). One refresh at a time, to the end of its transaction: two batches committing at once would
   * otherwise both rewrite a cell they share from snapshots that miss each other's rows. Waiting here, the later one
   * reads the earlier one's committed rows (READ COMMITTED takes a snapshot per statement).
   */
  async refresh(s: Session): Promise<RefreshResult> {
    const started = Date.now();
    await waitForLock(s, 'derivedData');
    const changes = await this.log.take(s);
    const steps: Record<string, number> = {};
    for (const r of this.refreshers) {
      const t0 = Date.now();
      await r.refresh(s, changes);
      const ms = Date.now() - t0;
      if (ms > 0) steps[r.name] = ms;
    }
    await this.log.drop(s);
    return { ...changes, ms: Date.now() - started, steps };
  }

  /** Factors, every level and every flag from nothing (inside a transaction); the change log emptied. */
  async rebuild(s: Session): Promise<RebuildResult> {
    const started = Date.now();
    await waitForLock(s, 'derivedData');
    await this.log.discard(s);
    await this.writeFactors(s);
    for (const r of this.refreshers) await r.rebuild(s);
    await this.log.setVersion(s, DERIVED_VERSION);
    return { ...(await this.log.sizes(s)), ms: Date.now() - started };
  }

  /** Everything rebuilt in a transaction of its own (`npm run cli -- rollups rebuild`). */
  rebuildAll(): Promise<RebuildResult> {
    return withSession(this.db, (s) => transaction(s, () => this.rebuild(s)));
  }

  /** Rebuilds when the derived data is of another version than this code's (a schema change asked for it). */
  async ensureVersion(s: Session): Promise<RebuildResult | null> {
    const version = await this.log.version(s);
    if (version === undefined || version === DERIVED_VERSION) return null;
    return this.rebuild(s);
  }

  /**
   * Recomputes every measure's £ per unit from the catalogue and the price series (a framework loaded, deflators
   * changed); where a measure's factors changed, its rollup cells are revalued, the coarser levels with them, and its
   * delivery figures recounted. Returns the measures revalued. Inside a transaction.
   */
  async revalue(s: Session): Promise<number[]> {
    await waitForLock(s, 'derivedData');
    const changed = await this.writeFactors(s);
    if (changed.length === 0) return [];
    await this.cells.reprice(s, changed);
    await replaceCoarser(s, 'measure_cells');
    await this.log.logDeliveryOf(s, changed);
    await this.refresh(s);
    return changed;
  }

  /** The coarser levels of the measure rollups from the cells again: authorities re-seeded may have moved region or kind. */
  async regroupAreas(s: Session): Promise<void> {
    await waitForLock(s, 'derivedData');
    await replaceCoarser(s, 'measure_cells');
  }

  private async writeFactors(s: Session): Promise<number[]> {
    const inputs = await this.valuation.inputsIn(s);
    return this.valuation.write(s, ValuationRepository.compute(inputs), true);
  }

  /** The as-of date and rating thresholds of the stored delivery figures. */
  deliveryState(): Promise<DeliveryState> {
    return deliveryState(knexSession(this.db.knex));
  }

  /**
   * Rebuilds the stored delivery figures when they are not as of the last closed quarter (or the fixed as-of date),
   * were rated with other thresholds than `thresholds` (default: the configured ones), or were never computed. One
   * instance does it (an advisory lock, and the check repeated under it); pending changes are applied first, so the
   * rebuild and the log agree. Returns whether it rebuilt.
   */
  async ensureDeliveryCurrent(thresholds: RatingThresholds = this.options.delivery.thresholds): Promise<boolean> {
    if (this.rebuildingDelivery) return false;
    this.rebuildingDelivery = true;
    try {
      const stale = (st: DeliveryState) => st.as_of === null || st.as_of !== st.target || !sameThresholds(st.thresholds, thresholds);
      if (!stale(await this.deliveryState())) return false;
      return await withSession(this.db, (s) =>
        transaction(s, async () => {
          if (!(await tryLock(s, 'deliveryRebuild'))) return false;
          await this.refresh(s);
          const state = await deliveryState(s, true);
          if (!stale(state)) return false;
          await this.delivery.setThresholds(s, thresholds);
          const started = Date.now();
          await this.delivery.rebuild(s);
          this.logger.log({ msg: 'delivery figures rebuilt', from: state.as_of, as_of: state.target, ms: Date.now() - started });
          return true;
        }),
      );
    } finally {
      this.rebuildingDelivery = false;
    }
  }

  /**
   * Recomputes the outlier flags of every measure a batch marked, or whose factors changed since (cheap when nothing
   * did). Readers wait for a recompute under way (`wait`, the default); the background job does not (`wait: false`:
   * nothing when another holds the lock). Returns the measures recomputed.
   */
  async ensureOutliersCurrent(options: { wait?: boolean } = {}): Promise<number[]> {
    if (!(await this.log.outliersStale(knexSession(this.db.knex), FACTOR_HASHES))) return [];
    return withSession(this.db, (s) => transaction(s, () => refreshOutliers(s, options)));
  }
}

function sameThresholds(a: RatingThresholds, b: RatingThresholds): boolean {
  return (['good', 'approaching_target', 'requires_improvement'] as const).every((k) => new Dec(a[k]).eq(b[k]));
}
