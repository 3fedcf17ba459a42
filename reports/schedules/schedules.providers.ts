import { ReportScheduler } from './report-scheduler';
import { ReportSchedulesRepository } from './report-schedules.repository';
import { ReportSchedulesService } from './report-schedules.service';

/** The schedules' providers: their table, their rules (made, changed, deleted), and their jobs (ReportScheduler). */
export const SCHEDULE_PROVIDERS = [ReportSchedulesRepository, ReportScheduler, ReportSchedulesService];
export const SCHEDULE_EXPORTS = [ReportSchedulesService, ReportScheduler];
