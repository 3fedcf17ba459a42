import type { Provider } from '@nestjs/common';
import { IndicatorsRepository } from '../../metrics/read/indicators/indicators.repository';
import { DELIVERY_OPTIONS, IndicatorsService, type DeliveryOptions } from '../../metrics/read/indicators/indicators.service';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config';
import { IndicatorsController } from './indicators.controller';
import { IndicatorsScheduler } from './indicators.scheduler';

export { IndicatorsController };

/** The providers of the implementation indicators and the delivery rebuild, registered in AppModule. */
export const INDICATORS_PROVIDERS: Provider[] = [
  IndicatorsRepository,
  { provide: DELIVERY_OPTIONS, inject: [APP_CONFIG], useFactory: (config: AppConfig): DeliveryOptions => ({ thresholds: config.delivery.thresholds }) },
  IndicatorsService,
  IndicatorsScheduler,
];
