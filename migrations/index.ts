import type { Knex } from 'knex';
import * as reference from './20261122000100_reference_schema';
import * as catalogue from './20261122000200_catalogue_schema';
import * as access from './20261122000300_access_schema';
import * as contracts from './20261122000400_contracts_schema';
import * as reports from './20261122000500_reports_schema';
import * as ocds from './20261122000600_ocds_schema';
import * as rollups from './20261122000700_rollups_schema';
import * as delivery from './20261122000800_delivery_schema';
import * as peers from './20261122000900_peers_schema';
import * as quality from './20261122001100_quality_schema';
import * as changeLog from './20261204000100_change_log';
import * as batchOwner from './20261205000100_batch_owner';
import * as dataVersion from './20261205000200_data_version';
import * as reportRuns from './20261205000300_report_runs';
import * as procurementActNotices from './20261206000100_procurement_act_notices';
import * as ocdsCompiled from './20261206000200_ocds_compiled';
import * as svm2025 from './20261206000900_svm_2025';
import * as ocdsLz4 from './20261206001000_ocds_lz4';
import * as ocdsBodiesJson from './20261206001100_ocds_bodies_json';
import * as exchange from './20261207000100_exchange';

interface Migration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/**
 * Every migration, in order. Listed here (rather than found by scanning a folder) so that the same list runs from the
 * TypeScript sources under Jest and from the compiled JavaScript in dist/. A test checks that it names every file.
 */
export const MIGRATIONS: ReadonlyArray<readonly [name: string, migration: Migration]> = [
  ['20261122000100_reference_schema', reference],
  ['20261122000200_catalogue_schema', catalogue],
  ['20261122000300_access_schema', access],
  ['20261122000400_contracts_schema', contracts],
  ['20261122000500_reports_schema', reports],
  ['20261122000600_ocds_schema', ocds],
  ['20261122000700_rollups_schema', rollups],
  ['20261122000800_delivery_schema', delivery],
  ['20261122000900_peers_schema', peers],
  ['20261122001100_quality_schema', quality],
  ['20261204000100_change_log', changeLog],
  ['20261205000100_batch_owner', batchOwner],
  ['20261205000200_data_version', dataVersion],
  ['20261205000300_report_runs', reportRuns],
  ['20261206000100_procurement_act_notices', procurementActNotices],
  ['20261206000200_ocds_compiled', ocdsCompiled],
  ['20261206000900_svm_2025', svm2025],
  ['20261206001000_ocds_lz4', ocdsLz4],
  ['20261206001100_ocds_bodies_json', ocdsBodiesJson],
  ['20261207000100_exchange', exchange],
];

export const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () => MIGRATIONS.map(([name]) => name),
  getMigrationName: (name) => name,
  getMigration: async (name) => {
    const found = MIGRATIONS.find(([n]) => n === name);
    if (!found) throw new Error(`Unknown migration ${name}`);
    return found[1];
  },
};
