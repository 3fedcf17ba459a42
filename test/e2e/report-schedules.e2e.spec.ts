import type { NestExpressApplication } from '@nestjs/platform-express';
import { createApp } from '../../api/app';
import { loadConfig } from '../../api/config/config';
import { openDatabase, type Database } from '../../metrics/platform/database';
import { ReportScheduler } from '../../reports/schedules/report-scheduler';
import type { TickOutcome } from '../../reports/schedules/report-schedules.repository';
import { latestOccurrence } from '../../reports/schedules/schedule-time';
import { http } from '../support/http';
import { createKey } from '../support/keys';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Report schedules: their API (admin), their checks (a 400 naming the field), their ticks (one run per due time),
 * catch-up at start (one run for the latest missed tick) and, on PostgreSQL, two instances on one database queueing
 * each tick once. Assertions are on report_runs rows; the worker may print the runs (the national report on a database
 * with no outcomes prints in a second or two), which these tests never wait for.
 */

/** The field a 400 names: its details are { field } (the report and schedule checks) or [{ field }] (the DTO and read-filter checks). */
const fieldOf = (body: any): string | undefined => {
  const d = body?.error?.details;
  return Array.isArray(d) ? d[0]?.field : d?.field;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until `done` holds of its value (generous limits: never a timing assertion). */
async function until<T>(probe: () => Promise<T>, done: (v: T) => boolean, limitMs = 45_000): Promise<T> {
  const end = Date.now() + limitMs;
  let v = await probe();
  while (!done(v) && Date.now() < end) {
    await sleep(200);
    v = await probe();
  }
  return v;
}

interface RunRow {
  id: number;
  schedule_id: number | null;
  due_at: Date;
  published: boolean;
  include_supplier_data: boolean;
  supplier_scope: string[] | null;
  params: Record<string, string>;
}

const runsOf = async (db: Database, scheduleId: number): Promise<RunRow[]> =>
  (await db.knex('report_runs').where({ schedule_id: scheduleId }).orderBy('due_at').select('id', 'schedule_id', 'due_at', 'published', 'include_supplier_data', 'supplier_scope', 'params')).map(
    (r: Record<string, unknown>) => ({ ...(r as unknown as RunRow), id: Number(r.id), due_at: new Date(r.due_at as string), params: typeof r.params === 'string' ? JSON.parse(r.params) : r.params }),
  );

const TEST_ENV = {
  LOG_LEVEL: 'silent', PORT: '0', HOST: '127.0.0.1', DATA_DIR: '/nonexistent', DEMO_DATA: 'false', HARVEST_CRON: 'off', DELIVERY_REBUILD_CRON: 'off',
  QUALITY_OUTLIER_CRON: 'off', BATCH_CHECK_CRON: 'off', RATE_LIMIT_READS: 'off', RATE_LIMIT_WRITES: 'off', REPORTS_CONCURRENCY: '1',
};

/** Another instance of the service on `db` (the caller's to close), as a second process on the same database would be. */
async function instance(db: Database): Promise<{ app: NestExpressApplication; close(): Promise<void> }> {
  const app = await createApp(loadConfig(TEST_ENV), { database: db });
  await app.listen(0, '127.0.0.1');
  return { app, close: () => app.close() };
}

describe('report schedules', () => {
  let t: TestApp;
  let admin: string;
  let analyst: string;
  let submitter: string;
  const url = (path = '') => `${t.url}/api/v1/reports/schedules${path}`;
  const post = (json: unknown, key = admin) => http(url(), { key, json });

  beforeAll(async () => {
    t = await startTestApp({ REPORTS_CONCURRENCY: '1' });
    admin = await createKey(t.database.db, 'admin');
    analyst = await createKey(t.database.db, 'analyst');
    submitter = await createKey(t.database.db, 'submitter', ['E08000009']);
  });
  afterAll(() => t?.close());

  it('makes, lists, reads, changes and deletes a schedule (admin)', async () => {
    const made = await post({ name: 'National, quarterly', report: 'national', params: { basis: 'real' }, cron: '0 6 1 1,4,7,10 *' });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({
      id: expect.any(Number), name: 'National, quarterly', report: 'national', params: { basis: 'real' }, cron: '0 6 1 1,4,7,10 *', timezone: 'Europe/London',
      enabled: true, published: false, last_run_at: null, last_due_at: null, next_due_at: expect.any(String), links: { self: `/api/v1/reports/schedules/${made.body.id}` },
    });
    expect(made.body.created_by_key_id).toEqual(expect.any(Number));
    // the next quarter's first day, 06:00 in London
    expect(new Date(made.body.next_due_at).getTime()).toBeGreaterThan(Date.now());
    const id = made.body.id;

    const list = await http(url(), { key: admin });
    expect(list.status).toBe(200);
    expect(list.body.data.map((s: any) => s.id)).toContain(id);

    const one = await http(url(`/${id}`), { key: admin });
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id, name: 'National, quarterly', runs: [] });

    const changed = await http(url(`/${id}`), { method: 'PATCH', key: admin, json: { timezone: 'america/new_york', published: true, params: { period: '2025q2' } } });
    expect(changed.status).toBe(200);
    // the zone by its canonical name; the period by its label; params replaced whole
    expect(changed.body).toMatchObject({ id, timezone: 'America/New_York', published: true, params: { period: '2025-Q2' }, cron: '0 6 1 1,4,7,10 *' });
    expect(new Date(changed.body.updated_at).getTime()).toBeGreaterThanOrEqual(new Date(made.body.updated_at).getTime());

    const disabled = await http(url(`/${id}`), { method: 'PATCH', key: admin, json: { enabled: false } });
    expect(disabled.body).toMatchObject({ enabled: false, next_due_at: null });
    expect(t.app.get(ReportScheduler).registered()).not.toContain(id);
    const enabled = await http(url(`/${id}`), { method: 'PATCH', key: admin, json: { enabled: true } });
    expect(enabled.body.enabled).toBe(true);
    expect(t.app.get(ReportScheduler).registered()).toContain(id);

    const deleted = await http(url(`/${id}`), { method: 'DELETE', key: admin });
    expect([deleted.status, deleted.body]).toEqual([204, undefined]);
    expect(t.app.get(ReportScheduler).registered()).not.toContain(id);
    expect((await http(url(`/${id}`), { key: admin })).status).toBe(404);
  });

  it('refuses a bad schedule with a 400 naming the field', async () => {
    const good = { name: 'bad', report: 'national', cron: '0 6 * * *' };
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['a bad cron expression', { ...good, cron: 'every day at six' }, 'cron'],
      ['a cron expression of too few fields', { ...good, cron: '* * *' }, 'cron'],
      ['a cron expression out of range', { ...good, cron: '0 25 * * *' }, 'cron'],
      ['a cron expression that never occurs', { ...good, cron: '0 0 30 2 *' }, 'cron'],
      ['a bad time zone', { ...good, timezone: 'Mars/Olympus_Mons' }, 'timezone'],
      ['an offset for a time zone', { ...good, timezone: '+01:00' }, 'timezone'],
      ['an unknown report', { ...good, report: 'weekly' }, 'report'],
      ['an unknown parameter', { ...good, params: { colour: 'red' } }, 'colour'],
      ['a parameter the report does not take', { ...good, params: { authority: 'E08000009' } }, 'authority'],
      ['a bad period', { ...good, params: { period: 'last spring' } }, 'period'],
      ['a period not yet started', { ...good, params: { period: '2099-Q1' } }, 'period'],
      ['a bad basis', { ...good, params: { basis: 'gross' } }, 'basis'],
      ['an authority report without its authority', { ...good, report: 'authority' }, 'authority'],
      ['a blank name', { ...good, name: '   ' }, 'name'],
    ];
    for (const [what, body, field] of cases) {
      const r = await post(body);
      expect([what, r.status, r.body.error?.code, fieldOf(r.body)]).toEqual([what, 400, 'invalid_parameter', field]);
    }
    const cron = await post({ ...good, cron: '* * *' });
    expect(cron.body.error.message).toMatch(/cron.*Too few fields/);
    // the body's shape: missing fields, wrong types, unknown fields (named by the DTO check)
    for (const body of [{ name: 'x', report: 'national' }, { ...good, enabled: 'yes' }, { ...good, params: 'period=2025' }, { ...good, owner: 'me' }, { ...good, params: { period: 2025 } }]) {
      const r = await post(body);
      expect([JSON.stringify(body), r.status]).toEqual([JSON.stringify(body), 400]);
    }
    // a change is checked as a new schedule is, and nothing changes when it is refused
    const made = await post({ ...good, name: 'checked on change' });
    expect(made.status).toBe(201);
    const bad = await http(url(`/${made.body.id}`), { method: 'PATCH', key: admin, json: { cron: '99 * * * *' } });
    expect([bad.status, fieldOf(bad.body)]).toEqual([400, 'cron']);
    const badZone = await http(url(`/${made.body.id}`), { method: 'PATCH', key: admin, json: { timezone: 'Nowhere' } });
    expect([badZone.status, fieldOf(badZone.body)]).toEqual([400, 'timezone']);
    // a new report is checked against the parameters kept
    const badReport = await http(url(`/${made.body.id}`), { method: 'PATCH', key: admin, json: { report: 'authority' } });
    expect([badReport.status, fieldOf(badReport.body)]).toEqual([400, 'authority']);
    expect((await http(url(`/${made.body.id}`), { key: admin })).body).toMatchObject({ cron: '0 6 * * *', timezone: 'Europe/London', report: 'national' });
    expect((await http(url('/not-a-number'), { key: admin })).status).toBe(400);
    await http(url(`/${made.body.id}`), { method: 'DELETE', key: admin });
  });

  it('refuses an authority that does not exist (400 naming the field)', async () => {
    const unknownAuthority = await post({ name: 'nowhere authority', report: 'authority', params: { authority: 'E99999999' }, cron: '0 6 * * *' });
    expect([unknownAuthority.status, fieldOf(unknownAuthority.body)]).toEqual([400, 'authority']);
  });

  it('refuses a region that does not exist (400 naming the field)', async () => {
    const unknownRegion = await post({ name: 'nowhere region', report: 'evidence', params: { region: 'Atlantis' }, cron: '0 6 * * *' });
    expect([unknownRegion.status, fieldOf(unknownRegion.body)]).toEqual([400, 'region']);
  });

  it('is for admin keys only: 401 without a key, 403 for an analyst or a submitter', async () => {
    const made = await post({ name: 'access', report: 'national', cron: '0 6 * * *' });
    const id = made.body.id;
    const calls: Array<[string, string, unknown?]> = [['GET', ''], ['POST', '', { name: 'x', report: 'national', cron: '0 6 * * *' }], ['GET', `/${id}`], ['PATCH', `/${id}`, { enabled: false }], ['DELETE', `/${id}`]];
    for (const [method, path, json] of calls) {
      const none = await http(url(path), { method, json });
      expect([method, path, none.status, none.body.error.code]).toEqual([method, path, 401, 'missing_api_key']);
      for (const key of [analyst, submitter]) {
        const refused = await http(url(path), { method, json, key });
        expect([method, path, refused.status, refused.body.error.code]).toEqual([method, path, 403, 'role_not_allowed']);
      }
    }
    expect((await http(url(`/${id}`), { key: admin })).body).toMatchObject({ id, enabled: true });
    await http(url(`/${id}`), { method: 'DELETE', key: admin });
  });

  it('answers 404 for an unknown schedule and 409 for a name in use', async () => {
    for (const method of ['GET', 'PATCH', 'DELETE']) {
      for (const id of ['987654', '99999999999']) {
        const r = await http(url(`/${id}`), { method, key: admin, ...(method === 'PATCH' ? { json: { enabled: false } } : {}) });
        expect([method, id, r.status, r.body.error.code]).toEqual([method, id, 404, 'not_found']);
      }
    }
    const first = await post({ name: 'twice', report: 'national', cron: '0 6 * * *' });
    expect(first.status).toBe(201);
    const again = await post({ name: 'twice', report: 'evidence', cron: '0 7 * * *' });
    expect([again.status, again.body.error.code, fieldOf(again.body)]).toEqual([409, 'conflict', 'name']);
    const other = await post({ name: 'other', report: 'national', cron: '0 6 * * *' });
    const renamed = await http(url(`/${other.body.id}`), { method: 'PATCH', key: admin, json: { name: 'twice' } });
    expect([renamed.status, renamed.body.error.code]).toEqual([409, 'conflict']);
    for (const s of [first, other]) await http(url(`/${s.body.id}`), { method: 'DELETE', key: admin });
  });

  it('queues one run per tick of a schedule every second, each for its own due time; disabled, it stops at once; deleted, its runs stay', async () => {
    const db = t.database.db;
    const made = await post({ name: 'every second', report: 'national', cron: '* * * * * *', timezone: 'UTC', published: true });
    expect(made.status).toBe(201);
    const id = made.body.id;
    const runs = await until(() => runsOf(db, id), (r) => r.length >= 3);
    expect(runs.length).toBeGreaterThanOrEqual(3);
    const stopped = await http(url(`/${id}`), { method: 'PATCH', key: admin, json: { enabled: false } });
    expect(stopped.status).toBe(200);
    const atStop = await runsOf(db, id);

    // each run is for a scheduled second (not the moment its timer fired), one run per second, no duplicate
    const dues = atStop.map((r) => r.due_at.getTime());
    expect(new Set(dues).size).toBe(dues.length);
    for (const due of dues) expect(due % 1000).toBe(0);
    // a published schedule's runs are public ones: no supplier-level section
    for (const r of atStop) expect(r).toMatchObject({ published: true, include_supplier_data: false, supplier_scope: null, params: { period: expect.stringMatching(/^\d{4}-Q[1-4]$/) } });
    const schedule = (await http(url(`/${id}`), { key: admin })).body;
    expect(new Date(schedule.last_due_at).getTime()).toBe(Math.max(...dues));
    expect(schedule.last_run_at).toEqual(expect.any(String));
    expect(schedule.runs.length).toBe(atStop.length);
    expect(schedule.runs[0]).toMatchObject({ id: expect.any(Number), status: expect.stringMatching(/^(queued|running|succeeded|failed)$/), due_at: new Date(Math.max(...dues)).toISOString(), links: { self: expect.stringMatching(/^\/api\/v1\/reports\/runs\/\d+$/) } });

    // disabled: no run after the answer (a tick under way when it came was ordered before it by the schedule's row lock)
    await sleep(2500);
    expect((await runsOf(db, id)).length).toBe(atStop.length);

    const deleted = await http(url(`/${id}`), { method: 'DELETE', key: admin });
    expect(deleted.status).toBe(204);
    const kept = await db.knex('report_runs').whereIn('id', atStop.map((r) => r.id)).select('schedule_id', 'due_at');
    expect(kept).toHaveLength(atStop.length);
    for (const r of kept) expect(r.schedule_id).toBeNull();
  });

  it('catches up a tick missed while no instance ran: once, for the latest missed due time', async () => {
    const db = t.database.db;
    // monthly at midnight on the 1st (UTC): the last run was 200 days ago, so some six ticks were missed
    const made = await post({ name: 'monthly, missed', report: 'national', cron: '0 0 1 * *', timezone: 'UTC' });
    const id = made.body.id;
    await db.knex.raw(`update report_schedules set created_at = now() - interval '400 days', last_due_at = now() - interval '200 days' where id = ?`, [id]);
    const latest = latestOccurrence('0 0 1 * *', 'UTC', new Date())!;

    const scheduler = t.app.get(ReportScheduler);
    const caught = await scheduler.catchUp(); // what a start does
    expect(caught.filter((c) => c.schedule === id)).toEqual([{ schedule: id, due_at: latest, result: { outcome: 'queued', run: expect.any(Number) } }]);
    const runs = await runsOf(db, id);
    expect(runs.map((r) => r.due_at)).toEqual([latest]);
    // unpublished: a report for admins, with its supplier-level sections for every authority
    expect(runs[0]).toMatchObject({ published: false, include_supplier_data: true, supplier_scope: null });
    // a second start finds nothing to catch up
    expect((await scheduler.catchUp()).filter((c) => c.schedule === id)).toEqual([]);
    expect(await runsOf(db, id)).toHaveLength(1);

    // never run, made before the latest due time: caught up; made after it: nothing
    const fresh = await post({ name: 'monthly, new', report: 'national', cron: '0 0 1 * *', timezone: 'UTC' });
    expect((await scheduler.catchUp()).filter((c) => c.schedule === fresh.body.id)).toEqual([]);
    await db.knex.raw(`update report_schedules set created_at = now() - interval '400 days' where id = ?`, [fresh.body.id]);
    expect((await scheduler.catchUp()).filter((c) => c.schedule === fresh.body.id)).toHaveLength(1);
    // a disabled schedule is not caught up
    const off = await post({ name: 'monthly, off', report: 'national', cron: '0 0 1 * *', timezone: 'UTC', enabled: false });
    await db.knex.raw(`update report_schedules set created_at = now() - interval '400 days' where id = ?`, [off.body.id]);
    expect((await scheduler.catchUp()).filter((c) => c.schedule === off.body.id)).toEqual([]);
    for (const s of [made, fresh, off]) await http(url(`/${s.body.id}`), { method: 'DELETE', key: admin });
  });

  describe('on PostgreSQL, two instances on one database', () => {
    let second: Database | undefined;
    let other: { app: NestExpressApplication; close(): Promise<void> } | undefined;
    const pg = () => t.database.db.driver !== 'embedded'; // one process holds the embedded database: nothing to share

    beforeAll(async () => {
      if (!pg()) return;
      second = await openDatabase({ databaseUrl: t.database.url!, dataDir: '', poolMax: 5 });
      other = await instance(second);
    });
    afterAll(async () => {
      await other?.close();
      await second?.close();
    });

    it('queues a tick fired by both at once exactly once', async () => {
      if (!pg()) return;
      const made = await post({ name: 'shared, monthly', report: 'national', cron: '0 0 1 * *', timezone: 'UTC' });
      const id = made.body.id;
      const here = t.app.get(ReportScheduler);
      const there = other!.app.get(ReportScheduler);
      expect(here).not.toBe(there);
      for (let i = 0; i < 10; i++) {
        const due = new Date(Date.UTC(2026, i, 1));
        const outcomes = await Promise.all([here.fire(id, due), there.fire(id, due), here.fire(id, due), there.fire(id, due)]);
        expect(outcomes.map((o) => o.outcome).sort()).toEqual(['exists', 'exists', 'exists', 'queued']);
      }
      const runs = await runsOf(t.database.db, id);
      expect(runs.map((r) => r.due_at.toISOString())).toEqual(Array.from({ length: 10 }, (_, i) => new Date(Date.UTC(2026, i, 1)).toISOString()));
      await http(url(`/${id}`), { method: 'DELETE', key: admin });
    });

    it('with a schedule every second on both, one run per due time, and both instances at it', async () => {
      if (!pg()) return;
      const db = t.database.db;
      const here = t.app.get(ReportScheduler);
      const there = other!.app.get(ReportScheduler);
      const outcomes: Array<{ at: string; outcome: TickOutcome['outcome'] }> = [];
      for (const [at, s] of [['here', here], ['there', there]] as const) {
        const fire = s.fire.bind(s);
        jest.spyOn(s, 'fire').mockImplementation(async (...args) => {
          const o = await fire(...args);
          outcomes.push({ at, outcome: o.outcome });
          return o;
        });
      }
      try {
        const made = await post({ name: 'shared, every second', report: 'national', cron: '* * * * * *', timezone: 'UTC' });
        const id = made.body.id;
        // the other instance learns of it at its next re-read (every 30 s): here, now
        await there.sync();
        expect(there.registered()).toContain(id);
        const runs = await until(() => runsOf(db, id), (r) => r.length >= 4 && outcomes.some((o) => o.outcome === 'exists'));
        await http(url(`/${id}`), { method: 'PATCH', key: admin, json: { enabled: false } });
        const dues = (await runsOf(db, id)).map((r) => r.due_at.getTime());
        expect(runs.length).toBeGreaterThanOrEqual(4);
        expect(new Set(dues).size).toBe(dues.length);
        // both fired ticks; for a due time the other had queued, the second found it there
        expect(new Set(outcomes.map((o) => o.at))).toEqual(new Set(['here', 'there']));
        expect(outcomes.some((o) => o.outcome === 'exists')).toBe(true);
        expect(outcomes.filter((o) => o.outcome === 'queued')).toHaveLength(dues.length);
        // disabled through this instance: the other skips its ticks (the row says so) and drops the job at its re-read
        await until(async () => there.registered(), (r) => !r.includes(id), 5000).catch(() => undefined);
        await there.sync();
        expect(there.registered()).not.toContain(id);
        await http(url(`/${id}`), { method: 'DELETE', key: admin });
      } finally {
        jest.restoreAllMocks();
      }
    });

    it('catches up at the start of an instance: one run, not one per missed tick', async () => {
      if (!pg()) return;
      const db = t.database.db;
      const made = await post({ name: 'weekly, missed', report: 'national', cron: '30 4 * * 1', timezone: 'Europe/London' });
      const id = made.body.id;
      // eight weeks without an instance
      await db.knex.raw(`update report_schedules set created_at = now() - interval '100 days', last_due_at = now() - interval '60 days' where id = ?`, [id]);
      const latest = latestOccurrence('30 4 * * 1', 'Europe/London', new Date())!;
      const third = await openDatabase({ databaseUrl: t.database.url!, dataDir: '', poolMax: 5 });
      try {
        const started = await instance(third);
        await started.close();
      } finally {
        await third.close();
      }
      const runs = await runsOf(db, id);
      expect(runs.map((r) => r.due_at)).toEqual([latest]);
      const schedule = (await http(url(`/${id}`), { key: admin })).body;
      expect(schedule.last_due_at).toBe(latest.toISOString());
      await http(url(`/${id}`), { method: 'DELETE', key: admin });
    });
  });
});
