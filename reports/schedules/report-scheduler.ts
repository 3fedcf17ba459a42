import { Inject, Injectable, Logger, Optional, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { findReport, parseReportParams } from '../catalogue';
import { REPORTS_OPTIONS, type ReportsOptions } from '../options';
import { ReportRunsService } from '../runs/report-runs.service';
import { ReportSchedulesRepository, type ReportSchedule, type ScheduledRun, type TickOutcome } from './report-schedules.repository';
import { catchUpDue, dayIn, latestOccurrence } from './schedule-time';

/** How often the schedules are read again, so that an instance learns of changes made through another one (ms). */
export const SCHEDULE_REREAD_MS = 30_000;

/** The name of a schedule's cron job in @nestjs/schedule's registry. */
export const scheduleJobName = (id: number) => `report-schedule-${id}`;

/** What a registered job was made from: when it changes, the job is made again. */
const signature = (s: Pick<ReportSchedule, 'cron' | 'timezone'>) => `${s.cron}\u0000${s.timezone}`;

/**
 * The run a schedule queues for a due time: its report and parameters (the period, when the schedule names none, is
 * the last quarter closed on the due day, in the schedule's zone), public or not as the schedule says. Parameters no
 * longer accepted are queued as they are: the run then fails with the reason, never silently.
 */
export function scheduledRun(schedule: ReportSchedule, due: Date, attempts: number): ScheduledRun {
  let params: Record<string, string> = schedule.params;
  try {
    params = parseReportParams(schedule.report, schedule.params, dayIn(due, schedule.timezone)).params as unknown as Record<string, string>;
  } catch {
    // kept as they are: the worker refuses them with the reason, recorded on the run
  }
  return {
    report: schedule.report,
    params,
    published: schedule.published,
    include_supplier_data: !schedule.published,
    requested_by_key_id: schedule.created_by_key_id,
    max_attempts: attempts,
    title: findReport(schedule.report)?.title ?? schedule.report,
  };
}

/**
 * The schedules at work (on an instance whose reports worker is on): each enabled schedule is a CronJob in its time
 * zone, in @nestjs/schedule's registry, made at start, again after every change made here, and at every re-read
 * (every SCHEDULE_REREAD_MS: changes made through another instance). A tick queues the run for its due time (the
 * occurrence, not the moment the timer fired) once across instances (ReportSchedulesRepository.queueTick) and tells
 * the worker. At start, a schedule whose latest due time passed while no instance ran queues that one run (catch-up).
 */
@Injectable()
export class ReportScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('ReportSchedules');
  private readonly jobs = new Map<number, { job: CronJob; signature: string }>();
  private readonly ticks = new Set<Promise<unknown>>();
  private syncing: Promise<void> = Promise.resolve();
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly schedules: ReportSchedulesRepository,
    private readonly runs: ReportRunsService,
    @Inject(REPORTS_OPTIONS) private readonly options: ReportsOptions,
    @Optional() private readonly registry?: SchedulerRegistry,
  ) {}

  /** Whether this instance runs the schedules. */
  get active(): boolean {
    return this.options.worker && !this.stopped;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.options.worker) return;
    await this.catchUp().catch((err: Error) => this.logger.error({ msg: 'report schedules could not be caught up', err }));
    await this.sync().catch((err: Error) => this.logger.error({ msg: 'report schedules could not be read', err }));
    this.timer = setInterval(() => void this.sync().catch((err: Error) => this.logger.error({ msg: 'report schedules could not be read', err })), SCHEDULE_REREAD_MS);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.syncing;
    for (const id of [...this.jobs.keys()]) this.unregister(id);
    await Promise.all([...this.ticks]);
  }

  /** The schedules' jobs made to match the database: new and changed ones (re)registered, disabled and deleted ones removed. */
  sync(): Promise<void> {
    const next = this.syncing.then(() => (this.active ? this.syncNow() : undefined));
    this.syncing = next.catch(() => undefined);
    return next;
  }

  /** The ids of the schedules registered here (tests, and a look at a running instance). */
  registered(): number[] {
    return [...this.jobs.keys()].sort((a, b) => a - b);
  }

  /**
   * Runs the catch-up: for each enabled schedule whose latest due time at or before now is later than its last one
   * (never run: later than its making), that one run, queued as a tick for that due time.
   */
  async catchUp(now = new Date()): Promise<Array<{ schedule: number; due_at: Date; result: TickOutcome }>> {
    const done: Array<{ schedule: number; due_at: Date; result: TickOutcome }> = [];
    for (const schedule of await this.schedules.list({ enabled: true })) {
      const due = catchUpDue(schedule, now);
      if (!due) continue;
      const result = await this.fire(schedule.id, due);
      done.push({ schedule: schedule.id, due_at: due, result });
      this.logger.log({ msg: 'report schedule caught up: one run for its latest missed tick', schedule: schedule.id, name: schedule.name, due_at: due.toISOString(), last_due_at: schedule.last_due_at?.toISOString() ?? null, ...result });
    }
    return done;
  }

  /**
   * The tick of schedule `id` due at `due`: its run queued unless one is (here or by another instance), and the worker
   * told. `expected`: the cron and zone the tick was registered with; a schedule changed since (through another
   * instance) is not run on the old timing, and the jobs are read again.
   */
  async fire(id: number, due: Date, expected?: Pick<ReportSchedule, 'cron' | 'timezone'>): Promise<TickOutcome> {
    const result = await this.schedules.queueTick(id, due, (schedule) => {
      if (!schedule) return { skip: 'deleted' };
      if (!schedule.enabled) return { skip: 'disabled' };
      if (expected && signature(expected) !== signature(schedule)) return { skip: 'changed' };
      return scheduledRun(schedule, due, this.options.attempts);
    });
    if (result.outcome === 'queued') {
      this.logger.log({ msg: 'scheduled report queued', schedule: id, run: result.run, due_at: due.toISOString() });
      this.runs.kick();
    } else if (result.outcome === 'skipped') {
      void this.sync().catch(() => undefined);
    }
    return result;
  }

  private async syncNow(): Promise<void> {
    const wanted = new Map((await this.schedules.list({ enabled: true })).map((s) => [s.id, s]));
    if (!this.active) return;
    for (const [id, held] of this.jobs) {
      const s = wanted.get(id);
      if (!s || signature(s) !== held.signature) this.unregister(id);
    }
    for (const [id, s] of wanted) if (!this.jobs.has(id)) this.register(s);
  }

  private register(s: ReportSchedule): void {
    const expected = { cron: s.cron, timezone: s.timezone };
    let job: CronJob;
    try {
      job = CronJob.from({ cronTime: s.cron, timeZone: s.timezone, unrefTimeout: true, name: scheduleJobName(s.id), onTick: () => this.onTick(s.id, expected) });
    } catch (err) {
      // stored before a rule of today refused it: logged, never thrown into the others
      this.logger.error({ msg: 'a report schedule could not be registered', schedule: s.id, cron: s.cron, timezone: s.timezone, err });
      return;
    }
    const name = scheduleJobName(s.id);
    if (this.registry?.doesExist('cron', name)) this.registry.deleteCronJob(name);
    this.registry?.addCronJob(name, job);
    this.jobs.set(s.id, { job, signature: signature(s) });
    job.start();
  }

  private unregister(id: number): void {
    const held = this.jobs.get(id);
    if (!held) return;
    this.jobs.delete(id);
    const name = scheduleJobName(id);
    if (this.registry?.doesExist('cron', name)) this.registry.deleteCronJob(name);
    else void held.job.stop();
  }

  private onTick(id: number, expected: Pick<ReportSchedule, 'cron' | 'timezone'>): void {
    // the occurrence this tick is for: a cron job fires at it or just after, never before
    const due = latestOccurrence(expected.cron, expected.timezone, new Date());
    if (!due || !this.jobs.has(id)) return;
    const p = this.fire(id, due, expected)
      .catch((err: Error) => this.logger.error({ msg: 'a report schedule tick failed', schedule: id, due_at: due.toISOString(), err }))
      .finally(() => this.ticks.delete(p));
    this.ticks.add(p);
  }
}
