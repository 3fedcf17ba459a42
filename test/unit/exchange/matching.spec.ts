import {
  greedyMatches,
  MatchingGeography,
  MatchingPlan,
  OBJECTIVE,
  OpenNeed,
  OpenPledge,
  planMatches,
  priorityOf,
  Reach,
  relationOf,
} from '../../../metrics/ingest/exchange/matching';

/**
 * A small geography: A and B are neighbours, C is in their region (R1) but no neighbour, D is in R2, Z has no region.
 * Quintiles: A 1 (most deprived), B 5, C 3, D 2, Z unknown.
 */
const geo: MatchingGeography = {
  regionOf: new Map([
    ['A', 'R1'],
    ['B', 'R1'],
    ['C', 'R1'],
    ['D', 'R2'],
  ]),
  neighboursOf: new Map([
    ['A', ['B']],
    ['B', ['A']],
  ]),
  imdQuintile: new Map([
    ['A', 1],
    ['B', 5],
    ['C', 3],
    ['D', 2],
  ]),
};

const pledge = (id: number, places: string[], reach: Reach, remaining: number, kind = 'volunteer_hours', measureId = 1): OpenPledge => ({
  id,
  kind,
  measureId,
  remaining,
  places,
  reach,
});
const need = (id: number, authority: string, remaining: number, kind = 'volunteer_hours', measureId = 1, neededBy: string | null = null): OpenNeed => ({
  id,
  kind,
  measureId,
  remaining,
  authority,
  neededBy,
});
const pairs = (plan: MatchingPlan) => plan.proposals.map((p) => [p.pledgeId, p.needId, p.quantity, p.relation]);

describe('matching pledges to needs', () => {
  it('meets all the need where first come, first served strands a pledge', async () => {
    const pledges = [pledge(1, ['A'], 'neighbours', 10), pledge(2, ['A'], 'authority', 10)];
    const needs = [need(1, 'A', 10), need(2, 'B', 10)];

    const greedy = greedyMatches(pledges, needs, geo);
    expect(pairs(greedy)).toEqual([[1, 1, 10, 'same_authority']]);
    expect(greedy.met).toBe(10);

    const plan = await planMatches(pledges, needs, geo);
    expect(plan.proposals).toEqual([
      { pledgeId: 1, needId: 2, quantity: 10, relation: 'neighbour', imdQuintile: 5, measureId: 1, kind: 'volunteer_hours', priority: 12 },
      { pledgeId: 2, needId: 1, quantity: 10, relation: 'same_authority', imdQuintile: 1, measureId: 1, kind: 'volunteer_hours', priority: 53 },
    ]);
    expect(plan.met).toBe(20);
    expect(plan.asked).toBe(20);
    expect(plan.priority).toBe(10 * 12 + 10 * 53);
    expect(plan.byMeasure).toEqual([{ measureId: 1, kind: 'volunteer_hours', asked: 20, offered: 20, met: 20 }]);
    expect(OBJECTIVE).toMatch(/10 x \(6 - the IMD quintile/);
  });

  it('reads the relation of an authority to a pledge, and cuts it at the reach', () => {
    const at = (reach: Reach, authority: string, places = ['A']) => relationOf({ places, reach }, authority, geo);
    expect(['A', 'B', 'C', 'D', 'Z'].map((a) => at('national', a))).toEqual(['same_authority', 'neighbour', 'same_region', 'national', 'national']);
    expect(['A', 'B', 'C', 'D', 'Z'].map((a) => at('region', a))).toEqual(['same_authority', 'neighbour', 'same_region', null, null]);
    expect(['A', 'B', 'C', 'D', 'Z'].map((a) => at('neighbours', a))).toEqual(['same_authority', 'neighbour', null, null, null]);
    expect(['A', 'B', 'C', 'D', 'Z'].map((a) => at('authority', a))).toEqual(['same_authority', null, null, null, null]);
    // the nearest of several homes counts
    expect(at('national', 'B', ['D', 'B'])).toBe('same_authority');
    expect(at('region', 'C', ['D', 'B'])).toBe('same_region');
    expect(at('region', 'D', ['C'])).toBeNull();
    // an authority of no known region is in no one's region
    expect(at('region', 'Z', ['Z'])).toBe('same_authority');
    expect(at('region', 'A', ['Z'])).toBeNull();
  });

  it('weighs deprivation over nearness', () => {
    expect(priorityOf('same_authority', 1)).toBe(53);
    expect(priorityOf('national', 1)).toBe(50);
    expect(priorityOf('neighbour', 5)).toBe(12);
    expect(priorityOf('same_region', null)).toBe(31);
    expect(priorityOf('national', 2)).toBeGreaterThan(priorityOf('same_authority', 3));
  });

  it('matches within the reach only, and never across kinds or measures', async () => {
    const pledges = [
      pledge(1, ['A'], 'region', 5),
      pledge(2, ['A'], 'national', 5, 'cash', 7),
      pledge(3, ['B'], 'authority', 5),
    ];
    const needs = [
      need(1, 'D', 5), // beyond pledge 1's region, and pledge 3 is for B only
      need(2, 'C', 3), // pledge 1's region
      need(3, 'A', 5, 'cash', 8), // the right kind, another measure
      need(4, 'A', 5, 'equipment', 7), // the right measure, another kind
      need(5, 'D', 4, 'cash', 7), // across the country, within pledge 2's reach
      need(6, 'A', 2), // pledge 1's own authority, but pledge 3 may not reach it
    ];
    for (const plan of [await planMatches(pledges, needs, geo), greedyMatches(pledges, needs, geo)]) {
      expect(pairs(plan)).toEqual([
        [1, 2, 3, 'same_region'],
        [1, 6, 2, 'same_authority'],
        [2, 5, 4, 'national'],
      ]);
      expect(plan.met).toBe(9);
      expect(plan.asked).toBe(24);
      expect(plan.byMeasure).toEqual([
        { measureId: 1, kind: 'volunteer_hours', asked: 10, offered: 10, met: 5 },
        { measureId: 7, kind: 'cash', asked: 4, offered: 5, met: 4 },
        { measureId: 7, kind: 'equipment', asked: 5, offered: 0, met: 0 },
        { measureId: 8, kind: 'cash', asked: 5, offered: 0, met: 0 },
      ]);
    }
  });

  it('gives scarce supply to the most deprived place first, and between equals to the nearest', async () => {
    // one pledge from D, anywhere: both needs are far; A is in the most deprived fifth, B in the least
    const scarce = [pledge(1, ['D'], 'national', 5)];
    const twoNeeds = [need(1, 'B', 5), need(2, 'A', 5)];
    expect(pairs(greedyMatches(scarce, twoNeeds, geo))).toEqual([[1, 1, 5, 'national']]);
    const plan = await planMatches(scarce, twoNeeds, geo);
    expect(pairs(plan)).toEqual([[1, 2, 5, 'national']]);
    expect(plan.proposals[0].imdQuintile).toBe(1);

    // deprivation outweighs nearness: A (quintile 1, far) before C (quintile 3, the pledge's own)
    const fromC = [pledge(1, ['C'], 'national', 4)];
    expect(pairs(await planMatches(fromC, [need(1, 'C', 4), need(2, 'A', 4)], geo))).toEqual([[1, 2, 4, 'same_region']]);

    // all of quintile 3: the pledge's own authority, then a neighbour, then its region, then the rest
    const even: MatchingGeography = {
      regionOf: new Map([
        ['P', 'R'],
        ['N', 'R'],
        ['S', 'R'],
        ['F', 'Q'],
      ]),
      neighboursOf: new Map([['P', ['N']]]),
      imdQuintile: new Map(['P', 'N', 'S', 'F'].map((a) => [a, 3])),
    };
    const needs = [need(1, 'F', 2), need(2, 'S', 2), need(3, 'N', 2), need(4, 'P', 2)];
    const take = async (q: number) => pairs(await planMatches([pledge(9, ['P'], 'national', q)], needs, even));
    expect(await take(2)).toEqual([[9, 4, 2, 'same_authority']]);
    expect(await take(4)).toEqual([
      [9, 3, 2, 'neighbour'],
      [9, 4, 2, 'same_authority'],
    ]);
    expect(await take(6)).toEqual([
      [9, 2, 2, 'same_region'],
      [9, 3, 2, 'neighbour'],
      [9, 4, 2, 'same_authority'],
    ]);
  });

  it('fills a group of needs earliest needed first, and pledges in id order', async () => {
    const pledges = [pledge(5, ['A'], 'authority', 3), pledge(2, ['A'], 'authority', 3)];
    const needs = [need(1, 'A', 4, 'volunteer_hours', 1, null), need(2, 'A', 4, 'volunteer_hours', 1, '2026-03-01'), need(3, 'A', 4, 'volunteer_hours', 1, '2026-01-15')];
    const plan = await planMatches(pledges, needs, geo);
    expect(pairs(plan)).toEqual([
      [2, 3, 3, 'same_authority'],
      [5, 2, 2, 'same_authority'],
      [5, 3, 1, 'same_authority'],
    ]);
  });

  it('handles quantities in thousandths', async () => {
    const plan = await planMatches(
      [pledge(1, ['A'], 'neighbours', 2.5), pledge(2, ['A'], 'authority', 0.3)],
      [need(1, 'A', 0.1), need(2, 'A', 0.2), need(3, 'B', 1.25), need(4, 'B', 1.25), need(5, 'B', 0.001)],
      geo,
    );
    expect(pairs(plan)).toEqual([
      [1, 3, 1.25, 'neighbour'],
      [1, 4, 1.25, 'neighbour'],
      [2, 1, 0.1, 'same_authority'],
      [2, 2, 0.2, 'same_authority'],
    ]);
    expect(plan.met).toBe(2.8);
    expect(plan.asked).toBe(2.801);
  });

  it('is empty when nothing can be matched', async () => {
    const plan = await planMatches([], [need(1, 'A', 3)], geo);
    expect(plan).toMatchObject({ proposals: [], met: 0, asked: 3, priority: 0 });
    expect((await planMatches([pledge(1, ['A'], 'authority', 0)], [need(1, 'A', 3)], geo)).met).toBe(0);
  });
});

// ---------------------------------------------------------------------------------------------------------------------
// random instances, against an independent max flow and min-cost flow on the pledge x need graph

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Instance {
  geo: MatchingGeography;
  pledges: OpenPledge[];
  needs: OpenNeed[];
}

function randomInstance(seed: number, pledgeCount: number, needCount: number, authorities: number): Instance {
  const rnd = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
  const codes = Array.from({ length: authorities }, (_, i) => `L${String(i).padStart(3, '0')}`);
  const regionOf = new Map<string, string>();
  const neighboursOf = new Map<string, string[]>();
  const imdQuintile = new Map<string, number>();
  codes.forEach((code, i) => {
    if (rnd() < 0.95) regionOf.set(code, `R${Math.floor((i * 6) / authorities)}`);
    if (rnd() < 0.9) imdQuintile.set(code, 1 + Math.floor(rnd() * 5));
    // a chain within each region, and a few random neighbours (not always both ways)
    neighboursOf.set(code, [codes[(i + 1) % authorities], codes[(i + authorities - 1) % authorities], ...(rnd() < 0.3 ? [pick(codes)] : [])]);
  });
  const kinds = ['volunteer_hours', 'equipment'];
  const reaches: Reach[] = ['authority', 'neighbours', 'region', 'national'];
  // a third of the quantities in thousandths (hours and minutes, pounds and pence), the rest whole
  const amount = (scale = 1) => {
    const unit = rnd() < 0.3 ? 1000 : 1;
    return Math.round((0.5 + rnd() * 20) * scale * unit) / unit;
  };
  const pledges = Array.from({ length: pledgeCount }, (_, i) => {
    const places = [pick(codes), ...(rnd() < 0.2 ? [pick(codes), pick(codes)] : [])];
    return pledge(i + 1, places, pick(reaches), amount(1.5), pick(kinds), 1 + Math.floor(rnd() * 3));
  });
  const needs = Array.from({ length: needCount }, (_, i) =>
    need(i + 1, pick(codes), amount(), pick(kinds), 1 + Math.floor(rnd() * 3), rnd() < 0.5 ? `2026-0${1 + Math.floor(rnd() * 9)}-1${Math.floor(rnd() * 10)}` : null),
  );
  return { geo: { regionOf, neighboursOf, imdQuintile }, pledges, needs };
}

/** Reach and weight written again from the rules, not through the module. */
function pairWeight(p: OpenPledge, n: OpenNeed, g: MatchingGeography): number | null {
  if (p.kind !== n.kind || p.measureId !== n.measureId) return null;
  const region = g.regionOf.get(n.authority);
  let near: number;
  if (p.places.includes(n.authority)) near = 3;
  else if (p.places.some((h) => (g.neighboursOf.get(h) ?? []).includes(n.authority))) near = 2;
  else if (region !== undefined && p.places.some((h) => g.regionOf.get(h) === region)) near = 1;
  else near = 0;
  const farthest = { authority: 3, neighbours: 2, region: 1, national: 0 }[p.reach];
  if (near < farthest) return null;
  return 10 * (6 - (g.imdQuintile.get(n.authority) ?? 3)) + near;
}

interface Edge {
  to: number;
  cap: number;
  cost: number;
  rev: number;
}

/** The pledge x need graph: 0 the source, pledges, needs, the sink; capacities in thousandths, cost = -priority. */
function pairGraph({ geo: g, pledges, needs }: Instance) {
  const n = pledges.length + needs.length + 2;
  const sink = n - 1;
  const adj: Edge[][] = Array.from({ length: n }, () => []);
  const edge = (a: number, b: number, cap: number, cost: number) => {
    adj[a].push({ to: b, cap, cost, rev: adj[b].length });
    adj[b].push({ to: a, cap: 0, cost: -cost, rev: adj[a].length - 1 });
  };
  pledges.forEach((p, i) => {
    edge(0, 1 + i, Math.round(p.remaining * 1000), 0);
    needs.forEach((nd, j) => {
      const w = pairWeight(p, nd, g);
      if (w !== null) edge(1 + i, 1 + pledges.length + j, Number.MAX_SAFE_INTEGER, -w);
    });
  });
  needs.forEach((nd, j) => edge(1 + pledges.length + j, sink, Math.round(nd.remaining * 1000), 0));
  return { adj, sink };
}

/** Edmonds–Karp: the most flow, in thousandths. */
function maxFlow(instance: Instance): number {
  const { adj, sink } = pairGraph(instance);
  let total = 0;
  for (;;) {
    const prev: [number, number][] = new Array(adj.length);
    const queue = [0];
    prev[0] = [-1, -1];
    for (let h = 0; h < queue.length && !prev[sink]; h += 1) {
      const u = queue[h];
      adj[u].forEach((e, k) => {
        if (e.cap > 0 && !prev[e.to]) {
          prev[e.to] = [u, k];
          queue.push(e.to);
        }
      });
    }
    if (!prev[sink]) return total;
    let push = Infinity;
    for (let v = sink; v !== 0; v = prev[v][0]) push = Math.min(push, adj[prev[v][0]][prev[v][1]].cap);
    for (let v = sink; v !== 0; v = prev[v][0]) {
      const e = adj[prev[v][0]][prev[v][1]];
      e.cap -= push;
      adj[e.to][e.rev].cap += push;
    }
    total += push;
  }
}

/** Successive shortest paths (Bellman–Ford): the min-cost maximum flow; returns [flow, -cost] in thousandths. */
function maxPriorityFlow(instance: Instance): [number, number] {
  const { adj, sink } = pairGraph(instance);
  let flow = 0;
  let cost = 0;
  for (;;) {
    const dist = new Array<number>(adj.length).fill(Infinity);
    const prev: [number, number][] = new Array(adj.length);
    dist[0] = 0;
    for (let round = 0, changed = true; changed && round < adj.length; round += 1) {
      changed = false;
      for (let u = 0; u < adj.length; u += 1) {
        if (dist[u] === Infinity) continue;
        adj[u].forEach((e, k) => {
          if (e.cap > 0 && dist[u] + e.cost < dist[e.to]) {
            dist[e.to] = dist[u] + e.cost;
            prev[e.to] = [u, k];
            changed = true;
          }
        });
      }
    }
    if (dist[sink] === Infinity) return [flow, -cost];
    let push = Infinity;
    for (let v = sink; v !== 0; v = prev[v][0]) push = Math.min(push, adj[prev[v][0]][prev[v][1]].cap);
    for (let v = sink; v !== 0; v = prev[v][0]) {
      const e = adj[prev[v][0]][prev[v][1]];
      e.cap -= push;
      adj[e.to][e.rev].cap += push;
    }
    flow += push;
    cost += push * dist[sink];
  }
}

/** Every proposal allowed, with its right relation and priority; no pledge or need over its remaining quantity. */
function expectFeasible(plan: MatchingPlan, { geo: g, pledges, needs }: Instance): void {
  const pledgeById = new Map(pledges.map((p) => [p.id, p]));
  const needById = new Map(needs.map((n) => [n.id, n]));
  const given = new Map<number, number>();
  const got = new Map<number, number>();
  let met = 0;
  let priority = 0;
  for (const pr of plan.proposals) {
    const p = pledgeById.get(pr.pledgeId)!;
    const n = needById.get(pr.needId)!;
    expect(pr.quantity).toBeGreaterThan(0);
    expect(Math.round(pr.quantity * 1000) / 1000).toBe(pr.quantity);
    expect([pr.kind, pr.measureId]).toEqual([n.kind, n.measureId]);
    expect(pairWeight(p, n, g)).toBe(pr.priority);
    expect(pr.relation).toBe(relationOf(p, n.authority, g));
    expect(pr.priority).toBe(priorityOf(pr.relation, pr.imdQuintile));
    given.set(p.id, (given.get(p.id) ?? 0) + Math.round(pr.quantity * 1000));
    got.set(n.id, (got.get(n.id) ?? 0) + Math.round(pr.quantity * 1000));
    met += Math.round(pr.quantity * 1000);
    priority += Math.round(pr.quantity * 1000) * pr.priority;
  }
  for (const [id, q] of given) expect(q).toBeLessThanOrEqual(Math.round(pledgeById.get(id)!.remaining * 1000));
  for (const [id, q] of got) expect(q).toBeLessThanOrEqual(Math.round(needById.get(id)!.remaining * 1000));
  expect(Math.round(plan.met * 1000)).toBe(met);
  expect(Math.round(plan.priority * 1000)).toBe(priority);
}

describe('matching on random instances', () => {
  it('never gives or takes more than remains, and meets at least what first come, first served does', async () => {
    const instance = randomInstance(20261207, 300, 800, 60);
    const plan = await planMatches(instance.pledges, instance.needs, instance.geo);
    const greedy = greedyMatches(instance.pledges, instance.needs, instance.geo);
    expectFeasible(plan, instance);
    expectFeasible(greedy, instance);
    expect(plan.met).toBeGreaterThanOrEqual(greedy.met);
    expect(plan.met).toBeGreaterThan(0);
    expect(plan.met).toBeLessThan(plan.asked);
    const byMeasureMet = plan.byMeasure.reduce((sum, f) => sum + Math.round(f.met * 1000), 0);
    expect(byMeasureMet).toBe(Math.round(plan.met * 1000));
  });

  it.each([1, 2, 3, 4, 5, 6])('meets the maximum flow of the pledge x need graph, at its highest priority (seed %i)', async (seed) => {
    const instance = randomInstance(seed, 30, 60, 12);
    const plan = await planMatches(instance.pledges, instance.needs, instance.geo);
    expectFeasible(plan, instance);
    const most = maxFlow(instance);
    expect(Math.round(plan.met * 1000)).toBe(most);
    const [flow, priority] = maxPriorityFlow(instance);
    expect(flow).toBe(most);
    expect(Math.round(plan.priority * 1000)).toBe(priority);
    expect(plan.priority).toBeGreaterThanOrEqual(0);
  });
});
