import { AuthoritiesRepository } from '../../metrics/reference/authorities/authorities.repository';
import { ApiKeysRepository } from '../../api/auth/api-keys.repository';
import { ApiKeysService } from '../../api/auth/api-keys.service';
import { http } from '../support/http';
import { startTestApp, type TestApp } from '../support/test-app';

describe('API keys, roles and the error shape', () => {
  let t: TestApp;
  let keys: ApiKeysService;
  let admin: string;
  let trafford: string;
  let analyst: string;

  beforeAll(async () => {
    t = await startTestApp({ BODY_LIMIT: '2kb' });
    const knex = t.database.db.knex;
    keys = new ApiKeysService(new ApiKeysRepository(knex), new AuthoritiesRepository(knex));
    admin = (await keys.create({ role: 'admin' })).key;
    trafford = (await keys.create({ role: 'submitter', authorities: ['E08000009'] })).key;
    analyst = (await keys.create({ role: 'analyst' })).key;
  });
  afterAll(() => t.close());

  const addName = (code: string, name: string, key?: string) =>
    http(`${t.url}/api/v1/authorities/${code}/names`, { json: { name }, key });

  it('refuses a write with no key: 401 missing_api_key', async () => {
    const res = await addName('E08000009', 'Trafford MBC');
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('missing_api_key');
    expect(res.body.error.message).toMatch(/Authorization: Bearer/);
  });

  it('refuses an unknown, malformed or revoked key: 401 invalid_api_key', async () => {
    const fake = `svm_00000000_${'A'.repeat(43)}`;
    expect((await addName('E08000009', 'x y', fake)).body.error.code).toBe('invalid_api_key');
    const basic = await http(`${t.url}/api/v1/authorities`, { headers: { authorization: 'Basic abc' } });
    expect(basic.status).toBe(401);
    expect(basic.body.error.message).toMatch(/Bearer/);
    const doomed = await keys.create({ role: 'submitter', authorities: ['E08000009'] });
    await keys.revoke(doomed.prefix);
    const revoked = await addName('E08000009', 'Revoked Name', doomed.key);
    expect(revoked.status).toBe(401);
    expect(revoked.body.error.code).toBe('invalid_api_key');
  });

  it("refuses a submitter writing for another authority: 403 authority_not_allowed", async () => {
    const res = await addName('E08000003', 'Manchester CC', trafford);
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({
      code: 'authority_not_allowed',
      details: { authority: 'E08000003', allowed: ['E08000009'] },
    });
  });

  it('refuses a key whose role may not write: 403 role_not_allowed', async () => {
    const res = await addName('E08000009', 'Trafford Borough', analyst);
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('role_not_allowed');
    const keysList = await http(`${t.url}/api/v1/keys`, { key: trafford });
    expect(keysList.status).toBe(403);
  });

  it('accepts the write with the right key, and the name then matches', async () => {
    const res = await addName('E08000009', 'Trafford Metropolitan', trafford);
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ code: 'E08000009', name: 'Trafford Metropolitan', name_normalised: 'trafford metropolitan', source: 'user' });
    const found = await http(`${t.url}/api/v1/authorities?q=trafford%20metropolitan`);
    expect(found.body.data.map((a: any) => a.code)).toEqual(['E08000009']);
    const again = await addName('E08000009', 'TRAFFORD  M.B.C.', admin);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('conflict');
  });

  it('lets an admin write for any authority and manage keys over HTTP', async () => {
    expect((await addName('E08000003', 'Manchester City', admin)).status).toBe(201);
    const created = await http(`${t.url}/api/v1/keys`, {
      key: admin,
      json: { role: 'submitter', authorities: ['E08000003'], label: 'Manchester' },
    });
    expect(created.status).toBe(201);
    expect(created.body.key).toMatch(/^svm_[a-z0-9]{8}_[A-Za-z0-9_-]{43}$/);
    expect(created.body).toMatchObject({ role: 'submitter', authorities: ['E08000003'], label: 'Manchester' });
    const list = await http(`${t.url}/api/v1/keys`, { key: admin });
    expect(list.body.length).toBeGreaterThanOrEqual(4);
    expect(JSON.stringify(list.body)).not.toContain(created.body.key);
    expect(JSON.stringify(list.body)).not.toMatch(/key_hash/);
    const bad = await http(`${t.url}/api/v1/keys`, { key: admin, json: { role: 'submitter', authorities: ['NOPE1'] } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toMatchObject({ field: 'authorities', unknown: ['NOPE1'] });
    const revoked = await http(`${t.url}/api/v1/keys/${created.body.prefix}`, { method: 'DELETE', key: admin });
    expect(revoked.status).toBe(200);
    expect(revoked.body.revoked_at).not.toBeNull();
    expect((await http(`${t.url}/api/v1/keys/${created.body.prefix}`, { method: 'DELETE', key: admin })).status).toBe(409);
  });

  it('stops a key revoked over HTTP at once, though it was verified moments before', async () => {
    const created = await http(`${t.url}/api/v1/keys`, { key: admin, json: { role: 'submitter', authorities: ['E08000009'] } });
    const key = created.body.key;
    expect((await addName('E08000009', 'Trafford Met', key)).status).toBe(201);
    expect((await http(`${t.url}/api/v1/keys/${created.body.id}`, { method: 'DELETE', key: admin })).status).toBe(200);
    const after = await addName('E08000009', 'Trafford Metro', key);
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('invalid_api_key');
  });

  it('stores only a hash of each key', async () => {
    const rows = await t.database.db.knex('api_keys').select('*');
    const stored = JSON.stringify(rows);
    for (const key of [admin, trafford, analyst]) expect(stored).not.toContain(key.slice(13));
  });

  it('answers unknown routes, malformed JSON, bad bodies and oversize bodies in the one error shape', async () => {
    const unknown = await http(`${t.url}/api/v1/nothing-here`);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ error: { code: 'route_not_found', message: 'No route GET /api/v1/nothing-here' } });

    const malformed = await http(`${t.url}/api/v1/authorities/E08000009/names`, {
      key: trafford,
      body: '{"name": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('malformed_json');

    const invalid = await http(`${t.url}/api/v1/authorities/E08000009/names`, { key: trafford, json: { name: 7, x: 1 } });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.details.map((d: any) => d.field)).toEqual(expect.arrayContaining(['name', 'x']));

    const huge = await addName('E08000009', 'x'.repeat(3000), trafford);
    expect(huge.status).toBe(413);
    expect(huge.body.error).toMatchObject({ code: 'payload_too_large', details: { limit: 2048 } });

    const nul = await http(`${t.url}/api/v1/authorities/%00`);
    expect(nul.status).toBe(400);
    expect(nul.body.error.details.reason).toMatch(/0x00/);
    expect(JSON.stringify(nul.body)).not.toMatch(/select/i); // PostgreSQL's words, not the SQL

    const badPath = await http(`${t.url}/api/v1/authorities/%E0%A4%A`);
    expect(badPath.status).toBe(400);
    expect(badPath.body.error.code).toBe('invalid_parameter');
  });
});
