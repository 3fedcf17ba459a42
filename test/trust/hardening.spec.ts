import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { http } from '../support/http';
import { createKey } from '../support/keys';
import { startService } from '../support/service-process';
import { startTestApp, type TestApp } from '../support/test-app';

/** Sends raw bytes and returns what the server answered before closing (for requests fetch refuses to send). */
function raw(url: string, request: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.end(request));
    let answer = '';
    socket.on('data', (d) => (answer += d.toString()));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

const errorBody = (answer: string) => JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));

describe('hardening: keys before bodies, limits, headers, CORS, rate limits', () => {
  let t: TestApp;
  let admin: string;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await createKey(t.database.db, 'admin');
  });
  afterAll(() => t?.close());

  it('answers 401 to an unauthenticated 19 MB body before reading it, 413 to a keyed one over its route limit', async () => {
    const big = JSON.stringify([{ x: 'y'.repeat(19 * 1024 * 1024) }]);
    const anonymous = await http(`${t.url}/api/v1/imports/outcomes`, { body: big, headers: { 'content-type': 'application/json' } });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.code).toBe('missing_api_key');
    const keyed = await http(`${t.url}/api/v1/imports/outcomes`, { key: admin, body: big, headers: { 'content-type': 'application/json' } });
    expect(keyed.status).toBe(413);
    expect(keyed.body.error).toMatchObject({ code: 'payload_too_large', details: { limit: 10 * 1024 * 1024 } });
    // a setting takes a small body (1 MB), whatever BODY_LIMIT allows an upload
    const group = await http(`${t.url}/api/v1/peer-groups/big`, { method: 'PUT', key: admin, json: { members: ['E08000009'], description: 'n'.repeat(2 * 1024 * 1024) } });
    expect(group.status).toBe(413);
    expect(group.body.error.details.limit).toBe(1024 * 1024);
  });

  it('answers an oversized request line and malformed HTTP in the JSON error shape', async () => {
    const long = await raw(t.url, `GET /api/v1/measures/summary?authority=${'E08000009,'.repeat(10_000)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(long).toMatch(/^HTTP\/1\.1 431 /);
    expect(errorBody(long).error.code).toBe('headers_too_large');
    const garbage = await raw(t.url, 'NOT HTTP AT ALL\r\n\r\n');
    expect(garbage).toMatch(/^HTTP\/1\.1 400 /);
    expect(errorBody(garbage).error.code).toBe('malformed_request');
  });

  it('sends security headers, and no CORS headers unless CORS_ORIGINS names the origin', async () => {
    const r = await fetch(`${t.url}/api/v1/sectors`, { headers: { origin: 'https://evil.example' } });
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(r.headers.get('strict-transport-security')).toContain('max-age=');
    expect(r.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(r.headers.get('x-powered-by')).toBeNull();
    expect(r.headers.get('access-control-allow-origin')).toBeNull();

    const cors = await startTestApp({ CORS_ORIGINS: 'https://dashboards.example.gov.uk' });
    try {
      const allowed = await fetch(`${cors.url}/api/v1/sectors`, { headers: { origin: 'https://dashboards.example.gov.uk' } });
      expect(allowed.headers.get('access-control-allow-origin')).toBe('https://dashboards.example.gov.uk');
      const other = await fetch(`${cors.url}/api/v1/sectors`, { headers: { origin: 'https://evil.example' } });
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
    } finally {
      await cors.close();
    }
  });

  it('limits writes and expensive reads per caller, with 429 and Retry-After; cheap reads are not limited', async () => {
    const limited = await startTestApp({ RATE_LIMIT_WRITES: '2/min', RATE_LIMIT_READS: '2/min' });
    try {
      const key = await createKey(limited.database.db, 'admin');
      const other = await createKey(limited.database.db, 'admin');
      const put = (k: string) => http(`${limited.url}/api/v1/peer-groups/rl`, { method: 'PUT', key: k, json: { members: ['E08000009'] } });
      expect([(await put(key)).status, (await put(key)).status]).toEqual([201, 200]);
      const third = await put(key);
      expect(third.status).toBe(429);
      expect(third.body.error).toMatchObject({ code: 'rate_limited', details: { limit: 2, window_s: 60 } });
      expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await put(other)).status).toBe(200); // per key
      const exportCsv = () => http(`${limited.url}/api/v1/exports/contracts.csv`);
      expect([(await exportCsv()).status, (await exportCsv()).status, (await exportCsv()).status]).toEqual([200, 200, 429]);
      for (let i = 0; i < 5; i++) expect((await http(`${limited.url}/api/v1/sectors`)).status).toBe(200);
    } finally {
      await limited.close();
    }
  });

  it('records when a key was last used', async () => {
    const analyst = await createKey(t.database.db, 'analyst');
    await http(`${t.url}/api/v1/imports`, { key: analyst });
    const row = await t.database.db.knex('api_keys').where({ role: 'analyst' }).orderBy('id', 'desc').first('last_used_at');
    expect(row.last_used_at).not.toBeNull();
  });
});

describe('keys are never logged', () => {
  it('logs neither a valid nor an invalid key sent to the service', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'svm-keys-log-'));
    const service = await startService({ DATA_DIR: dataDir, DEMO_DATA: 'false', LOG_LEVEL: 'debug' });
    try {
      const invalid = 'svm_abcdefgh_' + 'A'.repeat(43);
      expect((await http(`${service.url}/api/v1/imports`, { key: invalid })).status).toBe(401);
      expect((await http(`${service.url}/api/v1/sectors`, { key: 'not-even-a-key' })).status).toBe(401);
      await new Promise((r) => setTimeout(r, 200));
      expect(service.output()).toContain('/api/v1/imports');
      expect(service.output()).not.toContain(invalid.slice(13));
      expect(service.output()).not.toContain('not-even-a-key');
    } finally {
      await service.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
