import type { Session } from '../platform/session';

/**
 * What a refresh takes from the change log (migrations/20261204000100_change_log.ts) into temp tables of its
 * transaction, for every refresher to read: changes_outcomes, changes_commitments and changes_contracts (the same
 * columns as the log), and how many rows each holds.
 */
export interface Changes {
  outcomes: number;
  commitments: number;
  contracts: number;
}

/** The columns of a contract each kind of derived data reads: a change to another column changes nothing derived. */
export const CONTRACT_COLUMNS_READ = {
  cells: ['authority_id', 'sector'],
  groups: ['authority_id', 'sector', 'award_date', 'stage', 'value_gbp', 'in_scope', 'sv_evaluated', 'sv_weighting_pct', 'supplier_id', 'is_demo'],
  delivery: ['authority_id', 'sector', 'award_date', 'value_gbp', 'stage', 'start_date', 'end_date', 'is_demo'],
  quality: ['start_date', 'end_date', 'value_gbp', 'reference'],
} as const;

/** SQL: the contracts of changes_contracts updated in one of `columns` (an array literal of their names). */
export const contractsUpdatedIn = (columns: readonly string[]) =>
  `select contract_id from changes_contracts where op = 'update' and changed && '{${columns.join(',')}}'::text[]`;

/**
 * Something derived from contracts, commitments and outcomes, kept current in the transaction of each import batch:
 * `refresh` moves what it keeps by the changes taken, `rebuild` recomputes it from all the data. Registered in
 * DeriveModule (metrics/derive/derive.module.ts), in the order they run; DerivedDataService is their only caller.
 */
export interface Refresher {
  readonly name: string;
  refresh(s: Session, changes: Changes): Promise<void>;
  rebuild(s: Session): Promise<void>;
}

export const REFRESHERS = Symbol('REFRESHERS');
