import type { Session } from '../../platform/session';
import { ValuationRepository } from '../valuation/valuation.repository';
import { rollupRefreshers, type RollupRefresher } from './refreshers';
import { RollupsRepository, type RefreshCounts } from './rollups.repository';

export interface RefreshResult extends RefreshCounts {
  ms: number;
  /** Milliseconds of each step: cells, groups and each refresher by name. */
  steps?: Record<string, number>;
}

/**
 * Keeps the rollups equal to the raw data. Writes to contracts, commitments and outcomes record what they changed
 * (statement triggers); `refresh` runs at the end of every import batch, in its transaction, and moves the rollups by
 * those changes (recomputing whole only the authority-sector groups whose contracts moved or went), so a committed
 * batch and its rollups are one unit. `rebuild` recomputes everything (`npm run cli -- rollups
 * rebuild`); `refreshFactors` revalues every measure after proxy values or deflators changed.
 * A plain class (the CLI builds one without Nest); the app registers it as a provider.
 */
export class RollupsService {
  private readonly repo = new RollupsRepository();
  private readonly valuation = new ValuationRepository();

  constructor(private readonly refreshers: RollupRefresher[] = rollupRefreshers()) {}

  /** Brings everything up to date with the changes since the last refresh (call inside the transaction that made them). */
  async refresh(s: Session): Promise<RefreshResult> {
    const started = Date.now();
    await this.lock(s);
    const counts = await this.repo.takeDirty(s);
    const steps: Record<string, number> = {};
    const step = async (name: string, fn: () => Promise<void>) => {
      const t0 = Date.now();
      await fn();
      steps[name] = Date.now() - t0;
    };
    if (counts.cells > 0) await step('cells', () => this.repo.refreshCells(s));
    if (counts.groups > 0) await step('groups', () => this.repo.refreshGroups(s));
    if (counts.contracts > 0) for (const r of this.refreshers) await step(r.name, () => r.refresh(s, false));
    await this.repo.dropTemp(s);
    return { ...counts, ms: Date.now() - started, steps };
  }

  /** Factors, both rollups and every other refresher, from nothing (inside a transaction). */
  async rebuild(s: Session): Promise<RefreshResult> {
    const started = Date.now();
    await this.lock(s);
    await this.refreshFactors(s, { reprice: false });
    await this.repo.takeAll(s);
    await this.repo.rebuild(s);
    for (const r of this.refreshers) await r.refresh(s, true);
    await this.repo.dropTemp(s);
    const [c] = await s.query<{ cells: number; groups: number; contracts: number }>(
      `select (select count(*) from measure_rollups) as cells, (select count(*) from contract_rollups) as groups,
         (select count(*) from contracts) as contracts`,
    );
    return { cells: Number(c.cells), groups: Number(c.groups), contracts: Number(c.contracts), ms: Date.now() - started };
  }

  /**
   * One refresh at a time, to the end of its transaction: two batches committing at once would otherwise both rewrite a
   * cell they share from snapshots that miss each other's rows. Waiting here, the later one reads the earlier one's
   * committed rows (READ COMMITTED takes a snapshot per statement) and recomputes the shared cells with them.
   */
  private async lock(s: Session): Promise<void> {
    await s.query(`select pg_advisory_xact_lock(hashtext('svm.rollups'))`);
  }

  /** The area and authority-year levels from the cells (after authorities were re-seeded: their region or kind). */
  async rebuildLevels(s: Session): Promise<void> {
    await this.repo.rebuildLevels(s);
  }

  /**
   * Recomputes every measure's £ per unit from the catalogue and the price series; where a measure's factors
   * changed, its rollup cells are revalued. Returns the measures revalued.
   */
  async refreshFactors(s: Session, options: { reprice?: boolean } = {}): Promise<number[]> {
    const inputs = await this.valuation.inputs(s);
    const changed = await this.valuation.write(s, ValuationRepository.compute(inputs), true);
    if (changed.length > 0 && options.reprice !== false) await this.repo.reprice(s, changed);
    return changed;
  }
}
