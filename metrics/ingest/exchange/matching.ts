/**
 * Matching supplier pledges to community needs: an optimal allocation (two linear programs solved by HiGHS over an
 * aggregated flow network), and the first-come greedy baseline it is measured against. Pure calculation: no Nest, no
 * database; the exchange service reads the open pledges and needs, calls `planMatches`, and stores the proposals.
 *
 * The network, per (kind, measure): supply groups (pledges with the same kind, measure, places and reach, which are
 * interchangeable) and demand groups (needs with the same kind, measure and authority) joined by
 *   - a direct arc where the need's authority is one of the pledge's places or a neighbour of one (as the reach allows);
 *   - a path through a region hub (supply group -> hub of a region of its places -> every demand group in that region)
 *     when the reach is 'region' or 'national';
 *   - a path through the national hub (supply group -> hub -> every demand group) when the reach is 'national'.
 * So the program grows with groups and authorities, never with pledges x needs. Each arc earns the nearness of its
 * relation per unit, each unit into a demand group earns the group's deprivation weight. A direct arc always earns more
 * than a hub path between the same two groups, so an optimum never routes through a hub what a direct arc could carry,
 * and the relation reported for each pair is recomputed with `relationOf` anyway.
 *
 * Quantities enter the programs in integer thousandths of the measure's unit. The network matrix is totally unimodular,
 * so the simplex vertex optimum is integral; the solution is rounded still, and every capacity is enforced again when
 * the group flows are split over pledges and needs, so no pledge gives and no need gets more than it has remaining.
 */
import loadHighs from 'highs';

export type Reach = 'authority' | 'neighbours' | 'region' | 'national';
export type Relation = 'same_authority' | 'neighbour' | 'same_region' | 'national';

export interface MatchingGeography {
  /** authority code -> region (England's regions, or the nation's name for Wales, Scotland, Northern Ireland) */
  regionOf: ReadonlyMap<string, string>;
  /** authority code -> geographic neighbours' codes */
  neighboursOf: ReadonlyMap<string, readonly string[]>;
  /** authority code -> 1 (most deprived 20%) .. 5; absent = unknown */
  imdQuintile: ReadonlyMap<string, number>;
}

export interface OpenPledge {
  id: number;
  kind: string;
  measureId: number;
  remaining: number;
  /** the pledge's home authorities */
  places: readonly string[];
  reach: Reach;
}

export interface OpenNeed {
  id: number;
  kind: string;
  measureId: number;
  remaining: number;
  authority: string;
  /** YYYY-MM-DD, or null when there is no date */
  neededBy: string | null;
}

export interface Proposal {
  pledgeId: number;
  needId: number;
  quantity: number;
  relation: Relation;
  imdQuintile: number | null;
  measureId: number;
  kind: string;
  /** priorityOf(relation, imdQuintile): what each unit of this proposal earns */
  priority: number;
}

export interface MeasureFigures {
  measureId: number;
  kind: string;
  /** the needs' remaining quantity */
  asked: number;
  /** the pledges' remaining quantity */
  offered: number;
  /** allocated by the plan */
  met: number;
}

export interface MatchingPlan {
  proposals: Proposal[];
  byMeasure: MeasureFigures[];
  /** the quantity allocated, summed over measures (each in its own unit: byMeasure has them apart) */
  met: number;
  /** the needs' remaining quantity, summed over measures */
  asked: number;
  /** sum of quantity x priority */
  priority: number;
  /** wall time of the calculation */
  ms: number;
}

const NEARNESS: Readonly<Record<Relation, number>> = { same_authority: 3, neighbour: 2, same_region: 1, national: 0 };
/** How far each reach goes, as the rank of the farthest relation it allows (relations ranked nearest first). */
const REACH_RANK: Readonly<Record<Reach, number>> = { authority: 0, neighbours: 1, region: 2, national: 3 };
const RELATION_RANK: Readonly<Record<Relation, number>> = { same_authority: 0, neighbour: 1, same_region: 2, national: 3 };
/** The quintile an authority of unknown deprivation counts as. */
const UNKNOWN_QUINTILE = 3;

export const OBJECTIVE =
  'The plan first meets as much need as the open pledges can (the largest total quantity allocated, a maximum flow: ' +
  'no other allocation meets more). Among the allocations that meet that much, it takes the one with the highest ' +
  'priority, where each unit allocated to a need earns a deprivation weight of 10 x (6 - the IMD quintile of the ' +
  "need's authority), so 50 in the most deprived fifth down to 10 in the least (an unknown quintile counts as 3, " +
  'so 30), plus a nearness weight of 3 when the pledge is from the same authority, 2 from a neighbouring authority, 1 ' +
  'from the same region (or nation) and 0 from further away. A pledge serves only needs of its kind and measure within ' +
  'its reach. Deprivation therefore outweighs nearness, and neither is ever bought by meeting less need.';

/** The relation of `authority` to a pledge's places, or null when it is beyond the pledge's reach. */
export function relationOf(pledge: Pick<OpenPledge, 'places' | 'reach'>, authority: string, geo: MatchingGeography): Relation | null {
  const reach = REACH_RANK[pledge.reach];
  if (reach === undefined) return null;
  let relation: Relation = 'national';
  if (pledge.places.includes(authority)) relation = 'same_authority';
  else if (pledge.places.some((p) => geo.neighboursOf.get(p)?.includes(authority))) relation = 'neighbour';
  else {
    const region = geo.regionOf.get(authority);
    if (region !== undefined && pledge.places.some((p) => geo.regionOf.get(p) === region)) relation = 'same_region';
  }
  return RELATION_RANK[relation] <= reach ? relation : null;
}

/** What each unit allocated earns: deprivation 10 x (6 - quintile), unknown as 3, plus nearness 3, 2, 1 or 0. */
export function priorityOf(relation: Relation, imdQuintile: number | null): number {
  return deprivationWeight(imdQuintile) + NEARNESS[relation];
}

function deprivationWeight(imdQuintile: number | null): number {
  const q = imdQuintile !== null && Number.isInteger(imdQuintile) && imdQuintile >= 1 && imdQuintile <= 5 ? imdQuintile : UNKNOWN_QUINTILE;
  return 10 * (6 - q);
}

// ---------------------------------------------------------------------------------------------------------------------
// shared bookkeeping

/** A quantity in integer thousandths of its unit; what cannot be allocated (negative, not a number) is 0. */
function milli(q: number): number {
  return Number.isFinite(q) && q > 0 ? Math.round(q * 1000) : 0;
}

const netKey = (kind: string, measureId: number) => `${measureId}\u0000${kind}`;

interface RawProposal {
  pledge: OpenPledge;
  need: OpenNeed;
  milli: number;
  relation: Relation;
}

function quintileOf(authority: string, geo: MatchingGeography): number | null {
  const q = geo.imdQuintile.get(authority);
  return q === undefined ? null : q;
}

/** The plan from allocations in thousandths: proposals merged per (pledge, need), figures per measure and in all. */
function summarise(
  pledges: readonly OpenPledge[],
  needs: readonly OpenNeed[],
  raw: readonly RawProposal[],
  geo: MatchingGeography,
  started: number,
): MatchingPlan {
  const merged = new Map<string, RawProposal>();
  for (const r of raw) {
    if (r.milli <= 0) continue;
    const key = `${r.pledge.id}:${r.need.id}`;
    const had = merged.get(key);
    if (had) had.milli += r.milli;
    else merged.set(key, { ...r });
  }
  const figures = new Map<string, { measureId: number; kind: string; asked: number; offered: number; met: number }>();
  const figure = (kind: string, measureId: number) => {
    const key = netKey(kind, measureId);
    let f = figures.get(key);
    if (!f) figures.set(key, (f = { measureId, kind, asked: 0, offered: 0, met: 0 }));
    return f;
  };
  let asked = 0;
  for (const n of needs) {
    const m = milli(n.remaining);
    figure(n.kind, n.measureId).asked += m;
    asked += m;
  }
  for (const p of pledges) figure(p.kind, p.measureId).offered += milli(p.remaining);
  let met = 0;
  let priority = 0;
  const proposals: Proposal[] = [];
  for (const r of merged.values()) {
    const imdQuintile = quintileOf(r.need.authority, geo);
    const weight = priorityOf(r.relation, imdQuintile);
    met += r.milli;
    priority += r.milli * weight;
    figure(r.need.kind, r.need.measureId).met += r.milli;
    proposals.push({
      pledgeId: r.pledge.id,
      needId: r.need.id,
      quantity: r.milli / 1000,
      relation: r.relation,
      imdQuintile,
      measureId: r.need.measureId,
      kind: r.need.kind,
      priority: weight,
    });
  }
  proposals.sort((a, b) => a.pledgeId - b.pledgeId || a.needId - b.needId);
  const byMeasure = [...figures.values()]
    .sort((a, b) => a.measureId - b.measureId || (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0))
    .map((f) => ({ measureId: f.measureId, kind: f.kind, asked: f.asked / 1000, offered: f.offered / 1000, met: f.met / 1000 }));
  return {
    proposals,
    byMeasure,
    met: met / 1000,
    asked: asked / 1000,
    priority: Math.round(priority) / 1000,
    ms: performance.now() - started,
  };
}

// ---------------------------------------------------------------------------------------------------------------------
// the first-come baseline

/** First come, first served: pledges in id order, each filling the needs it can serve in id order, no lookahead. */
export function greedyMatches(pledges: readonly OpenPledge[], needs: readonly OpenNeed[], geo: MatchingGeography): MatchingPlan {
  const started = performance.now();
  const byNet = new Map<string, { need: OpenNeed; left: number }[]>();
  for (const need of [...needs].sort((a, b) => a.id - b.id)) {
    const left = milli(need.remaining);
    if (left === 0) continue;
    const key = netKey(need.kind, need.measureId);
    let list = byNet.get(key);
    if (!list) byNet.set(key, (list = []));
    list.push({ need, left });
  }
  // the relation of an authority to a pledge depends only on its places and reach: remembered per (places, reach)
  const relations = new Map<string, Map<string, Relation | null>>();
  const raw: RawProposal[] = [];
  for (const pledge of [...pledges].sort((a, b) => a.id - b.id)) {
    let left = milli(pledge.remaining);
    const list = byNet.get(netKey(pledge.kind, pledge.measureId));
    if (left === 0 || !list) continue;
    const placesKey = `${pledge.reach}\u0000${[...new Set(pledge.places)].sort().join('\u0000')}`;
    let known = relations.get(placesKey);
    if (!known) relations.set(placesKey, (known = new Map()));
    let exhausted = 0;
    for (const entry of list) {
      if (entry.left === 0) {
        exhausted += 1;
        continue;
      }
      let relation = known.get(entry.need.authority);
      if (relation === undefined) known.set(entry.need.authority, (relation = relationOf(pledge, entry.need.authority, geo)));
      if (relation === null) continue;
      const q = Math.min(left, entry.left);
      entry.left -= q;
      left -= q;
      raw.push({ pledge, need: entry.need, milli: q, relation });
      if (left === 0) break;
    }
    // drop the met needs now and then, so later pledges do not walk past them
    if (exhausted > 64 && exhausted * 2 > list.length) {
      const live = list.filter((e) => e.left > 0);
      list.length = 0;
      list.push(...live);
    }
  }
  return summarise(pledges, needs, raw, geo, started);
}

// ---------------------------------------------------------------------------------------------------------------------
// the optimal plan

type Solver = Awaited<ReturnType<typeof loadHighs>>;
let solver: Promise<Solver> | undefined;

/** HiGHS, loaded once per process (a failed load is tried again on the next call). */
function highs(): Promise<Solver> {
  solver ??= loadHighs().catch((err: unknown) => {
    solver = undefined;
    throw err;
  });
  return solver;
}

interface SupplyGroup {
  places: string[];
  reach: Reach;
  pledges: OpenPledge[];
  cap: number;
}

interface DemandGroup {
  authority: string;
  region: string | undefined;
  quintile: number | null;
  needs: OpenNeed[];
  cap: number;
}

interface Network {
  kind: string;
  measureId: number;
  supply: SupplyGroup[];
  demand: DemandGroup[];
}

/** Arcs of one network: from a supply group (S) or hub (H), to a hub or demand group (D). */
interface Arcs {
  fromKind: ('S' | 'H')[];
  from: number[];
  toKind: ('H' | 'D')[];
  to: number[];
  weight: number[];
  hubs: number;
}

function byNeededThenId(a: OpenNeed, b: OpenNeed): number {
  if (a.neededBy !== b.neededBy) {
    if (a.neededBy === null) return 1;
    if (b.neededBy === null) return -1;
    return a.neededBy < b.neededBy ? -1 : 1;
  }
  return a.id - b.id;
}

function networks(pledges: readonly OpenPledge[], needs: readonly OpenNeed[], geo: MatchingGeography): Network[] {
  const nets = new Map<string, { net: Network; supply: Map<string, SupplyGroup>; demand: Map<string, DemandGroup> }>();
  const netOf = (kind: string, measureId: number) => {
    const key = netKey(kind, measureId);
    let n = nets.get(key);
    if (!n) nets.set(key, (n = { net: { kind, measureId, supply: [], demand: [] }, supply: new Map(), demand: new Map() }));
    return n;
  };
  const demandNets = new Set<string>();
  for (const need of needs) {
    const cap = milli(need.remaining);
    if (cap === 0) continue;
    demandNets.add(netKey(need.kind, need.measureId));
    const n = netOf(need.kind, need.measureId);
    let g = n.demand.get(need.authority);
    if (!g) {
      g = { authority: need.authority, region: geo.regionOf.get(need.authority), quintile: quintileOf(need.authority, geo), needs: [], cap: 0 };
      n.demand.set(need.authority, g);
    }
    g.needs.push(need);
    g.cap += cap;
  }
  for (const pledge of pledges) {
    const cap = milli(pledge.remaining);
    if (cap === 0 || REACH_RANK[pledge.reach] === undefined || !demandNets.has(netKey(pledge.kind, pledge.measureId))) continue;
    const places = [...new Set(pledge.places)].sort();
    const key = `${pledge.reach}\u0000${places.join('\u0000')}`;
    const n = netOf(pledge.kind, pledge.measureId);
    let g = n.supply.get(key);
    if (!g) n.supply.set(key, (g = { places, reach: pledge.reach, pledges: [], cap: 0 }));
    g.pledges.push(pledge);
    g.cap += cap;
  }
  const out: Network[] = [];
  for (const { net, supply, demand } of nets.values()) {
    if (supply.size === 0 || demand.size === 0) continue;
    // in a fixed order, so that the same input gives the same plan
    net.supply = [...supply.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, g]) => g);
    net.demand = [...demand.values()].sort((a, b) => (a.authority < b.authority ? -1 : a.authority > b.authority ? 1 : 0));
    for (const g of net.supply) g.pledges.sort((a, b) => a.id - b.id);
    for (const g of net.demand) g.needs.sort(byNeededThenId);
    out.push(net);
  }
  return out.sort((a, b) => a.measureId - b.measureId || (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0));
}

function arcsOf(net: Network, geo: MatchingGeography): Arcs {
  const arcs: Arcs = { fromKind: [], from: [], toKind: [], to: [], weight: [], hubs: 0 };
  const add = (fk: 'S' | 'H', f: number, tk: 'H' | 'D', t: number, w: number) => {
    arcs.fromKind.push(fk);
    arcs.from.push(f);
    arcs.toKind.push(tk);
    arcs.to.push(t);
    arcs.weight.push(w);
  };
  const demandAt = new Map<string, number>();
  const demandIn = new Map<string, number[]>();
  net.demand.forEach((g, d) => {
    demandAt.set(g.authority, d);
    if (g.region === undefined) return;
    const list = demandIn.get(g.region);
    if (list) list.push(d);
    else demandIn.set(g.region, [d]);
  });
  const regionHubs = new Map<string, number>();
  let nationalHub = -1;
  net.supply.forEach((g, s) => {
    const reach = REACH_RANK[g.reach];
    // direct arcs: the group's own authorities, and their neighbours when the reach allows
    const near = new Set(g.places);
    if (reach >= RELATION_RANK.neighbour) for (const p of g.places) for (const a of geo.neighboursOf.get(p) ?? []) near.add(a);
    for (const a of near) {
      const d = demandAt.get(a);
      if (d === undefined) continue;
      const relation = relationOf(g, a, geo);
      if (relation !== 'same_authority' && relation !== 'neighbour') continue;
      add('S', s, 'D', d, NEARNESS[relation] + deprivationWeight(net.demand[d].quintile));
    }
    if (reach >= RELATION_RANK.same_region) {
      const regions = new Set<string>();
      for (const p of g.places) {
        const r = geo.regionOf.get(p);
        if (r !== undefined && demandIn.has(r)) regions.add(r);
      }
      for (const r of [...regions].sort()) {
        let h = regionHubs.get(r);
        if (h === undefined) regionHubs.set(r, (h = arcs.hubs++));
        add('S', s, 'H', h, NEARNESS.same_region);
      }
    }
    if (reach >= RELATION_RANK.national) {
      if (nationalHub < 0) nationalHub = arcs.hubs++;
      add('S', s, 'H', nationalHub, NEARNESS.national);
    }
  });
  for (const [r, h] of regionHubs) for (const d of demandIn.get(r) ?? []) add('H', h, 'D', d, deprivationWeight(net.demand[d].quintile));
  if (nationalHub >= 0) net.demand.forEach((g, d) => add('H', nationalHub, 'D', d, deprivationWeight(g.quintile)));
  return arcs;
}

/** `name: t1 + t2 ...` in CPLEX LP form, wrapped so that no line is long. */
function row(name: string, terms: readonly string[], tail: string): string {
  const lines: string[] = [];
  for (let i = 0; i < terms.length; i += 16) lines.push(terms.slice(i, i + 16).join(' '));
  return ` ${name}: ${lines.join('\n   ')} ${tail}`;
}

/** The two programs of one network, as CPLEX LP text: the flow (phase 1), and the priority at that flow (phase 2). */
function programs(net: Network, arcs: Arcs): { constraints: string[]; flowTerms: string[]; priorityTerms: string[] } {
  const out: string[][] = net.supply.map(() => []);
  const hubIn: string[][] = Array.from({ length: arcs.hubs }, () => []);
  const hubOut: string[][] = Array.from({ length: arcs.hubs }, () => []);
  const into: string[][] = net.demand.map(() => []);
  const flowTerms: string[] = [];
  const priorityTerms: string[] = [];
  for (let i = 0; i < arcs.from.length; i += 1) {
    const x = `x${i}`;
    if (arcs.fromKind[i] === 'S') out[arcs.from[i]].push(`+ ${x}`);
    else hubOut[arcs.from[i]].push(`- ${x}`);
    if (arcs.toKind[i] === 'H') hubIn[arcs.to[i]].push(`+ ${x}`);
    else {
      into[arcs.to[i]].push(`+ ${x}`);
      flowTerms.push(`+ ${x}`);
    }
    if (arcs.weight[i] !== 0) priorityTerms.push(`+ ${arcs.weight[i]} ${x}`);
  }
  const constraints: string[] = [];
  out.forEach((terms, s) => terms.length && constraints.push(row(`s${s}`, terms, `<= ${net.supply[s].cap}`)));
  for (let h = 0; h < arcs.hubs; h += 1) constraints.push(row(`h${h}`, [...hubIn[h], ...hubOut[h]], '= 0'));
  into.forEach((terms, d) => terms.length && constraints.push(row(`d${d}`, terms, `<= ${net.demand[d].cap}`)));
  return { constraints, flowTerms, priorityTerms };
}

/**
 * Primal simplex without presolve: a basic (so integral) optimum, and on these networks 3-4x faster than HiGHS's default
 * dual simplex with presolve (10,000 pledges x 50,000 needs: 1.3 s against 5.8 s, npm run bench:exchange).
 */
const SOLVE_OPTIONS = { output_flag: false, solver: 'simplex', simplex_strategy: 4, presolve: 'off' } as const;

function solve(h: Solver, lp: string, arcCount: number, what: string): number[] {
  const result = h.solve(lp, SOLVE_OPTIONS);
  if (result.Status !== 'Optimal') throw new Error(`matching: the ${what} program ended ${result.Status}`);
  const values = new Array<number>(arcCount).fill(0);
  for (let i = 0; i < arcCount; i += 1) {
    const column = result.Columns[`x${i}`] as { Primal?: number } | undefined;
    // rounded to whole thousandths: the vertex is integral up to the solver's tolerance
    values[i] = Math.max(0, Math.round(column?.Primal ?? 0));
  }
  return values;
}

/**
 * Splits the arc flows of one network over pledges and needs. Hub flows are paired first (what enters a hub from each
 * supply group with what leaves it to each demand group, in order), then each supply group's pledges (id order) fill
 * each demand group's needs (earliest needed first, then id) pair by pair, a pointer on each side; every group, pledge
 * and need is held to its capacity here, whatever the rounding left.
 */
function decompose(net: Network, arcs: Arcs, flow: readonly number[], geo: MatchingGeography): RawProposal[] {
  const pairs: { s: number; d: number; amount: number; relation: Relation }[] = [];
  const pair = (s: number, d: number, amount: number) => {
    if (amount <= 0) return;
    const relation = relationOf(net.supply[s], net.demand[d].authority, geo);
    if (relation !== null) pairs.push({ s, d, amount, relation });
  };
  const hubIn: { s: number; amount: number }[][] = Array.from({ length: arcs.hubs }, () => []);
  const hubOut: { d: number; amount: number }[][] = Array.from({ length: arcs.hubs }, () => []);
  for (let i = 0; i < flow.length; i += 1) {
    if (flow[i] <= 0) continue;
    if (arcs.fromKind[i] === 'S' && arcs.toKind[i] === 'D') pair(arcs.from[i], arcs.to[i], flow[i]);
    else if (arcs.toKind[i] === 'H') hubIn[arcs.to[i]].push({ s: arcs.from[i], amount: flow[i] });
    else hubOut[arcs.from[i]].push({ d: arcs.to[i], amount: flow[i] });
  }
  for (let h = 0; h < arcs.hubs; h += 1) {
    const ins = hubIn[h];
    const outs = hubOut[h];
    for (let i = 0, o = 0; i < ins.length && o < outs.length; ) {
      const q = Math.min(ins[i].amount, outs[o].amount);
      pair(ins[i].s, outs[o].d, q);
      ins[i].amount -= q;
      outs[o].amount -= q;
      if (ins[i].amount === 0) i += 1;
      if (outs[o].amount === 0) o += 1;
    }
  }
  // the nearest pairs take the first pledges and the earliest needs
  pairs.sort((a, b) => RELATION_RANK[a.relation] - RELATION_RANK[b.relation] || a.s - b.s || a.d - b.d);
  const pledgeAt = net.supply.map(() => 0);
  const pledgeLeft = net.supply.map((g) => (g.pledges.length ? milli(g.pledges[0].remaining) : 0));
  const needAt = net.demand.map(() => 0);
  const needLeft = net.demand.map((g) => (g.needs.length ? milli(g.needs[0].remaining) : 0));
  const raw: RawProposal[] = [];
  for (const { s, d, relation, amount: paired } of pairs) {
    let amount = paired;
    const supply = net.supply[s].pledges;
    const demand = net.demand[d].needs;
    while (amount > 0 && pledgeAt[s] < supply.length && needAt[d] < demand.length) {
      const q = Math.min(amount, pledgeLeft[s], needLeft[d]);
      if (q > 0) raw.push({ pledge: supply[pledgeAt[s]], need: demand[needAt[d]], milli: q, relation });
      amount -= q;
      pledgeLeft[s] -= q;
      needLeft[d] -= q;
      if (pledgeLeft[s] === 0 && ++pledgeAt[s] < supply.length) pledgeLeft[s] = milli(supply[pledgeAt[s]].remaining);
      if (needLeft[d] === 0 && ++needAt[d] < demand.length) needLeft[d] = milli(demand[needAt[d]].remaining);
    }
  }
  return raw;
}

/**
 * The optimal allocation (OBJECTIVE): per (kind, measure), phase 1 finds the most quantity the pledges can meet, phase 2
 * the most priority among the allocations that meet that much (less a tolerance far below one thousandth).
 */
export async function planMatches(pledges: readonly OpenPledge[], needs: readonly OpenNeed[], geo: MatchingGeography): Promise<MatchingPlan> {
  const h = await highs();
  const started = performance.now();
  const raw: RawProposal[] = [];
  for (const net of networks(pledges, needs, geo)) {
    const arcs = arcsOf(net, geo);
    if (arcs.from.length === 0) continue;
    const { constraints, flowTerms, priorityTerms } = programs(net, arcs);
    const body = constraints.join('\n');
    const phase1 = solve(h, `Maximize\n${row('flow', flowTerms, '')}\nSubject To\n${body}\nEnd\n`, arcs.from.length, 'flow');
    let flow = 0;
    for (let i = 0; i < phase1.length; i += 1) if (arcs.toKind[i] === 'D') flow += phase1[i];
    if (flow === 0) continue;
    const atLeast = flow - 1e-6;
    const phase2 = solve(
      h,
      `Maximize\n${row('priority', priorityTerms, '')}\nSubject To\n${body}\n${row('met', flowTerms, `>= ${atLeast}`)}\nEnd\n`,
      arcs.from.length,
      'priority',
    );
    for (const r of decompose(net, arcs, phase2, geo)) raw.push(r);
  }
  return summarise(pledges, needs, raw, geo, started);
}
