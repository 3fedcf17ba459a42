import { Inject, Injectable } from '@nestjs/common';
import { DerivedDataService } from '../../metrics/derive/derived-data.service';
import { DemoService } from '../../metrics/ingest/demo/demo.service';
import { FrameworkImportService } from '../../metrics/ingest/frameworks/framework-import.service';
import { HarvestService } from '../../metrics/ingest/ocds/harvest.service';
import { OcdsImportService } from '../../metrics/ingest/ocds/ocds-import.service';
import { backupEmbedded } from '../../metrics/platform/backup';
import type { Database } from '../../metrics/platform/database';
import { DomainError } from '../../metrics/platform/errors';
import { migrator } from '../../metrics/platform/migrator';
import { DATABASE } from '../../metrics/platform/tokens';
import { CatalogueService } from '../../metrics/reference/catalogue/catalogue.service';
import { readFramework } from '../../metrics/reference/catalogue/framework-definition';
import { ReportRunsService } from '../../reports/runs/report-runs.service';
import { ApiKeysService } from '../auth/api-keys.service';
import type { AdminRequest } from './admin-socket';

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const strings = (v: unknown): string[] | undefined =>
  Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined;
const positive = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined);

/**
 * The administrative commands, one implementation each: the CLI runs them in a graph of its own over the database
 * (when nobody else holds it), or sends them to the running service (admin socket), which runs them here.
 */
@Injectable()
export class AdminCommands {
  private readonly commands: Record<string, (args: Record<string, unknown>) => Promise<unknown>>;

  constructor(
    @Inject(DATABASE) db: Database,
    keys: ApiKeysService,
    catalogue: CatalogueService,
    frameworks: FrameworkImportService,
    demo: DemoService,
    ocds: OcdsImportService,
    harvest: HarvestService,
    derived: DerivedDataService,
    reports: ReportRunsService,
  ) {
    this.commands = {
      'keys.create': (args) => keys.create({ role: str(args.role) ?? '', authorities: strings(args.authorities), label: str(args.label), organisation: str(args.organisation), supplier: str(args.supplier) }),
      'keys.list': () => keys.list(),
      'keys.revoke': (args) => keys.revoke(str(args.ref) ?? ''),
      'migrate.status': () => migrator.status(db.knex),
      'frameworks.list': () => catalogue.list(),
      'frameworks.load': (args) =>
        frameworks.load(readFramework(args.format === 'csv' ? 'csv' : 'json', args.content, (args.header ?? {}) as Record<string, unknown>)),
      'demo.load': async (args) => {
        const result = await demo.load({ outcomes: positive(args.outcomes), contractsPerRegion: positive(args.contractsPerRegion), seed: positive(args.seed) });
        return { contracts: result.contracts, commitments: result.commitments, outcomes: result.outcomes, payments: result.payments, notices: result.notices, exchange: result.exchange };
      },
      'ocds.import': (args) => ocds.importFiles(strings(args.paths) ?? [], { mode: str(args.mode), sender: { keyId: null, allowed: null } }),
      'ocds.harvest': (args) => (str(args.name) ? harvest.run(str(args.name)!).then((r) => [r]) : harvest.runAll()),
      'rollups.rebuild': () => derived.rebuildAll(),
      // the PDF travels back as base64 (the CLI writes the file where it was asked, relative to its own directory)
      'reports.run': async (args) => {
        const { run, pdf } = await reports.printNow(str(args.report) ?? '', (args.params ?? {}) as Record<string, unknown>, { publish: args.publish === true });
        return { run, pdf: pdf?.toString('base64') ?? null };
      },
      // the CLI resolves the path: the service writes the file itself, between two transactions (docs/backup.md)
      'backup.create': (args) => {
        const file = str(args.file);
        if (!file) throw new DomainError('invalid_parameter', 'backup.create needs the file to write');
        return backupEmbedded(db, file);
      },
    };
  }

  run(request: AdminRequest): Promise<unknown> {
    const command = this.commands[request.command];
    if (!command) {
      throw new DomainError('invalid_parameter', `Unknown admin command ${request.command}`, { commands: Object.keys(this.commands) });
    }
    return command(request.args ?? {});
  }
}
