import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lockPath } from '../../metrics/platform/data-dir-lock';
import { http } from '../support/http';
import { runCli, startService, type ServiceProcess } from '../support/service-process';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { serverUrl } from '../support/test-env';

const lastKey = (stdout: string) => stdout.trim().split('\n').at(-1)!;
const FIXTURES = join(__dirname, '..', 'fixtures', 'frameworks');

/**
 * The service as a newcomer runs it (node dist/api/main.js, on the embedded database in a data folder), and the keys
 * CLI against that folder, with the service running and stopped. These run in every test run: they need no server.
 */
describe('the service process on the embedded database', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'svm-process-'));
  const env = { DATA_DIR: dataDir };
  let service: ServiceProcess | undefined;
  afterAll(async () => {
    if (service?.child.exitCode === null) await service.stop('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  let submitterKey: string;

  it('starts on an empty data folder, migrated and seeded, and answers health', async () => {
    service = await startService(env);
    const health = await http(`${service.url}/health`);
    expect(health.status).toBe(200);
    expect(health.body.database.driver).toBe('embedded');
    const england = await http(`${service.url}/api/v1/authorities?nation=England&limit=1`);
    expect(england.body.page.total).toBe(332);
    // a modest demo dataset, loaded through the import path and labelled demo
    const demo = await http(`${service.url}/api/v1/contracts?demo=true&limit=1`);
    expect(demo.body.page.total).toBeGreaterThan(300);
    expect(demo.body.data[0].reference).toMatch(/^DEMO-/);
    expect((await http(`${service.url}/api/v1/contracts?demo=false&limit=1`)).body.page.total).toBe(0);
    expect(existsSync(lockPath(dataDir))).toBe(true);
    // logs are JSON lines, and the one that gives the URL says which database it runs on
    const lines = service.output().trim().split('\n');
    const parsed = lines.map((line) => JSON.parse(line));
    expect(parsed.find((l) => l.url)).toMatchObject({ context: 'Main', database: 'embedded' });
  });

  let firstContracts = 0;
  it('counts what the first start loaded', async () => {
    firstContracts = (await http(`${service!.url}/api/v1/contracts?limit=1`)).body.page.total;
    expect(firstContracts).toBeGreaterThan(0);
  });

  it('creates keys from the CLI while the service holds the data folder', async () => {
    const result = await runCli(['keys', 'create', '--role', 'submitter', '--authority', 'E08000009', '--label', 'Trafford'], env);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Created submitter key');
    submitterKey = lastKey(result.stdout);
    expect(submitterKey).toMatch(/^svm_[a-z0-9]{8}_/);
    const bad = await runCli(['keys', 'create', '--role', 'submitter', '--authority', 'NOPE'], env);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('unknown authority code(s): NOPE');
  });

  it('loads a licensed framework from the CLI while the service runs, and it is served at once', async () => {
    const result = await runCli(['frameworks', 'load', join(FIXTURES, 'fictional-licensed-framework.json')], env);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('Loaded example-licensed version 2025 (3 measures');
    const again = await runCli(['frameworks', 'load', join(FIXTURES, 'fictional-licensed-framework.json')], env);
    expect(again.stdout).toContain('Already loaded, unchanged');
    const served = await http(`${service!.url}/api/v1/frameworks/example-licensed`);
    expect(served.body.themes).toHaveLength(2);
  });

  it('imports an OCDS folder from the CLI while the service runs, a batch per file', async () => {
    const folder = join(__dirname, '..', 'fixtures', 'ocds', 'samples', 'uk-contracts-finder-2017', 'records');
    const result = await runCli(['ocds', 'import', folder], env);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('11 file(s)');
    expect(result.stdout.match(/committed, 1 releases: 1 imported/g)).toHaveLength(11);
    const darlington = await http(`${service!.url}/api/v1/contracts/ocds-b5fd17-2c435b84-adc8-11e6-9901-0019b9f3037b`);
    expect(darlington.body).toMatchObject({ authority_code: 'E06000005', title: expect.any(String) });
    const again = await runCli(['ocds', 'import', folder], env);
    expect(again.stdout.match(/0 imported, 1 already held/g)).toHaveLength(11);
    const missing = await runCli(['ocds', 'import', join(folder, 'nope.json')], env);
    expect([missing.status, missing.stderr]).toEqual([1, expect.stringContaining('No file or folder')]);
  });

  it('accepts a write with that key and refuses one for another authority', async () => {
    const ok = await http(`${service!.url}/api/v1/authorities/E08000009/names`, { key: submitterKey, json: { name: 'Trafford Metropolitan' } });
    expect(ok.status).toBe(201);
    const other = await http(`${service!.url}/api/v1/authorities/E08000003/names`, { key: submitterKey, json: { name: 'Manc' } });
    expect(other.status).toBe(403);
  });

  it('refuses a second service on the same data folder, naming the holder', async () => {
    const second = startService(env, 30_000);
    await expect(second).rejects.toMatchObject({ code: 1 });
    await second.catch((err: { output: string }) => {
      expect(err.output).toMatch(/open in another process \(pid \d+, service/);
    });
  });

  it('lets an in-flight request finish on SIGTERM, then closes the database and its lock', async () => {
    const body = JSON.stringify({ name: 'Trafford Borough' });
    const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(
        `${service!.url}/api/v1/authorities/E08000009/names`,
        {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            authorization: `Bearer ${submitterKey}`,
          },
        },
        (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode!, text }));
        },
      );
      req.on('error', reject);
      req.write(body.slice(0, 5)); // the request is now in flight
      setTimeout(() => {
        void exit;
        req.end(body.slice(5));
      }, 500);
    });
    await new Promise((r) => setTimeout(r, 100));
    const exit = service!.stop('SIGTERM');
    const res = await response;
    expect(res.status).toBe(201);
    expect(await exit).toBe(0);
    expect(service!.output()).toContain('database closed');
    expect(existsSync(lockPath(dataDir))).toBe(false);
  });

  it('loads a CSV framework from the CLI while the service is stopped, naming bad rows', async () => {
    const args = ['--code', 'example-csv', '--framework-version', '1', '--name', 'Example', '--licence', 'Fictional', '--source', 'Tests', '--base-price-year', '2025'];
    const ok = await runCli(['frameworks', 'load', join(FIXTURES, 'fictional-licensed-framework.csv'), ...args], env);
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toContain('Loaded example-csv version 1 (3 measures');
    const missing = await runCli(['frameworks', 'load', join(FIXTURES, 'fictional-licensed-framework.csv')], env);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/code is required/);
    const list = await runCli(['frameworks', 'list'], env);
    expect(list.stdout).toContain('svm-open@2026.1 (default)  20 measures');
  });

  it('creates and lists keys from the CLI while the service is stopped', async () => {
    const created = await runCli(['keys', 'create', '--role', 'admin', '--json'], env);
    expect(created.status).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ role: 'admin', authorities: [] });
    const list = await runCli(['keys', 'list'], env);
    expect(list.status).toBe(0);
    expect(list.stdout.trim().split('\n')).toHaveLength(2);
    expect(list.stdout).toContain('submitter for E08000009  "Trafford"');
    expect(existsSync(lockPath(dataDir))).toBe(false);
  });

  it('restarts on the same folder with the data kept and nothing duplicated', async () => {
    service = await startService(env);
    const all = await http(`${service.url}/api/v1/authorities?limit=1`);
    expect(all.body.page.total).toBe(397 + 44 + 2); // and the two buyers the OCDS import created (Met Office, Spend Network)
    expect((await http(`${service.url}/api/v1/contracts?limit=1`)).body.page.total).toBe(firstContracts + 11); // no second demo
    const trafford = await http(`${service.url}/api/v1/authorities/E08000009`);
    const userNames = trafford.body.alternative_names.filter((n: { source: string }) => n.source === 'user');
    expect(userNames.map((n: { name: string }) => n.name).sort()).toEqual(['Trafford Borough', 'Trafford Metropolitan']);
    const write = await http(`${service.url}/api/v1/authorities/E08000009/names`, { key: submitterKey, json: { name: 'TMBC' } });
    expect(write.status).toBe(201);
    const list = await runCli(['keys', 'list', '--json'], env);
    expect(JSON.parse(list.stdout)).toHaveLength(2);
    const down = await runCli(['migrate', 'down'], env);
    expect(down.status).toBe(1);
    expect(down.stderr).toMatch(/in use by service/);
    expect(await service.stop('SIGINT')).toBe(0);
  });

  it('keeps nothing of an import cut off by a crash, and marks its batch failed at the next start', async () => {
    service = await startService(env);
    const key = lastKey((await runCli(['keys', 'create', '--role', 'admin'], env)).stdout);
    const before = (await http(`${service.url}/api/v1/contracts?limit=1`)).body.page.total;
    const req = request(`${service.url}/api/v1/imports/contracts`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv', authorization: `Bearer ${key}`, 'transfer-encoding': 'chunked' },
    });
    req.on('error', () => undefined); // the server dies under it
    req.write('reference,authority,title\n');
    req.write('CRASH-1,E08000009,Never committed\n'.repeat(20_000));
    // wait until the batch runs, its rows going into an open transaction, then kill the service
    for (let i = 0; i < 100; i += 1) {
      const running = await http(`${service.url}/api/v1/imports?status=running`, { key });
      if (running.body.data?.length > 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await service.stop('SIGKILL')).toBeNull();
    service = await startService(env);
    const failed = await http(`${service.url}/api/v1/imports?status=failed&kind=contracts`, { key });
    expect(failed.body.data[0]).toMatchObject({ status: 'failed', error: expect.stringMatching(/interrupted/) });
    expect((await http(`${service.url}/api/v1/contracts?limit=1`)).body.page.total).toBe(before);
    expect((await http(`${service.url}/api/v1/contracts/CRASH-1`)).status).toBe(404);
    expect(await service.stop()).toBe(0);
  });

  it('starts without demo data when DEMO_DATA=false', async () => {
    const bare = mkdtempSync(join(tmpdir(), 'svm-process-bare-'));
    const plain = await startService({ DATA_DIR: bare, DEMO_DATA: 'false' });
    expect((await http(`${plain.url}/api/v1/contracts?limit=1`)).body.page.total).toBe(0);
    expect(await plain.stop()).toBe(0);
    rmSync(bare, { recursive: true, force: true });
  });

  it('refuses to start on a bad configuration, naming the variable', async () => {
    const started = startService({ ...env, PORT: 'abc' }, 30_000);
    await expect(started).rejects.toMatchObject({ code: 78 });
    await started.catch((err: { output: string }) => expect(err.output).toContain('PORT="abc" must be a whole number'));
  });
});

/** With a PostgreSQL server configured for the run, the same commands against it (several processes may connect). */
(serverUrl ? describe : describe.skip)('the service process on PostgreSQL (runs when TEST_DATABASE_URL or DATABASE_URL is set)', () => {
  let t: TestDatabase;
  let service: ServiceProcess | undefined;
  beforeAll(async () => {
    t = await createTestDatabase({ empty: true });
  });
  afterAll(async () => {
    if (service?.child.exitCode === null) await service.stop('SIGKILL');
    await t.dispose();
  });

  it('migrates and seeds an empty database, serves it, and takes keys from the CLI alongside', async () => {
    const env = { DATABASE_URL: t.url! };
    service = await startService(env);
    expect((await http(`${service.url}/health`)).body.database.driver).toBe('postgres');
    expect((await http(`${service.url}/api/v1/authorities?nation=England&limit=1`)).body.page.total).toBe(332);
    const created = await runCli(['keys', 'create', '--role', 'submitter', '--authority', 'E08000009'], env);
    expect(created.status).toBe(0);
    const write = await http(`${service.url}/api/v1/authorities/E08000009/names`, {
      key: lastKey(created.stdout),
      json: { name: 'Trafford Metropolitan' },
    });
    expect(write.status).toBe(201);
    expect(await service.stop()).toBe(0);
  });
});
