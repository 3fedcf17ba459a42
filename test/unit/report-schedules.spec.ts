import type { ReportSchedule } from '../../reports/schedules/report-schedules.repository';
import { scheduledRun } from '../../reports/schedules/report-scheduler';
import { canonicalTimeZone, catchUpDue, cronProblem, dayIn, latestOccurrence, nextOccurrence } from '../../reports/schedules/schedule-time';

const at = (iso: string) => new Date(iso);

describe('the due time of a tick: the latest occurrence at or before now', () => {
  it('is the scheduled second, not the moment the timer fired', () => {
    // every second: fired 0.37 s late, the tick is for 12:00:05
    expect(latestOccurrence('* * * * * *', 'UTC', at('2026-03-02T12:00:05.370Z'))).toEqual(at('2026-03-02T12:00:05.000Z'));
    // fired exactly on time: that occurrence itself (at or before now)
    expect(latestOccurrence('* * * * * *', 'UTC', at('2026-03-02T12:00:05.000Z'))).toEqual(at('2026-03-02T12:00:05.000Z'));
    // every 15 minutes: at 10:44:59 the last was 10:30
    expect(latestOccurrence('*/15 * * * *', 'UTC', at('2026-03-02T10:44:59.999Z'))).toEqual(at('2026-03-02T10:30:00.000Z'));
  });

  it('reads the expression in the schedule\'s time zone', () => {
    // 06:00 in London on 1 July is 05:00 UTC (BST, UTC+1); on 1 January it is 06:00 UTC (GMT)
    expect(latestOccurrence('0 6 * * *', 'Europe/London', at('2026-07-01T12:00:00Z'))).toEqual(at('2026-07-01T05:00:00Z'));
    expect(latestOccurrence('0 6 * * *', 'Europe/London', at('2026-01-01T12:00:00Z'))).toEqual(at('2026-01-01T06:00:00Z'));
    // 05:30 UTC on 1 July is 06:30 in London: the 06:00 London tick (05:00 UTC) has passed
    expect(latestOccurrence('0 6 * * *', 'Europe/London', at('2026-07-01T05:30:00Z'))).toEqual(at('2026-07-01T05:00:00Z'));
    // 09:00 in New York on a winter day is 14:00 UTC (UTC-5)
    expect(latestOccurrence('0 9 * * 1-5', 'America/New_York', at('2026-01-14T20:00:00Z'))).toEqual(at('2026-01-14T14:00:00Z'));
  });

  it('finds rare occurrences far back, in a bounded number of steps', () => {
    // quarterly, 06:00 London on the first day of January, April, July and October: on 20 June the last was 1 April
    // (BST: 05:00 UTC)
    expect(latestOccurrence('0 6 1 1,4,7,10 *', 'Europe/London', at('2026-06-20T00:00:00Z'))).toEqual(at('2026-04-01T05:00:00Z'));
    // yearly on 29 February: from 2027 the last was 2024
    expect(latestOccurrence('0 0 29 2 *', 'UTC', at('2027-06-01T00:00:00Z'))).toEqual(at('2024-02-29T00:00:00Z'));
    const t0 = Date.now();
    for (let i = 0; i < 20; i++) latestOccurrence('0 0 1 1 *', 'UTC', at('2026-12-31T23:00:00Z'));
    expect(Date.now() - t0).toBeLessThan(20_000); // not one step per second of the year
  });

  it('has none for an expression that never occurs', () => {
    expect(latestOccurrence('0 0 30 2 *', 'UTC', at('2026-06-01T00:00:00Z'))).toBeNull();
    expect(latestOccurrence('not cron', 'UTC', at('2026-06-01T00:00:00Z'))).toBeNull();
  });

  it('and the next occurrence is the first strictly after', () => {
    expect(nextOccurrence('0 6 * * *', 'Europe/London', at('2026-07-01T05:00:00Z'))).toEqual(at('2026-07-02T05:00:00Z'));
    expect(nextOccurrence('*/10 * * * * *', 'UTC', at('2026-07-01T05:00:07.5Z'))).toEqual(at('2026-07-01T05:00:10Z'));
  });
});

describe('catch-up at start: one run for the latest missed tick, not one per missed tick', () => {
  const schedule = { cron: '0 6 * * *', timezone: 'UTC', enabled: true, created_at: at('2026-01-01T00:00:00Z'), last_due_at: null as Date | null };

  it('runs the latest due time when it is after the last one run', () => {
    // last run for 3 March 06:00; down until 10 March 12:00: seven ticks missed, one run, for 10 March 06:00
    expect(catchUpDue({ ...schedule, last_due_at: at('2026-03-03T06:00:00Z') }, at('2026-03-10T12:00:00Z'))).toEqual(at('2026-03-10T06:00:00Z'));
  });

  it('runs nothing when the latest due time has been run', () => {
    expect(catchUpDue({ ...schedule, last_due_at: at('2026-03-10T06:00:00Z') }, at('2026-03-10T12:00:00Z'))).toBeNull();
    // (a later last due time, e.g. a tick run by another instance: nothing either)
    expect(catchUpDue({ ...schedule, last_due_at: at('2026-03-11T06:00:00Z') }, at('2026-03-10T12:00:00Z'))).toBeNull();
  });

  it('never run: counts from when the schedule was made', () => {
    // made at 07:00 on 10 March: the 06:00 tick was before it, nothing to catch up
    expect(catchUpDue({ ...schedule, created_at: at('2026-03-10T07:00:00Z') }, at('2026-03-10T12:00:00Z'))).toBeNull();
    // made on 8 March, never run since: the tick of 10 March
    expect(catchUpDue({ ...schedule, created_at: at('2026-03-08T07:00:00Z') }, at('2026-03-10T12:00:00Z'))).toEqual(at('2026-03-10T06:00:00Z'));
  });

  it('never for a disabled schedule', () => {
    expect(catchUpDue({ ...schedule, enabled: false, last_due_at: at('2026-01-01T06:00:00Z') }, at('2026-03-10T12:00:00Z'))).toBeNull();
  });
});

describe('what a schedule accepts', () => {
  it('takes cron expressions of 5 or 6 fields, and names the parser\'s reason for others', () => {
    expect(cronProblem('0 6 1 1,4,7,10 *')).toBeNull();
    expect(cronProblem('* * * * * *')).toBeNull();
    expect(cronProblem('* * *')).toMatch(/Too few fields/);
    expect(cronProblem('* * * * * * * *')).toMatch(/Too many fields/);
    expect(cronProblem('61 * * * *')).toMatch(/.+/);
    expect(cronProblem('0 0 30 2 *')).toMatch(/never occurs/);
  });

  it('takes IANA time zones, by their canonical names', () => {
    expect(canonicalTimeZone('Europe/London')).toBe('Europe/London');
    expect(canonicalTimeZone('europe/london')).toBe('Europe/London');
    expect(canonicalTimeZone('UTC')).toBe('UTC');
    expect(canonicalTimeZone('Mars/Olympus_Mons')).toBeNull();
    expect(canonicalTimeZone('+01:00')).toBeNull();
    expect(canonicalTimeZone('')).toBeNull();
  });

  it('dates a run on its due day in the schedule\'s zone', () => {
    // 23:30 UTC on 31 March is 00:30 on 1 April in London (BST)
    expect(dayIn(at('2026-03-31T23:30:00Z'), 'Europe/London')).toBe('2026-04-01');
    expect(dayIn(at('2026-03-31T23:30:00Z'), 'UTC')).toBe('2026-03-31');
  });
});

describe('the run a schedule queues', () => {
  const base: ReportSchedule = {
    id: 7, name: 'quarterly', report: 'national', params: {}, cron: '0 6 1 1,4,7,10 *', timezone: 'Europe/London', enabled: true, published: true,
    created_by_key_id: 3, created_at: at('2026-01-01T00:00:00Z'), updated_at: at('2026-01-01T00:00:00Z'), last_run_at: null, last_due_at: null,
  };

  it('reports, with no period named, on the last quarter closed by its due day', () => {
    // due 1 April 2026 06:00 London: the last closed quarter is 2026-Q1
    const run = scheduledRun(base, at('2026-04-01T05:00:00Z'), 3);
    expect(run).toEqual({
      report: 'national', params: { period: '2026-Q1' }, published: true, include_supplier_data: false, requested_by_key_id: 3, max_attempts: 3,
      title: 'Social value: national implementation report',
    });
  });

  it('keeps a named period, and a schedule not published reads supplier-level data', () => {
    const run = scheduledRun({ ...base, published: false, params: { period: '2025-Q2', basis: 'real' } }, at('2026-04-01T05:00:00Z'), 2);
    expect(run).toMatchObject({ params: { period: '2025-Q2', basis: 'real' }, published: false, include_supplier_data: true, max_attempts: 2 });
  });

  it('queues parameters no longer accepted as they are: the run fails with the reason, never silently', () => {
    const run = scheduledRun({ ...base, params: { nonsense: 'x' } }, at('2026-04-01T05:00:00Z'), 3);
    expect(run.params).toEqual({ nonsense: 'x' });
  });
});
