import { Module } from '@nestjs/common';
import { DeriveModule } from '../derive/derive.module';
import { METRICS_OPTIONS, type MetricsOptions } from '../platform/options';
import { ReferenceModule } from '../reference/reference.module';
import { DemoRepository } from './demo/demo.repository';
import { DemoService } from './demo/demo.service';
import { ExchangeRepository } from './exchange/exchange.repository';
import { ExchangeService } from './exchange/exchange.service';
import { FrameworkImportService } from './frameworks/framework-import.service';
import { BatchesService } from './imports/batches.service';
import { ImportsRepository } from './imports/imports.repository';
import { ImportsService } from './imports/imports.service';
import { HarvestSourcesService } from './ocds/harvest-sources.service';
import { HarvestRepository } from './ocds/harvest.repository';
import { HARVEST_OPTIONS, HarvestService, type HarvestOptions } from './ocds/harvest.service';
import { OcdsImportService } from './ocds/ocds-import.service';
import { OcdsMappingsService } from './ocds/ocds-mappings.service';
import { OcdsRepository } from './ocds/ocds.repository';
import { DatabasePreparer } from './prepare.service';
import { ReferenceRepository } from './reference-data/reference.repository';
import { ReferenceSeeder } from './reference-data/reference-seeder';

/**
 * Data in: imports of contracts, commitments and outcome returns (CSV, JSON, Arrow), OCDS documents and harvests, the
 * demo dataset, frameworks, the reference data; and the database made ready at start (DatabasePreparer). Each batch
 * is one transaction with the refresh of everything derived from it.
 */
@Module({
  imports: [ReferenceModule, DeriveModule],
  providers: [
    ImportsRepository,
    ImportsService,
    BatchesService,
    OcdsRepository,
    OcdsImportService,
    OcdsMappingsService,
    HarvestRepository,
    {
      provide: HARVEST_OPTIONS,
      inject: [METRICS_OPTIONS],
      useFactory: (o: MetricsOptions): HarvestOptions => ({ retries: o.harvest.retries, retryBaseMs: o.harvest.retryBaseMs, pageLimitBytes: o.importLimitBytes }),
    },
    HarvestService,
    HarvestSourcesService,
    FrameworkImportService,
    ExchangeRepository,
    ExchangeService,
    ReferenceRepository,
    ReferenceSeeder,
    DemoRepository,
    DemoService,
    DatabasePreparer,
  ],
  exports: [ImportsService, ExchangeService, BatchesService, OcdsImportService, OcdsMappingsService, HarvestService, HarvestSourcesService, FrameworkImportService, DemoService, DatabasePreparer],
})
export class IngestModule {}
