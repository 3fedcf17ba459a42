import type { Session } from '../../platform/session';
import { QualityRefresher } from '../quality/quality.refresher';
import { DeliveryRefresher } from '../delivery/delivery.refresher';

/**
 * Something derived from contracts, commitments or outcomes that is kept current in the transaction of each import
 * batch. During a refresh the temp table `rollup_refresh_contracts(contract_id bigint primary key)` holds the contracts
 * whose data changed (every contract on a rebuild); a refresher recomputes what it keeps for them.
 */
export interface RollupRefresher {
  readonly name: string;
  refresh(s: Session, full: boolean): Promise<void>;
}

/** Every refresher besides the measure and contract rollups, in the order they run (stateless: SQL on the session). */
export function rollupRefreshers(): RollupRefresher[] {
  return [new DeliveryRefresher(), new QualityRefresher()];
}
