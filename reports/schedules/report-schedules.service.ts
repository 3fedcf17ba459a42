import { Injectable } from '@nestjs/common';
import { DomainError } from '../../metrics/platform/errors';
import { parseReportParams } from '../catalogue';
import { ReportsService } from '../reports.service';
import { ReportScheduler } from './report-scheduler';
import { ReportSchedulesRepository, type ReportSchedule, type ScheduleFields, type ScheduleRunLine } from './report-schedules.repository';
import { canonicalTimeZone, cronProblem, nextOccurrence } from './schedule-time';

/** A schedule as a client sends it (a new one: name, report and cron required; a change: any of them). */
export interface ScheduleInput {
  name?: string;
  report?: string;
  params?: Record<string, unknown>;
  cron?: string;
  timezone?: string;
  enabled?: boolean;
  published?: boolean;
}

/** A schedule with when it next runs (null: disabled) and, for one schedule, its latest runs. */
export type ScheduleDetail = ReportSchedule & { next_due_at: Date | null; runs?: ScheduleRunLine[] };

export const DEFAULT_TIMEZONE = 'Europe/London';

/** Runs shown with a schedule. */
const RECENT_RUNS = 20;

const invalid = (field: string, message: string, value?: unknown) => new DomainError('invalid_parameter', message, { field, value });

/**
 * Report schedules: made, changed and deleted by admins, each checked as a run request is (the report, its
 * parameters, that the authority, theme... exist) plus its cron expression and time zone; every change reaches this
 * instance's jobs before the answer (other instances at their next re-read).
 */
@Injectable()
export class ReportSchedulesService {
  constructor(
    private readonly schedules: ReportSchedulesRepository,
    private readonly reports: ReportsService,
    private readonly scheduler: ReportScheduler,
  ) {}

  async list(): Promise<ScheduleDetail[]> {
    const now = new Date();
    return (await this.schedules.list()).map((s) => detail(s, now));
  }

  async get(id: number): Promise<ScheduleDetail> {
    const schedule = await this.find(id);
    return { ...detail(schedule, new Date()), runs: await this.schedules.recentRuns(id, RECENT_RUNS) };
  }

  async create(input: ScheduleInput, createdBy: number | null): Promise<ScheduleDetail> {
    for (const field of ['name', 'report', 'cron'] as const) if (input[field] === undefined) throw invalid(field, `${field} is required`);
    const fields = await this.checked({
      name: input.name!,
      report: input.report!,
      params: input.params ?? {},
      cron: input.cron!,
      timezone: input.timezone ?? DEFAULT_TIMEZONE,
      enabled: input.enabled ?? true,
      published: input.published ?? false,
    });
    const made = await this.schedules.insert(fields, createdBy);
    await this.scheduler.sync();
    return detail(made, new Date());
  }

  /** Changes what is given (params, when given, replace the old ones whole); the whole schedule is checked again. */
  async update(id: number, input: ScheduleInput): Promise<ScheduleDetail> {
    const current = await this.find(id);
    const fields = await this.checked({
      name: input.name ?? current.name,
      report: input.report ?? current.report,
      params: input.params ?? current.params,
      cron: input.cron ?? current.cron,
      timezone: input.timezone ?? current.timezone,
      enabled: input.enabled ?? current.enabled,
      published: input.published ?? current.published,
    });
    const changed = await this.schedules.update(id, fields);
    if (!changed) throw notFound(id);
    await this.scheduler.sync();
    return detail(changed, new Date());
  }

  /** Deletes the schedule; its runs are kept (no longer linked to it). */
  async remove(id: number): Promise<void> {
    if (!validId(id) || !(await this.schedules.delete(id))) throw notFound(id);
    await this.scheduler.sync();
  }

  private async find(id: number): Promise<ReportSchedule> {
    const schedule = validId(id) ? await this.schedules.find(id) : undefined;
    if (!schedule) throw notFound(id);
    return schedule;
  }

  /** The schedule's fields checked and normalised: a 400 naming the field for the first problem. */
  private async checked(input: Omit<ScheduleFields, 'params'> & { params: Record<string, unknown> }): Promise<ScheduleFields> {
    const name = input.name.trim();
    if (!name) throw invalid('name', 'name must not be blank', input.name);
    const timezone = canonicalTimeZone(input.timezone.trim());
    if (!timezone) throw invalid('timezone', `timezone must be an IANA time zone name such as Europe/London or UTC: ${JSON.stringify(input.timezone)} is not one`, input.timezone);
    const cron = input.cron.trim().replace(/\s+/g, ' ');
    const problem = cronProblem(cron, timezone);
    if (problem) throw new DomainError('invalid_parameter', `cron is not a valid cron expression (5 fields, or 6 with seconds first): ${problem}`, { field: 'cron', value: input.cron, reason: problem });
    const { entry, params } = parseReportParams(input.report.trim(), input.params);
    await this.reports.check(entry.name, params);
    // kept as given (trimmed; the period as its label): a schedule that names no period reports, at each run, on the
    // last quarter closed by then
    const kept: Record<string, string> = {};
    for (const [key, value] of Object.entries(input.params)) {
      if (value === undefined || value === null || value === '') continue;
      kept[key] = key === 'period' ? params.period : String(params[key as keyof typeof params]);
    }
    return { name, report: entry.name, params: kept, cron, timezone, enabled: input.enabled, published: input.published };
  }
}

const validId = (id: number) => Number.isSafeInteger(id) && id > 0 && id <= 2_147_483_647;

const notFound = (id: number) => new DomainError('not_found', `No report schedule ${id}`, { schedule: id });

function detail(s: ReportSchedule, now: Date): ScheduleDetail {
  return { ...s, next_due_at: s.enabled ? nextOccurrence(s.cron, s.timezone, now) : null };
}
