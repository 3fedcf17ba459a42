import { Injectable, Logger, Optional, type BeforeApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';

/** A job run on a schedule. */
export interface CronTask<T = unknown> {
  /** Its name in logs and in the scheduler registry. */
  name: string;
  /** A cron expression (5 or 6 fields, Europe/London), or `off`: never by schedule (nor at start). */
  cron: string;
  /** Also run once at start, in the background. */
  atStart?: boolean;
  /** Wait for a run under way when the service stops (default true; a harvest resumes from its cursor instead). */
  awaitOnShutdown?: boolean;
  run(): Promise<T>;
  /** What to log after a run, when it did something worth a line (undefined: nothing). */
  report?(result: T, ms: number): Record<string, unknown> | undefined;
}

/**
 * The one way a job is scheduled: a tick while the previous run of the same job still runs is skipped, a failure is
 * logged (never thrown into the timer), and runs under way are awaited on shutdown. Jobs that must run on one instance
 * only take an advisory lock themselves (metrics/platform/locks.ts).
 */
@Injectable()
export class CronTasks implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Schedule');
  private readonly running = new Map<string, { done: Promise<void>; await: boolean }>();

  constructor(@Optional() private readonly registry?: SchedulerRegistry) {}

  schedule<T>(task: CronTask<T>): void {
    if (task.cron === 'off') return;
    const job = CronJob.from({ cronTime: task.cron, timeZone: 'Europe/London', onTick: () => this.tick(task) });
    this.registry?.addCronJob(task.name, job);
    job.start();
    if (task.atStart) this.tick(task);
  }

  /** Runs the task now unless it is running; resolves when this run (or the one under way) ends. */
  tick<T>(task: CronTask<T>): Promise<void> {
    const current = this.running.get(task.name);
    if (current) return current.done;
    const started = Date.now();
    const done = task
      .run()
      .then((result) => {
        const line = task.report?.(result, Date.now() - started);
        if (line) this.logger.log({ job: task.name, ms: Date.now() - started, ...line });
      })
      .catch((err: Error) => this.logger.error({ msg: `${task.name} failed`, job: task.name, err }))
      .finally(() => this.running.delete(task.name));
    this.running.set(task.name, { done, await: task.awaitOnShutdown ?? true });
    return done;
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all([...this.running.values()].filter((r) => r.await).map((r) => r.done));
  }
}
