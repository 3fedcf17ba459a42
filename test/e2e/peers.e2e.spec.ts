import { INDICATORS_SOURCE, type IndicatorsSource } from '../../metrics/read/benchmarks/indicators-source';
import { http } from '../support/http';
import { createKey } from '../support/keys';
import { startTestApp, type TestApp } from '../support/test-app';

const UPPER_TIER = ['Metropolitan district', 'Unitary authority', 'London borough', 'County', 'City corporation', 'Scottish unitary authority', 'Welsh unitary authority'];

describe('peer groups and benchmarks over HTTP', () => {
  let t: TestApp;
  let admin: string;
  let submitter: string;
  beforeAll(async () => {
    t = await startTestApp();
    admin = await createKey(t.database.db, 'admin');
    submitter = await createKey(t.database.db, 'submitter', ['E08000009']);
  });
  afterAll(() => t.close());

  const peers = (code: string, query = '') => http(`${t.url}/api/v1/authorities/${code}/peers${query}`);

  describe('nearest neighbours', () => {
    it('finds upper-tier councils of similar size for a metropolitan district, with method and features', async () => {
      const res = await peers('E08000009', '?method=nearest&k=15'); // Trafford, 237,579 people
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        authority: { code: 'E08000009', tier: 'upper', features: { population: 237579, deprivation: 4, rurality: 1 } },
        method: 'nearest',
        k: 15,
        count: 15,
        candidates: { tier: 'upper', scope: 'uk', count: 207 },
      });
      expect(res.body.features.map((f: any) => [f.name, f.transform, f.used])).toEqual([
        ['population', 'log', true],
        ['density', 'log', true],
        ['deprivation', 'none', true],
        ['rurality', 'none', true],
      ]);
      const list = res.body.peers;
      expect(list).toHaveLength(15);
      expect(list.map((p: any) => p.code)).not.toContain('E08000009');
      for (const p of list) {
        expect(UPPER_TIER).toContain(p.subtype);
        expect(p.subtype).not.toBe('County');
        expect(p.features.population).toBeGreaterThan(237579 / 2);
        expect(p.features.population).toBeLessThan(237579 * 2);
        expect(p.distance_scaled).toBeGreaterThanOrEqual(0);
        expect(p.distance_scaled).toBeLessThanOrEqual(1);
        expect(p.features_shared).toBe(4);
      }
      const distances = list.map((p: any) => p.distance);
      expect([...distances].sort((a, b) => a - b)).toEqual(distances);
      // neighbours the method finds: Stockport and Solihull (suburban metropolitan districts of the same size)
      expect(list.map((p: any) => p.code)).toEqual(expect.arrayContaining(['E08000007', 'E08000029']));
    });

    it("puts Manchester next to Liverpool, and districts with districts", async () => {
      const manchester = await peers('E08000003', '?k=3');
      expect(manchester.body.peers[0].code).toBe('E08000012');
      const adur = await peers('E07000223', '?method=nearest');
      expect(adur.body.count).toBe(15);
      expect(adur.body.candidates).toMatchObject({ tier: 'district', count: 175 });
      expect(adur.body.peers.every((p: any) => ['Non-metropolitan district', 'NI district'].includes(p.subtype))).toBe(true);
    });

    it('honours k, features and scope', async () => {
      expect((await peers('E08000009', '?k=1')).body.peers).toHaveLength(1);
      expect((await peers('E08000009', '?k=100')).body.peers).toHaveLength(100);
      const withArea = await peers('E08000009', '?features=population,area&k=5');
      expect(withArea.body.features.map((f: any) => f.name)).toEqual(['population', 'area']);
      const scotland = await peers('S12000036', '?scope=nation&k=40'); // Edinburgh: 31 other Scottish councils
      expect(scotland.body.candidates).toMatchObject({ scope: 'nation', nation: 'Scotland', count: 32 });
      expect(scotland.body.peers).toHaveLength(31);
      expect(scotland.body.peers.every((p: any) => p.nation === 'Scotland')).toBe(true);
    });

    it('refuses bad parameters with 400 naming them, unknown authorities with 404, non-councils with 422', async () => {
      for (const [query, field] of [
        ['?k=0', 'k'],
        ['?k=101', 'k'],
        ['?k=abc', 'k'],
        ['?k=2.5', 'k'],
        ['?method=magic', 'method'],
        ['?features=population,shoe_size', 'features'],
        ['?scheme=stars&method=cluster', 'scheme'],
        ['?scope=world', 'scope'],
        ['?colour=red', 'colour'],
      ]) {
        const res = await peers('E08000009', query);
        expect(res.status).toBe(400);
        expect(res.body.error.code).toBe('invalid_parameter');
        expect(res.body.error.details.map((d: any) => d.field)).toContain(field);
      }
      const unknown = await peers('E99999999');
      expect(unknown.status).toBe(404);
      expect(unknown.body.error.code).toBe('not_found');
      const dwp = await peers('GB-GOR-D10', '?method=nearest');
      expect(dwp.status).toBe(422);
      expect((await peers('E08000009', '?method=group')).status).toBe(400); // group= missing
    });
  });

  describe('other methods', () => {
    it('same subtype, same region (same tier), accepting any case of the code', async () => {
      const subtype = await peers('e08000009', '?method=same_subtype');
      expect(subtype.status).toBe(200);
      expect(subtype.body.count).toBe(35); // the other metropolitan districts
      expect(subtype.body.peers.every((p: any) => p.subtype === 'Metropolitan district')).toBe(true);
      const region = await peers('E08000009', '?method=same_region');
      expect(region.body.peers.every((p: any) => p.region === 'North West' && UPPER_TIER.includes(p.subtype))).toBe(true);
      expect(region.body.peers.map((p: any) => p.code)).toEqual(expect.arrayContaining(['E08000003', 'E10000017'])); // Manchester, Lancashire
      const departments = await peers('GB-GOR-D10', '?method=same_subtype');
      expect(departments.body.peers.every((p: any) => p.kind === 'central_department')).toBe(true);
      expect((await peers('GB-GOR-D10', '?method=same_region')).status).toBe(422); // no region
    });

    it('mySociety clusters: composite by default, or one scheme', async () => {
      const composite = await peers('E08000009', '?method=cluster');
      expect(composite.status).toBe(200);
      expect(composite.body.cluster).toMatchObject({ scheme: 'composite', label: expect.stringContaining('North West') });
      expect(composite.body.cluster.description).toEqual(expect.stringContaining('urban'));
      const imd = await peers('E08000009', '?method=cluster&scheme=imd');
      expect(imd.body.cluster.label).toBe('4th IMD quintile');
      expect(imd.body.count).toBe(81); // 82 councils in the 4th quintile
      const noCluster = await peers('GB-GOR-D10', '?method=cluster');
      expect(noCluster.status).toBe(422);
    });
  });

  describe('user-defined groups', () => {
    const group = (name: string, options: Parameters<typeof http>[1] = {}) => http(`${t.url}/api/v1/peer-groups/${name}`, options);
    const body = { description: 'Greater Manchester', members: ['E08000001', 'e08000002', 'E08000003', 'E08000009'] };

    it('needs an admin key to write: 401 without, 403 with a submitter key', async () => {
      expect((await group('gm', { method: 'PUT', json: body })).status).toBe(401);
      const forbidden = await group('gm', { method: 'PUT', json: body, key: submitter });
      expect(forbidden.status).toBe(403);
      expect((await group('gm', { method: 'DELETE', key: submitter })).status).toBe(403);
    });

    it('creates, replaces, reads, uses and deletes a group', async () => {
      const created = await group('gm', { method: 'PUT', json: body, key: admin });
      expect(created.status).toBe(201);
      expect(created.body.members.map((m: any) => m.code)).toEqual(['E08000001', 'E08000002', 'E08000003', 'E08000009']);
      const replaced = await group('gm', { method: 'PUT', json: { ...body, members: [...body.members, 'E08000007'] }, key: admin });
      expect(replaced.status).toBe(200);
      expect(replaced.body.members).toHaveLength(5);
      expect((await group('gm')).body).toMatchObject({ name: 'gm', description: 'Greater Manchester' });
      const list = await http(`${t.url}/api/v1/peer-groups`);
      expect(list.body.data).toEqual([expect.objectContaining({ name: 'gm', member_count: 5 })]);

      const asPeers = await peers('E08000009', '?method=group&group=gm');
      expect(asPeers.body).toMatchObject({ method: 'group', group: { name: 'gm' }, count: 4 });
      expect(asPeers.body.peers.map((p: any) => p.code)).not.toContain('E08000009');
      expect((await peers('E08000009', '?method=group&group=nope')).status).toBe(404);

      expect((await group('gm', { method: 'DELETE', key: admin })).status).toBe(204);
      expect((await group('gm')).status).toBe(404);
      expect((await group('gm', { method: 'DELETE', key: admin })).status).toBe(404);
    });

    it('refuses unknown members (422), bad names and bodies (400)', async () => {
      const unknown = await group('gm', { method: 'PUT', json: { members: ['E08000009', 'X123'] }, key: admin });
      expect(unknown.status).toBe(422);
      expect(unknown.body.error.details).toEqual({ unknown_members: ['X123'] });
      expect((await group('Bad%20Name', { method: 'PUT', json: body, key: admin })).status).toBe(400);
      expect((await group('gm', { method: 'PUT', json: { members: 'E08000009' }, key: admin })).status).toBe(400);
    });
  });

  describe('benchmarks', () => {
    it('benchmarks each indicator against the peers: median, quartiles, percentile rank, gap, n', async () => {
      const source = t.app.get<IndicatorsSource>(INDICATORS_SOURCE);
      const peerSet = (await peers('E08000009', '?k=4')).body.peers.map((p: any) => p.code);
      // the authority 0.4; its four peers 0.1, 0.2, 0.4, 0.7 and one without a value for the second indicator:
      // median 0.3 (halfway between 0.2 and 0.4), quartiles 0.175 and 0.475, rank 100 x (2 + 0.5) / 4 = 62.5, gap 0.1
      const values = [0.1, 0.2, 0.4, 0.7];
      const spy = jest.spyOn(source, 'byAuthority').mockImplementation(async (filter) => {
        expect(filter).toMatchObject({ from: '2025-Q1', to: '2025-Q4' });
        expect(filter.authorityIds).toHaveLength(5);
        return new Map<string, Record<string, number | null>>([
          ['E08000009', { sv_share: 0.4, sme_share: null }],
          ...peerSet.map((code: string, i: number): [string, Record<string, number | null>] => [code, { sv_share: values[i], sme_share: i === 0 ? null : 0.5 }]),
        ]);
      });
      try {
        const res = await http(`${t.url}/api/v1/benchmarks/E08000009?peers=nearest&k=4&from=2025-Q1&to=2025-Q4`);
        expect(res.status).toBe(200);
        expect(res.body.period).toEqual({ from: '2025-Q1', to: '2025-Q4' });
        expect(res.body.peer_group).toMatchObject({ method: 'nearest', k: 4, count: 4 });
        expect(res.body.peer_group.members.map((m: any) => m.code)).toEqual(peerSet);
        expect(res.body.indicators).toEqual([
          { indicator: 'sv_share', value: 0.4, peer_median: 0.3, peer_lower_quartile: 0.175, peer_upper_quartile: 0.475, percentile_rank: 62.5, gap_to_median: 0.1, n_peers: 4 },
          { indicator: 'sme_share', value: null, peer_median: 0.5, peer_lower_quartile: 0.5, peer_upper_quartile: 0.5, percentile_rank: null, gap_to_median: null, n_peers: 3 },
        ]);
        expect(res.body.definitions.percentile_rank).toContain('half');
      } finally {
        spy.mockRestore();
      }
    });

    it('takes any peer method, and refuses bad periods and unknown authorities', async () => {
      const bySubtype = await http(`${t.url}/api/v1/benchmarks/E08000009?peers=same_subtype`);
      expect(bySubtype.status).toBe(200);
      expect(bySubtype.body.peer_group).toMatchObject({ method: 'same_subtype', count: 35 });
      const byCluster = await http(`${t.url}/api/v1/benchmarks/E08000009?peers=cluster&scheme=ruc`);
      expect(byCluster.body.peer_group.cluster).toMatchObject({ scheme: 'ruc', label: 'Urban' });
      const badFrom = await http(`${t.url}/api/v1/benchmarks/E08000009?from=2025-Q5`);
      expect(badFrom.status).toBe(400);
      expect(badFrom.body.error.details).toEqual([expect.objectContaining({ field: 'from', value: '2025-Q5' })]);
      // the period forms of the other endpoints: years, quarters, months, financial years
      expect((await http(`${t.url}/api/v1/benchmarks/E08000009?from=FY2024-25&to=2025`)).status).toBe(200);
      expect((await http(`${t.url}/api/v1/benchmarks/E08000009?from=2025-Q4&to=2025-Q1`)).status).toBe(400);
      expect((await http(`${t.url}/api/v1/benchmarks/E08000009?peers=nearest&k=0`)).status).toBe(400);
      expect((await http(`${t.url}/api/v1/benchmarks/E99999999`)).status).toBe(404);
    });

    it('benchmarks the real indicators of imported contracts', async () => {
      const [p1, p2, p3] = (await peers('E08000009', '?k=3')).body.peers.map((p: any) => p.code);
      // in-scope contracts awarded in 2025 with a social value weighting of at least 10%:
      // Trafford 2 of 4 = 0.5; peers 1 of 4 = 0.25, 4 of 4 = 1, 0 of 4 = 0
      // peers sorted 0, 0.25, 1: median 0.25, quartiles 0 + 0.5 x 0.25 = 0.125 and 0.25 + 0.5 x 0.75 = 0.625;
      // rank of 0.5: 2 below of 3 -> 66.67; gap 0.5 - 0.25 = 0.25
      const weighted: Array<[string, number]> = [
        ['E08000009', 2],
        [p1, 1],
        [p2, 4],
        [p3, 0],
      ];
      const header = 'reference,authority,title,supplier_name,cpv,value_gbp,award_date,start_date,end_date,stage,is_services,above_threshold,in_scope,sv_evaluated,sv_weighting_pct';
      const lines = weighted.flatMap(([code, n]) =>
        [0, 1, 2, 3].map((i) => `PEERS-${code}-${i},${code},Service ${i},Example Care Ltd,85312000-9,100000,2025-0${i + 2}-15,2025-06-01,2027-05-31,awarded,true,true,true,true,${i < n ? 10 : 5}`),
      );
      const imported = await http(`${t.url}/api/v1/imports/contracts`, { method: 'POST', key: admin, body: [header, ...lines].join('\n'), headers: { 'content-type': 'text/csv' } });
      expect(imported.status).toBe(201);

      const res = await http(`${t.url}/api/v1/benchmarks/E08000009?peers=nearest&k=3&from=2025-Q1&to=2025-Q4`);
      expect(res.status).toBe(200);
      const byName = new Map(res.body.indicators.map((i: any) => [i.indicator, i]));
      expect(byName.get('sv_weighted_10_share')).toEqual({
        indicator: 'sv_weighted_10_share',
        value: 0.5,
        peer_median: 0.25,
        peer_lower_quartile: 0.125,
        peer_upper_quartile: 0.625,
        percentile_rank: 66.67,
        gap_to_median: 0.25,
        n_peers: 3,
      });
      // outside the period: no contracts, no values
      const before = await http(`${t.url}/api/v1/benchmarks/E08000009?peers=nearest&k=3&to=2024-Q4`);
      expect(before.body.indicators.every((i: any) => i.value === null && i.n_peers === 0)).toBe(true);
    });
  });
});
