import { Injectable } from '@nestjs/common';
import type { Session } from '../../platform/session';
import { moveLevel, negatedRows, replaceLevel } from '../levels';
import { CONTRACT_COLUMNS_READ, type Changes, type Refresher } from '../refresher';

/** The contract rollup of every contract of `from` (aliases c: contracts, sup: their lead suppliers), by authority x sector x award quarter. */
function groups(from: string): string {
  return `select c.authority_id, c.sector, date_trunc('quarter', c.award_date)::date as award_quarter, count(*) as contracts,
      count(*) filter (where c.stage = 'awarded') as awarded,
      coalesce(sum(c.value_gbp) filter (where c.stage = 'awarded'), 0) as awarded_value_gbp,
      count(*) filter (where c.in_scope) as in_scope,
      coalesce(sum(c.value_gbp) filter (where c.in_scope), 0) as in_scope_value_gbp,
      count(*) filter (where c.in_scope and c.sv_evaluated) as sv_evaluated,
      coalesce(sum(c.value_gbp) filter (where c.in_scope and c.sv_evaluated), 0) as sv_evaluated_value_gbp,
      count(*) filter (where c.in_scope and c.sv_weighting_pct >= 10) as sv_weighted_10,
      coalesce(sum(c.value_gbp) filter (where c.in_scope and c.sv_weighting_pct >= 10), 0) as sv_weighted_10_value_gbp,
      coalesce(sum(c.sv_weighting_pct) filter (where c.in_scope and c.sv_weighting_pct is not null), 0) as sv_weighting_sum,
      count(*) filter (where c.in_scope and c.sv_weighting_pct is not null) as sv_weighting_count,
      coalesce(sum(c.value_gbp) filter (where c.stage = 'awarded' and (sup.scale is not null or sup.vcse is not null)), 0) as supplier_known_value_gbp,
      coalesce(sum(c.value_gbp) filter (where c.stage = 'awarded' and sup.scale = 'sme'), 0) as sme_value_gbp,
      coalesce(sum(c.value_gbp) filter (where c.stage = 'awarded' and sup.vcse), 0) as vcse_value_gbp,
      count(*) filter (where c.is_demo) as demo_count
    from ${from}
    group by 1, 2, 3`;
}

const SECTOR_KEY = (alias: string) => `coalesce(${alias}.sector, '')`;

/**
 * The contract rollups (contract_groups and its coarser level): the authority-sector groups of the contracts a batch
 * inserted, deleted, or changed in a column they count are recomputed, and the levels moved by what each group holds
 * now less what it held.
 */
@Injectable()
export class ContractRollupsRefresher implements Refresher {
  readonly name = 'groups';

  async refresh(s: Session, changes: Changes): Promise<void> {
    if (changes.contracts === 0) return;
    const counted = `op <> 'update' or changed && '{${CONTRACT_COLUMNS_READ.groups.join(',')}}'::text[]`;
    await s.query(
      `create temp table groups_changed on commit drop as
       select old_authority_id as authority_id, old_sector as sector from changes_contracts where old_authority_id is not null and (${counted})
       union select new_authority_id, new_sector from changes_contracts where new_authority_id is not null and (${counted})`,
    );
    await moveLevel(
      s,
      'contract_groups',
      `${groups(`groups_changed g join contracts c on c.authority_id = g.authority_id and ${SECTOR_KEY('c')} = ${SECTOR_KEY('g')}
          left join suppliers sup on sup.id = c.supplier_id`)}
       union all
       select ${negatedRows('contract_groups', 'r')} from contract_rollups r
       join groups_changed g on g.authority_id = r.authority_id and ${SECTOR_KEY('g')} = ${SECTOR_KEY('r')}`,
    );
    await s.query('drop table groups_changed');
  }

  async rebuild(s: Session): Promise<void> {
    await replaceLevel(s, 'contract_groups', groups('contracts c left join suppliers sup on sup.id = c.supplier_id'));
  }
}
