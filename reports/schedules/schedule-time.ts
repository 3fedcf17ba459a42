import { CronTime, validateCronExpression } from 'cron';

/**
 * The time rules of report schedules, pure (no I/O, the clock passed in): what a cron expression and a time zone
 * accept, the occurrence a tick is for (its due time), and the one run a schedule catches up at start.
 */

/** Why a cron expression is refused (null: accepted): the cron parser's reason, or that it never occurs. */
export function cronProblem(cron: string, timeZone = 'UTC'): string | null {
  const checked = validateCronExpression(cron);
  if (!checked.valid) return checked.error?.message ?? 'not a cron expression';
  try {
    new CronTime(cron, timeZone).sendAt();
  } catch (err) {
    // e.g. "0 0 30 2 *" parses but no 30 February ever comes
    return `it never occurs (${err instanceof Error ? err.message.split('\n')[0].trim() : String(err)})`;
  }
  return null;
}

/** The time zone's canonical IANA name (europe/london: Europe/London; Etc/UTC: UTC), or null when there is none. */
export function canonicalTimeZone(zone: string): string | null {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(zone)) return null; // an IANA name, not an offset
  try {
    const name = new Intl.DateTimeFormat('en-GB', { timeZone: zone }).resolvedOptions().timeZone;
    new CronTime('* * * * *', name); // and the cron package (Luxon) reads it too
    return name;
  } catch {
    return null;
  }
}

function compiled(cron: string, timeZone: string): CronTime | null {
  try {
    return new CronTime(cron, timeZone);
  } catch {
    return null;
  }
}

/** The first occurrence strictly after `after` (null: none in the next years, or the expression is not valid). */
export function nextOccurrence(cron: string, timeZone: string, after: Date): Date | null {
  const time = compiled(cron, timeZone);
  if (!time) return null;
  try {
    return time.getNextDateFrom(after, timeZone).toJSDate();
  } catch {
    return null;
  }
}

/** How far back an occurrence is looked for (a schedule that last occurred longer ago than this has none). */
const LOOK_BACK_S = 12 * 366 * 24 * 3600;

/**
 * The latest occurrence at or before `now`: the due time of a tick fired at `now` (a cron job fires at its occurrence
 * or just after it, never before), and the tick a catch-up runs. Occurrences fall on whole seconds: the search takes
 * the latest whole second s such that the next occurrence after s is at or before now (doubling back from now, then
 * halving), so it costs some 60 steps whatever the schedule, never one per occurrence.
 */
export function latestOccurrence(cron: string, timeZone: string, now: Date): Date | null {
  const time = compiled(cron, timeZone);
  if (!time) return null;
  const nowMs = now.getTime();
  const next = (s: number): number | null => {
    try {
      return time.getNextDateFrom(new Date(s * 1000), timeZone).toMillis();
    } catch {
      return null;
    }
  };
  const hits = (s: number) => {
    const t = next(s);
    return t !== null && t <= nowMs;
  };
  const nowS = Math.floor(nowMs / 1000);
  // hi: a second whose next occurrence is after now (now itself is one); lo: one whose next occurrence is not
  let hi = nowS;
  let back = 1;
  let lo = nowS - back;
  while (!hits(lo)) {
    hi = lo;
    back *= 2;
    if (back > LOOK_BACK_S) return null;
    lo = nowS - back;
  }
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (hits(mid)) lo = mid;
    else hi = mid;
  }
  return new Date(next(lo)!);
}

/** What catch-up needs of a schedule. */
export interface CatchUpFacts {
  cron: string;
  timezone: string;
  enabled: boolean;
  /** The latest due time a run was queued for (null: never run). */
  last_due_at: Date | null;
  created_at: Date;
}

/**
 * The due time to run once at start, or null: the latest occurrence at or before now when it is after the last due
 * time run (never run: after the schedule was made). Ticks missed while the service was down are run once, for the
 * latest of them, never once each.
 */
export function catchUpDue(schedule: CatchUpFacts, now: Date): Date | null {
  if (!schedule.enabled) return null;
  const latest = latestOccurrence(schedule.cron, schedule.timezone, now);
  if (!latest) return null;
  const since = schedule.last_due_at ?? schedule.created_at;
  return latest.getTime() > since.getTime() ? latest : null;
}

/** The calendar day of an instant in a time zone (YYYY-MM-DD): "today" for the period of a run due then. */
export function dayIn(instant: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(instant);
  const part = (type: string) => parts.find((p) => p.type === type)!.value;
  return `${part('year')}-${part('month')}-${part('day')}`;
}
