import type { Knex } from 'knex';
import { createHash } from 'node:crypto';
import {
  parseCpvCodes,
  parseCpvDivisions,
  parseDepartments,
  parseLocalAuthorities,
  readReferenceFile,
} from './reference-files';
import { ReferenceRepository } from './reference.repository';

export interface SeedResult {
  dataset: string;
  rows: number;
  /** false when the database already held this exact version of the dataset. */
  loaded: boolean;
}

interface Dataset {
  name: string;
  files: string[];
  source: string;
  licence: string;
  load(texts: string[], repo: ReferenceRepository, trx: Knex): Promise<number>;
}

const DATASETS: Dataset[] = [
  {
    name: 'cpv',
    files: ['cpv2008_divisions_en.csv', 'cpv2008_en.csv'],
    source: 'CPV 2008 via openprocurement/standards classifiers/cpv/en.json',
    licence: 'Apache-2.0',
    async load([divisionsCsv, codesCsv], repo, trx) {
      const divisions = parseCpvDivisions(divisionsCsv);
      const codes = parseCpvCodes(codesCsv);
      await repo.upsertCpv(divisions, codes, trx);
      return codes.length;
    },
  },
  {
    name: 'local-authorities',
    files: ['uk_local_authorities.csv', 'lookup_name_to_code.csv'],
    source: 'mySociety uk_local_authority_names_and_codes (2025-07)',
    licence: 'CC-BY-4.0 (mySociety)',
    async load([authoritiesCsv, namesCsv], repo, trx) {
      const data = parseLocalAuthorities(authoritiesCsv, namesCsv);
      await repo.upsertAuthorities(data, trx);
      return data.authorities.length;
    },
  },
  {
    name: 'central-government',
    files: ['central_government_departments.csv'],
    source: 'GOV.UK organisations API as mirrored by odileeds/uk-government-organisations (2025-03-31)',
    licence: 'OGL-UK-3.0 (Crown copyright)',
    async load([csv], repo, trx) {
      const data = parseDepartments(csv);
      await repo.upsertAuthorities(data, trx);
      return data.authorities.length;
    },
  },
];

/**
 * Loads the shipped reference data: idempotent (upserts on natural keys) and cheap on restart (a dataset whose files
 * have the hash recorded at its last load is skipped). Each dataset is loaded in one transaction.
 */
export async function seedReferenceData(knex: Knex): Promise<SeedResult[]> {
  const repo = new ReferenceRepository(knex);
  const results: SeedResult[] = [];
  for (const dataset of DATASETS) {
    const files = dataset.files.map((f) => readReferenceFile(f));
    const sha256 = createHash('sha256')
      .update(files.map((f) => f.sha256).join(':'))
      .digest('hex');
    if ((await repo.datasetHash(dataset.name)) === sha256) {
      results.push({ dataset: dataset.name, rows: 0, loaded: false });
      continue;
    }
    const rows = await knex.transaction(async (trx) => {
      const count = await dataset.load(
        files.map((f) => f.text),
        repo,
        trx,
      );
      await repo.recordDataset(
        { name: dataset.name, sha256, row_count: count, source: dataset.source, licence: dataset.licence },
        trx,
      );
      return count;
    });
    results.push({ dataset: dataset.name, rows, loaded: true });
  }
  return results;
}
