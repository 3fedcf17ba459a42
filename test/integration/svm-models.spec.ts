import type { INestApplicationContext } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { definitionHash, FrameworkImportService } from '../../metrics/ingest/frameworks/framework-import.service';
import { CatalogueService } from '../../metrics/reference/catalogue/catalogue.service';
import { frameworkFromJson } from '../../metrics/reference/catalogue/framework-definition';
import { CATALOGUE_DATA_DIR } from '../../metrics/reference/reference-files';
import { metricsContext } from '../support/metrics-context';
import { createTestDatabase, type TestDatabase } from '../support/test-database';

describe("the government's Social Value Models in the seeded catalogue", () => {
  let t: TestDatabase;
  let metrics: INestApplicationContext;
  let catalogue: CatalogueService;
  beforeAll(async () => {
    t = await createTestDatabase();
    metrics = await metricsContext(t.db);
    catalogue = metrics.get(CatalogueService);
  });
  afterAll(async () => {
    await metrics.close();
    await t.dispose();
  });

  it('holds the 2025 model (PPN 002) with its document, version and date, and the award dates it applies to', async () => {
    const listed = (await catalogue.list()).find((f) => f.code === 'svm-2025');
    expect(listed).toMatchObject({
      version: '2025.1',
      licence: 'OGL-UK-3.0',
      is_default: false,
      measure_count: 0,
      document: {
        title: 'Procurement Policy Note 002: The Social Value Model',
        version: 'PPN 002 (Action Note 002, February 2025)',
        date: '2025-02-13',
      },
      applies_to: { awarded_from: '2025-10-01', awarded_before: null },
    });
    const full = await catalogue.get('svm-2025');
    expect(full.source).toMatch(/13 February 2025/);
    expect(full.themes).toHaveLength(5); // the missions; their outcomes and metrics were not obtained
    expect(await t.db.knex('reference_datasets').where({ name: 'framework:svm-2025' }).first('licence')).toEqual({
      licence: 'OGL-UK-3.0 (Crown copyright)',
    });
  });

  it('holds the 2020 model (PPN 06/20) beside it, for contracts let before October 2025', async () => {
    const listed = (await catalogue.list()).find((f) => f.code === 'svm-2020');
    expect(listed).toMatchObject({
      is_default: false,
      document: { title: 'The Social Value Model', version: 'Edition 1.1', date: '2020-12-03' },
      applies_to: { awarded_from: null, awarded_before: '2025-10-01' },
    });
    const full = await catalogue.get('svm-2020');
    expect(full.themes.find((th) => th.code === 'T1')?.outcomes.map((o) => o.name)).toEqual([
      'Help local communities to manage and recover from the impact of COVID-19',
    ]);
  });

  it('keeps the open framework the default, loaded exactly as before (same content hash)', async () => {
    const frameworks = await catalogue.list();
    expect(frameworks.filter((f) => f.is_default).map((f) => f.code)).toEqual(['svm-open']);
    const open = frameworks.find((f) => f.code === 'svm-open')!;
    expect(open).toMatchObject({ document: null, applies_to: null });
    const file = JSON.parse(readFileSync(join(CATALOGUE_DATA_DIR, 'svm-open-framework.json'), 'utf8'));
    expect(open.content_sha256).toBe(definitionHash(frameworkFromJson(file)));
  });

  it('has every crosswalk entry point to a measure that exists on both sides', async () => {
    // the shipped models have no measures, so no crosswalk yet: a loaded framework's crosswalk is checked the same way
    const fixture = readFileSync(join(__dirname, '..', 'fixtures', 'frameworks', 'fictional-licensed-framework.json'), 'utf8');
    await metrics.get(FrameworkImportService).load(frameworkFromJson(JSON.parse(fixture)));
    const { rows } = await t.db.knex.raw(`
      select c.id, f.code as from_framework, c.from_measure_code, m.id as from_measure_id, tm.id as to_measure_id
      from measure_crosswalk c
      join frameworks f on f.id = c.from_framework_id
      left join measures m on m.framework_id = c.from_framework_id and m.code = c.from_measure_code
      left join measures tm on tm.id = c.to_measure_id`);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.filter((r: { from_measure_id: number | null; to_measure_id: number | null }) => r.from_measure_id === null || r.to_measure_id === null)).toEqual([]);
    // and in the definitions the catalogue gives back: every entry resolves to a loaded measure of the target
    for (const f of await catalogue.list()) {
      const def = await catalogue.get(f.code, f.version);
      const own = new Set(def.themes.flatMap((th) => th.outcomes.flatMap((o) => o.measures.map((m) => m.code))));
      for (const c of def.crosswalk) {
        expect(own.has(c.measure)).toBe(true);
        const target = await catalogue.get(c.to_framework, c.to_version ?? undefined);
        expect(target.themes.flatMap((th) => th.outcomes.flatMap((o) => o.measures.map((m) => m.code)))).toContain(c.to_measure);
      }
    }
  });
});
