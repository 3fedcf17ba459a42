import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { MIGRATIONS } from '../../migrations';
import { migrator } from '../../metrics/platform/migrator';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

const TABLES = [
  'authorities',
  'data_version',
  'data_version_marks',
  'authority_names',
  'authority_identifiers',
  'cpv_divisions',
  'cpv_codes',
  'reference_datasets',
  'frameworks',
  'themes',
  'policy_outcomes',
  'measures',
  'proxy_values',
  'unit_conversions',
  'deflators',
  'measure_crosswalk',
  'api_keys',
  'api_key_authorities',
  'import_batches',
  'import_rejections',
  'suppliers',
  'contracts',
  'commitments',
  'outcomes',
  'report_schedules',
  'report_runs',
  'contract_suppliers',
  'ocds_releases',
  'ocds_compiled',
  'ocds_observations',
  'ocds_metric_mappings',
  'harvest_sources',
  'valuation_factors',
  'measure_rollups',
  'measure_rollups_area',
  'measure_rollups_authority_year',
  'contract_rollups',
  'delivery_state', 'delivery_measures', 'delivery_contracts', 'delivery_rollups', 'delivery_value_rollups', 'indicator_contract_rollups', 'indicator_social_rollups', 'delivery_authority_rollups', 'delivery_value_authority_rollups',
  'authority_clusters', 'peer_groups', 'peer_group_members',
  'quality_flags', 'quality_outlier_stats', 'quality_dirty_measures',
  'change_outcomes', 'change_commitments', 'change_contracts', 'derived_state',
  'contract_kpis', 'contract_performance', 'performance_failures', 'contract_events', 'payment_compliance',
  'authority_neighbours', 'exchange_organisations', 'exchange_organisation_authorities', 'exchange_needs', 'exchange_pledges',
  'exchange_pledge_places', 'exchange_runs', 'exchange_matches', 'exchange_transitions',
];

describe('migrations', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase({ empty: true });
  });
  afterAll(() => t.dispose());

  const tables = async (): Promise<string[]> => {
    const { rows } = await t.db.knex.raw(
      `select table_name from information_schema.tables where table_schema = 'public' and table_name not like 'knex_%'`,
    );
    return rows.map((r: { table_name: string }) => r.table_name).sort();
  };

  it('lists every migration file of migrations/, in order', () => {
    const files = readdirSync(join(__dirname, '..', '..', 'migrations'))
      .filter((f) => /^\d{14}_.+\.ts$/.test(f))
      .map((f) => f.replace(/\.ts$/, ''))
      .sort();
    expect(MIGRATIONS.map(([name]) => name)).toEqual(files);
  });

  it('migrates up, all the way down, and up again', async () => {
    const first = await migrator.latest(t.db.knex);
    expect(first).toEqual(MIGRATIONS.map(([name]) => name));
    expect(await tables()).toEqual([...TABLES].sort());
    expect((await migrator.status(t.db.knex)).pending).toEqual([]);

    const reverted = await migrator.down(t.db.knex, true);
    expect(reverted).toHaveLength(MIGRATIONS.length);
    expect(await tables()).toEqual([]);
    expect((await migrator.status(t.db.knex)).pending).toHaveLength(MIGRATIONS.length);

    expect(await migrator.latest(t.db.knex)).toHaveLength(MIGRATIONS.length);
    expect(await tables()).toEqual([...TABLES].sort());
    expect(await migrator.latest(t.db.knex)).toEqual([]); // nothing left to do
  });

  it('rolls back one batch at a time', async () => {
    // the last `latest` applied every migration in one batch
    expect(await migrator.down(t.db.knex)).toHaveLength(MIGRATIONS.length);
    await migrator.latest(t.db.knex);
  });
});
