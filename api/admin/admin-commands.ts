import type { Knex } from 'knex';
import { migrator } from '../../metrics/platform/migrator';
import { knexSession } from '../../metrics/platform/session';
import { DomainError } from '../../metrics/platform/errors';
import type { CatalogueService } from '../../metrics/reference/catalogue/catalogue.service';
import { loadDemoData } from '../../metrics/ingest/demo/demo-loader';
import type { ImportsService } from '../../metrics/ingest/imports/imports.service';
import type { HarvestService } from '../../metrics/ingest/ocds/harvest.service';
import { importOcdsFiles } from '../../metrics/ingest/ocds/ocds-files';
import type { OcdsImportService } from '../../metrics/ingest/ocds/ocds-import.service';
import type { ApiKeysService } from '../auth/api-keys.service';
import { readFramework } from '../frameworks/frameworks.service';
import type { AdminRequest } from './admin-socket';

export interface AdminContext {
  keys: ApiKeysService;
  catalogue: CatalogueService;
  imports: ImportsService;
  ocds: OcdsImportService;
  harvest: HarvestService;
  importLimitBytes: number;
  knex: Knex;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const strings = (v: unknown): string[] | undefined =>
  Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined;

/**
 * The administrative commands, one implementation each: the CLI runs them against a database it opened itself, or
 * sends them to the running service (admin socket), which runs them here against its own connection.
 */
const COMMANDS: Record<string, (ctx: AdminContext, args: Record<string, unknown>) => Promise<unknown>> = {
  'keys.create': (ctx, args) =>
    ctx.keys.create({ role: str(args.role) ?? '', authorities: strings(args.authorities), label: str(args.label) }),
  'keys.list': (ctx) => ctx.keys.list(),
  'keys.revoke': (ctx, args) => ctx.keys.revoke(str(args.ref) ?? ''),
  'migrate.status': (ctx) => migrator.status(ctx.knex),
  'frameworks.list': (ctx) => ctx.catalogue.list(),
  'demo.load': async (ctx, args) => {
    const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined);
    const result = await loadDemoData(ctx.knex, ctx.imports, {
      outcomes: num(args.outcomes),
      contractsPerRegion: num(args.contractsPerRegion),
      seed: num(args.seed),
    });
    return { contracts: result.contracts, commitments: result.commitments, outcomes: result.outcomes };
  },
  'ocds.import': (ctx, args) =>
    importOcdsFiles(ctx.ocds, strings(args.paths) ?? [], {
      mode: str(args.mode),
      sender: { keyId: null, allowed: null },
      limitBytes: ctx.importLimitBytes,
    }),
  'rollups.rebuild': (ctx) => ctx.knex.transaction((trx) => ctx.imports.rollups.rebuild(knexSession(trx))),
  'ocds.harvest': (ctx, args) => (str(args.name) ? ctx.harvest.run(str(args.name)!).then((r) => [r]) : ctx.harvest.runAll()),
  'frameworks.load': (ctx, args) =>
    ctx.catalogue.load(
      readFramework(args.format === 'csv' ? 'csv' : 'json', args.content, (args.header ?? {}) as Record<string, unknown>),
    ),
};

export function runAdminCommand(ctx: AdminContext, request: AdminRequest): Promise<unknown> {
  const command = COMMANDS[request.command];
  if (!command) {
    throw new DomainError('invalid_parameter', `Unknown admin command ${request.command}`, {
      commands: Object.keys(COMMANDS),
    });
  }
  return command(ctx, request.args ?? {});
}
