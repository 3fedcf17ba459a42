import { Module } from '@nestjs/common';
import { DeriveModule } from '../derive/derive.module';
import { ReferenceModule } from '../reference/reference.module';
import { BenchmarksService } from './benchmarks/benchmarks.service';
import { INDICATORS_SOURCE } from './benchmarks/indicators-source';
import { ContractsRepository } from './contracts/contracts.repository';
import { ContractsService } from './contracts/contracts.service';
import { ExchangeFiguresRepository } from './exchange/exchange-figures.repository';
import { ExchangeFiguresService } from './exchange/exchange-figures.service';
import { ExchangeReadRepository } from './exchange/exchange-read.repository';
import { ExchangeReadService } from './exchange/exchange-read.service';
import { ExportsRepository } from './exports/exports.repository';
import { ExportsService } from './exports/exports.service';
import { IndicatorsRepository } from './indicators/indicators.repository';
import { IndicatorsService } from './indicators/indicators.service';
import { MeasuresRepository } from './measures/measures.repository';
import { MeasuresService } from './measures/measures.service';
import { NoticesRepository } from './notices/notices.repository';
import { NoticesService } from './notices/notices.service';
import { PeerGroupsService } from './peers/peer-groups.service';
import { PeersRepository } from './peers/peers.repository';
import { PeersService } from './peers/peers.service';
import { QualityRepository } from './quality/quality.repository';
import { QualityService } from './quality/quality.service';
import { SuppliersRepository } from './suppliers/suppliers.repository';
import { SuppliersService } from './suppliers/suppliers.service';

/**
 * Everything that is read: the measures summary, the implementation indicators, peers and benchmarks, data quality,
 * open data exports, contracts with what they promised and delivered, and what the Procurement Act's notices say beside
 * the returns. Dashboards, reports and the API all read these
 * services, so a figure is the same on every surface.
 */
@Module({
  imports: [ReferenceModule, DeriveModule],
  providers: [
    MeasuresRepository,
    MeasuresService,
    IndicatorsRepository,
    IndicatorsService,
    PeersRepository,
    PeersService,
    PeerGroupsService,
    { provide: INDICATORS_SOURCE, useExisting: IndicatorsService },
    BenchmarksService,
    QualityRepository,
    QualityService,
    ExportsRepository,
    ExportsService,
    ContractsRepository,
    ContractsService,
    SuppliersRepository,
    SuppliersService,
    NoticesRepository,
    NoticesService,
    ExchangeReadRepository,
    ExchangeReadService,
    ExchangeFiguresRepository,
    ExchangeFiguresService,
  ],
  exports: [MeasuresService, IndicatorsService, PeersService, PeerGroupsService, BenchmarksService, QualityService, ExportsService, ContractsService, SuppliersService, NoticesService, ExchangeReadService, ExchangeFiguresService],
})
export class ReadModule {}
