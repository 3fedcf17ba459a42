import { ExportsRepository } from '../../metrics/read/exports/exports.repository';
import { RowFilterRepository } from '../../metrics/read/row-filter';
import { ExportsService } from '../../metrics/read/exports/exports.service';
import { QualityRepository } from '../../metrics/read/quality/quality.repository';
import { QualityService } from '../../metrics/read/quality/quality.service';
import { QualityController } from '../quality/quality.controller';
import { QualityScheduler } from '../quality/quality.scheduler';
import { ExportsController } from './exports.controller';
import { ExportsApiService } from './exports.service';

export { ExportsController, QualityController };

/** The providers of the open data exports and the data quality checks (registered in the composition root). */
export const EXPORTS_PROVIDERS = [RowFilterRepository, ExportsRepository, ExportsService, ExportsApiService, QualityRepository, QualityService, QualityScheduler];
