import { Module } from '@nestjs/common';
import { BOARDS } from './board';
import { DashboardsService } from './dashboards.service';
import { AuthorityBoard } from './boards/authority.board';
import { ContractBoard } from './boards/contract.board';
import { NationalBoard } from './boards/national.board';
import { QualityBoard } from './boards/quality.board';
import { SectorsBoard } from './boards/sectors.board';
import { FilterChoices } from './filter-choices';
import { PagesService } from './pages/pages.service';

const BOARD_CLASSES = [NationalBoard, AuthorityBoard, SectorsBoard, QualityBoard, ContractBoard];

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
  ],
  exports: [DashboardsService, PagesService],
})
export class DashboardsModule {}
