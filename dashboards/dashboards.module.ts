import { Module } from '@nestjs/common';
import { BOARDS } from './board';
import { DashboardsService } from './dashboards.service';
import { AuthorityBoard } from './boards/authority.board';
import { ContractBoard } from './boards/contract.board';
import { ExchangeBoard } from './boards/exchange.board';
import { NationalBoard } from './boards/national.board';
import { QualityBoard } from './boards/quality.board';
import { SectorsBoard } from './boards/sectors.board';
import { FilterChoices } from './filter-choices';
import { ExchangePagesService } from './pages/exchange-pages.service';
import { PagesService } from './pages/pages.service';

const BOARD_CLASSES = [NationalBoard, AuthorityBoard, SectorsBoard, QualityBoard, ContractBoard, ExchangeBoard];

/**
 * The dashboards: a board per dashboard of the catalogue (its charts' builders, reading the metrics read services
 * through the one door, MetricsModule, which is global), the service that serves them as specs, SVG and CSV, and
 * the pages. The reports import this module for its specs and renderer.
 */
@Module({
  providers: [
    ...BOARD_CLASSES,
    { provide: BOARDS, useFactory: (...boards: unknown[]) => boards, inject: BOARD_CLASSES },
    DashboardsService,
    FilterChoices,
    PagesService,
    ExchangePagesService,
  ],
  exports: [DashboardsService, PagesService, ExchangePagesService],
})
export class DashboardsModule {}
