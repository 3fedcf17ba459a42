import { Module } from '@nestjs/common';
import { ChangeLogRepository } from './change-log.repository';
import { DeliveryRefresher } from './delivery/delivery.refresher';
import { DerivedDataService } from './derived-data.service';
import { QualityRefresher } from './quality/quality.refresher';
import { REFRESHERS, type Refresher } from './refresher';
import { ContractRollupsRefresher } from './rollups/contract-rollups.refresher';
import { MeasureRollupsRefresher } from './rollups/measure-rollups.refresher';
import { ValuationRepository } from './valuation/valuation.repository';

/**
 * Derived data: valuation factors, rollup levels, commitment vs delivery, quality flags. Its door is DerivedDataService
 * (refresh, rebuild, revalue, and the delivery and outlier jobs); the refreshers are registered here, in the order
 * they run.
 */
@Module({
  providers: [
    ChangeLogRepository,
    ValuationRepository,
    MeasureRollupsRefresher,
    ContractRollupsRefresher,
    DeliveryRefresher,
    QualityRefresher,
    {
      provide: REFRESHERS,
      inject: [MeasureRollupsRefresher, ContractRollupsRefresher, DeliveryRefresher, QualityRefresher],
      useFactory: (...refreshers: Refresher[]): Refresher[] => refreshers,
    },
    DerivedDataService,
  ],
  exports: [DerivedDataService, ValuationRepository],
})
export class DeriveModule {}
