import { Inject, Injectable } from '@nestjs/common';
import type { Knex } from 'knex';
import { createHash } from 'node:crypto';
import { KNEX } from '../../platform/tokens';
import { frameworkFromJson } from '../../reference/catalogue/framework-definition';
import { FrameworkImportService } from '../frameworks/framework-import.service';
import {
  CATALOGUE_DATA_DIR,
  parseCpvCodes,
  parseCpvDivisions,
  parseDepartments,
  parseDeflators,
  parseClusters,
  parseLocalAuthorities,
  parseNeighbours,
  readReferenceFile,
} from '../../reference/reference-files';
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
  /** Folder of the files, when not metrics/reference/data. */
  dir?: string;
  source: string;
  licence: string;
  load(texts: string[], to: { trx: Knex.Transaction; repo: ReferenceRepository; frameworks: FrameworkImportService }): Promise<number>;
}

const DATASETS: Dataset[] = [
  {
    name: 'cpv',
    files: ['cpv2008_divisions_en.csv', 'cpv2008_en.csv'],
    source: 'CPV 2008 via openprocurement/standards classifiers/cpv/en.json',
    licence: 'Apache-2.0',
    async load([divisionsCsv, codesCsv], { trx, repo }) {
      const divisions = parseCpvDivisions(divisionsCsv);
      const codes = parseCpvCodes(codesCsv);
      await repo.upsertCpv(trx, divisions, codes);
      return codes.length;
    },
  },
  {
    name: 'local-authorities',
    files: ['uk_local_authorities.csv', 'lookup_name_to_code.csv'],
    source: 'mySociety uk_local_authority_names_and_codes (2025-07)',
    licence: 'CC-BY-4.0 (mySociety)',
    async load([authoritiesCsv, namesCsv], { trx, repo }) {
      const data = parseLocalAuthorities(authoritiesCsv, namesCsv);
      await repo.upsertAuthorities(trx, data);
      return data.authorities.length;
    },
  },
  {
    // After the councils: rows are matched to them by mySociety's 3-letter local-authority-code (authorities.local_code)
    name: 'peer-clusters',
    files: [
      'mysociety_composite_la_labels.csv',
      'mysociety_emissions_la_labels.csv',
      'mysociety_imd_la_labels.csv',
      'mysociety_ruc_la_labels.csv',
      'mysociety_physical_la_labels.csv',
      'mysociety_emissions_label_desc.csv',
      'mysociety_imd_label_desc.csv',
      'mysociety_ruc_label_desc.csv',
      'mysociety_physical_label_desc.csv',
    ],
    source: 'mySociety local-authority-similarity clusters (composite, emissions, imd, ruc, physical)',
    licence: 'CC-BY-4.0 (mySociety)',
    async load([composite, emissions, imd, ruc, physical, emissionsDesc, imdDesc, rucDesc, physicalDesc], { trx, repo }) {
      const rows = parseClusters(
        { composite, emissions, imd, ruc, physical },
        { emissions: emissionsDesc, imd: imdDesc, ruc: rucDesc, physical: physicalDesc },
      );
      return repo.replaceClusters(trx, rows, 'mysociety-local-authority-similarity');
    },
  },
  {
    // After the councils: keyed by their GSS codes (2021 districts; codes since replaced are left out)
    name: 'authority-neighbours',
    files: ['ons_lad2021_geographic_neighbours.json'],
    source: 'ONSvisual Local-Authority-Districts-2021-neighbours data.json',
    licence: 'ONS output (Crown copyright, OGL v3)',
    async load([json], { trx, repo }) {
      return repo.replaceNeighbours(trx, parseNeighbours(json));
    },
  },
  {
    name: 'central-government',
    files: ['central_government_departments.csv'],
    source: 'GOV.UK organisations API as mirrored by odileeds/uk-government-organisations (2025-03-31)',
    licence: 'OGL-UK-3.0 (Crown copyright)',
    async load([csv], { trx, repo }) {
      const data = parseDepartments(csv);
      await repo.upsertAuthorities(trx, data);
      return data.authorities.length;
    },
  },
  {
    name: 'gdp-deflators',
    files: ['gdp_deflators.csv'],
    dir: CATALOGUE_DATA_DIR,
    source: "HM Treasury, GDP deflators at market prices, and money GDP (December 2025 Quarterly National Accounts)",
    licence: 'OGL-UK-3.0 (Crown copyright)',
    async load([csv], { trx, repo }) {
      const rows = parseDeflators(csv);
      await repo.upsertDeflators(trx, rows);
      return rows.length;
    },
  },
  {
    // The open default framework: a version loads once and never changes, so a new file means a new version
    name: 'framework:svm-open',
    files: ['svm-open-framework.json'],
    dir: CATALOGUE_DATA_DIR,
    source: 'metrics/reference/catalogue/data/svm-open-framework.json (PPN 06/20 themes; open proxy values cited per value)',
    licence: 'OGL-UK-3.0 and MIT',
    async load([json], { trx, frameworks }) {
      const def = frameworkFromJson(JSON.parse(json));
      await frameworks.loadIn(trx, def, { isDefault: true });
      return def.themes.flatMap((t) => t.outcomes.flatMap((o) => o.measures)).length;
    },
  },
  // The government's two Social Value Models, beside the open framework and never the default: contracts let before
  // 1 October 2025 stay on the 2020 model (PPN 06/20), later ones are on the 2025 model (PPN 002). Only the parts of
  // each whose text could be read are shipped (svm_model_sources.csv); neither has measures yet.
  modelDataset('svm-2020', 'svm-2020-model.json', 'PPN 06/20 Social Value Model, Edition 1.1, 3 December 2020: themes and policy outcomes read'),
  modelDataset('svm-2025', 'svm-2025-model.json', 'PPN 002 Social Value Model, 13 February 2025: its missions'),
];

function modelDataset(code: string, file: string, what: string): Dataset {
  return {
    name: `framework:${code}`,
    files: [file],
    dir: CATALOGUE_DATA_DIR,
    source: `metrics/reference/catalogue/data/${file} (${what}; sources in svm_model_sources.csv)`,
    licence: 'OGL-UK-3.0 (Crown copyright)',
    async load([json], { trx, frameworks }) {
      const def = frameworkFromJson(JSON.parse(json));
      await frameworks.loadIn(trx, def, { isDefault: false });
      return def.themes.flatMap((t) => t.outcomes.flatMap((o) => o.measures)).length;
    },
  };
}

/**
 * Loads the shipped reference data (authorities, CPV, deflators, the open default framework, the government's two
 * Social Value Models): idempotent (upserts on natural keys) and cheap on restart (a dataset whose files have the hash
 * recorded at its last load is skipped). Each dataset is loaded in one transaction.
 */
@Injectable()
export class ReferenceSeeder {
  constructor(
    @Inject(KNEX) private readonly knex: Knex,
    private readonly repo: ReferenceRepository,
    private readonly frameworks: FrameworkImportService,
  ) {}

  async seed(): Promise<SeedResult[]> {
    const results: SeedResult[] = [];
    for (const dataset of DATASETS) {
      const files = dataset.files.map((f) => readReferenceFile(f, dataset.dir));
      const sha256 = createHash('sha256')
        .update(files.map((f) => f.sha256).join(':'))
        .digest('hex');
      if ((await this.repo.datasetHash(dataset.name)) === sha256) {
        results.push({ dataset: dataset.name, rows: 0, loaded: false });
        continue;
      }
      const rows = await this.knex.transaction(async (trx) => {
        const count = await dataset.load(
          files.map((f) => f.text),
          { trx, repo: this.repo, frameworks: this.frameworks },
        );
        await this.repo.recordDataset(trx, { name: dataset.name, sha256, row_count: count, source: dataset.source, licence: dataset.licence });
        return count;
      });
      results.push({ dataset: dataset.name, rows, loaded: true });
    }
    return results;
  }
}
