import { csvField } from '../imports/import-rows';

/**
 * A generator of realistic demo data over real authorities: contracts in the sectors where social value is asked for,
 * SME and VCSE suppliers, commitments on the open framework's measures, and quarterly returns with shortfalls,
 * missing returns and outliers; and every authority's payments compliance returns (Procurement Act 2023 s.69) for the
 * six-month reporting periods since the Act's reporting began. Deterministic for a seed. Every reference starts DEMO-
 * and every supplier name ends "(demo)"; the import marks every row it writes is_demo.
 */
export interface DemoAuthority {
  code: string;
  region: string | null;
  kind: string;
}

export interface DemoOptions {
  seed: number;
  contractsPerRegion: number;
  /** Quarters up to (not including) the one starting on this date are reported; so are the payments periods ended by then. */
  reportUntil: string;
  /** Authorities that get the first contracts of their region (those the documentation shows). */
  featured?: readonly string[];
}

/**
 * The authorities the documentation's examples name (Trafford and its Greater Manchester neighbour Manchester,
 * Cardiff, Westminster, the Department for Work and Pensions): the demo always gives them contracts, so every example
 * shows real figures on the demo data.
 */
export const DOCUMENTED_AUTHORITIES = ['E08000009', 'E08000003', 'W06000015', 'E09000033', 'GB-GOR-D10'] as const;

/** mulberry32: a small, fast, seedable PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const SECTORS: Array<{ cpv: string; title: string; services: boolean; measures: string[] }> = [
  { cpv: '85312000', title: 'Domiciliary care', services: true, measures: ['SVM-EMP-LOCAL-FTE', 'SVM-HIRE-LTU', 'SVM-VOLUNTEER-HOURS', 'SVM-STAFF-FAIR-PAY'] },
  { cpv: '85311000', title: 'Residential care services', services: true, measures: ['SVM-EMP-LOCAL-FTE', 'SVM-APPRENTICESHIP-WEEKS', 'SVM-WELLBY'] },
  { cpv: '90910000', title: 'Cleaning of council buildings', services: true, measures: ['SVM-EMP-LOCAL-FTE', 'SVM-HIRE-DISABLED', 'SVM-WASTE-DIVERTED'] },
  { cpv: '90511000', title: 'Household waste collection', services: true, measures: ['SVM-WASTE-DIVERTED', 'SVM-CO2E-AVOIDED', 'SVM-EMP-LOCAL-FTE'] },
  { cpv: '45233141', title: 'Highways maintenance', services: false, measures: ['SVM-SPEND-LOCAL', 'SVM-APPRENTICESHIP-WEEKS', 'SVM-CO2E-AVOIDED'] },
  { cpv: '45214200', title: 'School building works', services: false, measures: ['SVM-SPEND-LOCAL', 'SVM-SPEND-SME', 'SVM-TRAINING-WEEKS', 'SVM-EMPLOYABILITY-HOURS'] },
  { cpv: '80500000', title: 'Adult skills training', services: true, measures: ['SVM-TRAINING-WEEKS', 'SVM-HIRE-NEET', 'SVM-EMPLOYABILITY-HOURS'] },
  { cpv: '60130000', title: 'Community transport', services: true, measures: ['SVM-VOLUNTEER-HOURS', 'SVM-DONATIONS-VCSE', 'SVM-WELLBY'] },
  { cpv: '72000000', title: 'IT services and support', services: true, measures: ['SVM-SPEND-SME', 'SVM-EMPLOYABILITY-HOURS', 'SVM-IN-KIND-VCSE'] },
  { cpv: '55524000', title: 'School meals', services: true, measures: ['SVM-SPEND-LOCAL', 'SVM-SPEND-VCSE', 'SVM-HIRE-CARE-LEAVER'] },
  { cpv: '79620000', title: 'Supply of personnel', services: true, measures: ['SVM-HIRE-VETERAN', 'SVM-HIRE-EX-OFFENDER', 'SVM-EMP-LOCAL-FTE'] },
];

/** What a supplier promises per £1m of contract value per year, in each measure's unit (a rough, plausible scale). */
export const RATE_PER_MILLION_YEAR: Record<string, { unit: string; rate: number }> = {
  'SVM-EMP-LOCAL-FTE': { unit: 'FTE-year', rate: 4 },
  'SVM-HIRE-LTU': { unit: 'person', rate: 1.5 },
  'SVM-HIRE-NEET': { unit: 'person', rate: 2 },
  'SVM-HIRE-DISABLED': { unit: 'person', rate: 1 },
  'SVM-HIRE-CARE-LEAVER': { unit: 'person', rate: 0.5 },
  'SVM-HIRE-EX-OFFENDER': { unit: 'person', rate: 0.5 },
  'SVM-HIRE-VETERAN': { unit: 'person', rate: 0.5 },
  'SVM-APPRENTICESHIP-WEEKS': { unit: 'week', rate: 60 },
  'SVM-TRAINING-WEEKS': { unit: 'week', rate: 40 },
  'SVM-EMPLOYABILITY-HOURS': { unit: 'hour', rate: 120 },
  'SVM-SPEND-LOCAL': { unit: 'GBP', rate: 250000 },
  'SVM-SPEND-SME': { unit: 'GBP', rate: 180000 },
  'SVM-SPEND-VCSE': { unit: 'GBP', rate: 40000 },
  'SVM-DONATIONS-VCSE': { unit: 'GBP', rate: 2500 },
  'SVM-IN-KIND-VCSE': { unit: 'GBP', rate: 3000 },
  'SVM-VOLUNTEER-HOURS': { unit: 'hour', rate: 200 },
  'SVM-CO2E-AVOIDED': { unit: 'tCO2e', rate: 30 },
  'SVM-WASTE-DIVERTED': { unit: 'tonne', rate: 80 },
  'SVM-WELLBY': { unit: 'WELLBY', rate: 3 },
  'SVM-STAFF-FAIR-PAY': { unit: 'person', rate: 12 },
};

export const SUPPLIER_WORDS = ['Northfield', 'Riverside', 'Oakwood', 'Beacon', 'Harbour', 'Meadow', 'Castle', 'Summit', 'Ashgrove', 'Kingsway', 'Lakeside', 'Pennine', 'Valley', 'Bridge', 'Heritage', 'Evergreen'];
export const SUPPLIER_TRADES = ['Care', 'Services', 'Facilities', 'Construction', 'Transport', 'Learning', 'Technology', 'Catering', 'Environmental', 'Community'];

interface DemoContract {
  reference: string;
  authority: string;
  start: Date;
  end: Date;
  valueGbp: number;
  measures: string[];
  awarded: boolean;
}

export const iso = (d: Date) => d.toISOString().slice(0, 10);
export const addMonths = (d: Date, n: number) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, d.getUTCDate()));
export const round = (n: number, dp: number) => Number(n.toFixed(dp));

/**
 * The first payments reporting period of the demo: the first six-month period (1 April to 30 September, 1 October to
 * 31 March) that began after the Procurement Act 2023 came into force on 24 February 2025.
 */
export const DEMO_PAYMENTS_FROM = '2025-04-01';

/** The payments reporting periods from DEMO_PAYMENTS_FROM that ended before `until` (each six months). */
export function demoPaymentPeriods(until: Date): Array<{ start: Date; end: Date }> {
  const out: Array<{ start: Date; end: Date }> = [];
  for (let p = new Date(`${DEMO_PAYMENTS_FROM}T00:00:00Z`); addMonths(p, 6) <= until; p = addMonths(p, 6)) {
    out.push({ start: p, end: new Date(addMonths(p, 6).getTime() - 86400000) });
  }
  return out;
}

export interface DemoFiles {
  contracts: () => Generator<string>;
  commitments: () => Generator<string>;
  outcomes: () => Generator<string>;
  payments: () => Generator<string>;
  /** The numbers the files will hold (contracts generated up front; lines are produced lazily). */
  counts: { contracts: number; commitments: number; outcomes: number; payments: number };
}

/** The demo dataset as four CSV files, produced lazily (a million outcome rows never sit in memory). */
export function demoFiles(authorities: DemoAuthority[], options: DemoOptions): DemoFiles {
  const rand = prng(options.seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
  const featured = options.featured ?? [];
  const byRegion = new Map<string, DemoAuthority[]>();
  for (const a of authorities) {
    const region = a.region ?? 'Central government';
    if (!byRegion.has(region)) byRegion.set(region, []);
    byRegion.get(region)!.push(a);
  }
  const until = new Date(`${options.reportUntil}T00:00:00Z`);
  const contracts: DemoContract[] = [];
  const contractRows: string[][] = [];
  let serial = 0;
  for (const [region, members] of [...byRegion.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const n = region === 'Central government' ? Math.ceil(options.contractsPerRegion / 2) : options.contractsPerRegion;
    // the featured authorities of the region get its first contracts, the others are drawn at random
    const first = featured.flatMap((code) => members.filter((a) => a.code === code));
    for (let i = 0; i < n; i += 1) {
      serial += 1;
      const authority = i < first.length ? first[i] : pick(members);
      const sector = pick(SECTORS);
      const valueGbp = Math.round(Math.exp(11 + rand() * 5)); // ~£60k to ~£9m, log-uniform
      const start = new Date(Date.UTC(2022 + Math.floor(rand() * 4), Math.floor(rand() * 4) * 3, 1));
      const years = 1 + Math.floor(rand() * 5);
      const end = new Date(addMonths(start, years * 12).getTime() - 86400000);
      const awarded = start < until && rand() > 0.06;
      const sme = rand() < 0.45;
      const vcse = sme && rand() < 0.25;
      const word = pick(SUPPLIER_WORDS);
      const trade = pick(SUPPLIER_TRADES);
      const supplierNumber = String(10000000 + Math.floor(rand() * 800) * 97 + (serial % 97)).slice(0, 8);
      const inScope = sector.services && valueGbp > 214904;
      const evaluated = inScope ? rand() < 0.75 : rand() < 0.3;
      const weighting = evaluated ? pick([5, 10, 10, 10, 15, 20]) : null;
      const reference = `DEMO-${authority.code}-${String(serial).padStart(6, '0')}`;
      const measures = awarded ? sector.measures.slice(0, 2 + Math.floor(rand() * (sector.measures.length - 1))) : [];
      contracts.push({ reference, authority: authority.code, start, end, valueGbp, measures, awarded });
      contractRows.push([
        reference,
        authority.code,
        `${sector.title} (demo)`,
        awarded ? 'GB-COH' : '',
        awarded ? `D${supplierNumber.slice(1)}` : '',
        awarded ? `${word} ${trade} ${vcse ? 'CIC' : sme ? 'Ltd' : 'plc'} (demo)` : '',
        awarded ? (sme ? 'sme' : 'large') : '',
        awarded ? String(vcse) : '',
        sector.cpv,
        String(valueGbp),
        awarded ? iso(addMonths(start, -2)) : '',
        iso(start),
        iso(end),
        awarded ? 'awarded' : 'pipeline',
        String(sector.services),
        String(valueGbp > 214904),
        String(inScope),
        String(evaluated),
        weighting === null ? '' : String(weighting),
      ]);
    }
  }
  const quarters = (c: DemoContract) => {
    const out: Array<{ start: Date; end: Date }> = [];
    let q = new Date(Date.UTC(c.start.getUTCFullYear(), Math.floor(c.start.getUTCMonth() / 3) * 3, 1));
    while (q <= c.end && addMonths(q, 3) <= until) {
      out.push({ start: q, end: new Date(addMonths(q, 3).getTime() - 86400000) });
      q = addMonths(q, 3);
    }
    return out;
  };
  let commitments = 0;
  let outcomes = 0;
  for (const c of contracts) {
    commitments += c.measures.length;
    outcomes += c.measures.length * quarters(c).length;
  }

  const header = (cols: string[]) => `${cols.join(',')}\n`;
  const line = (values: Array<string | number | null>) => `${values.map((v) => (v === null || v === '' ? '' : csvField(v))).join(',')}\n`;

  const paymentPeriods = demoPaymentPeriods(until);

  return {
    counts: { contracts: contracts.length, commitments, outcomes: Math.round(outcomes * 0.9), payments: authorities.length * paymentPeriods.length },
    *contracts() {
      yield header(['reference', 'authority', 'title', 'supplier_scheme', 'supplier_id', 'supplier_name', 'supplier_scale', 'supplier_vcse', 'cpv', 'value_gbp', 'award_date', 'start_date', 'end_date', 'stage', 'is_services', 'above_threshold', 'in_scope', 'sv_evaluated', 'sv_weighting_pct']);
      for (const row of contractRows) yield line(row);
    },
    *commitments() {
      yield header(['contract', 'measure', 'target_quantity', 'unit', 'period_start', 'period_end']);
      for (const c of contracts) {
        const years = (c.end.getTime() - c.start.getTime()) / (365.25 * 86400000);
        for (const m of c.measures) {
          const { unit, rate } = RATE_PER_MILLION_YEAR[m];
          const target = rate * (c.valueGbp / 1_000_000) * Math.max(years, 0.25);
          yield line([c.reference, m, unit === 'GBP' ? Math.round(target) : round(Math.max(target, 1), 2), unit, iso(c.start), iso(c.end)]);
        }
      }
    },
    *outcomes() {
      const r = prng(options.seed + 1);
      yield header(['contract', 'measure', 'period_start', 'period_end', 'quantity', 'unit', 'evidence_ref']);
      for (const c of contracts) {
        const qs = quarters(c);
        const years = (c.end.getTime() - c.start.getTime()) / (365.25 * 86400000);
        const reliability = r() < 0.15 ? 0.4 : 0.85 + r() * 0.3; // some suppliers fall well short
        for (const m of c.measures) {
          const { unit, rate } = RATE_PER_MILLION_YEAR[m];
          const perQuarter = (rate * (c.valueGbp / 1_000_000) * Math.max(years, 0.25)) / Math.max(qs.length, years * 4);
          for (const q of qs) {
            if (r() < 0.1) continue; // a missing return
            let quantity = perQuarter * reliability * (0.6 + r() * 0.8);
            if (r() < 0.01) quantity *= 10; // an outlier (a typo of a zero, or a one-off)
            const value = unit === 'GBP' ? Math.round(quantity) : round(quantity, 2);
            yield line([c.reference, m, iso(q.start), iso(q.end), value, unit, `${c.reference}/${iso(q.start)}/${m}`]);
          }
        }
      }
    },
    *payments() {
      // a stream of its own: the contracts, commitments and outcomes of a seed are what they were before payments
      const r = prng(options.seed + 2);
      const tenths = (t: number) => (t / 10).toFixed(1);
      yield header(['authority', 'period_start', 'period_end', 'average_days_to_pay', 'pct_paid_1_30', 'pct_paid_31_60', 'pct_paid_61_plus', 'pct_not_paid_when_due']);
      for (const a of authorities) {
        // each authority pays at its own pace (a few are slow payers) and gets a little better period by period
        let onTime = 0.62 + r() * 0.3 - (r() < 0.1 ? 0.2 : 0);
        const lateTail = 0.15 + r() * 0.3; // of the invoices paid after 30 days, the share that took 61 days or more
        for (const p of paymentPeriods) {
          onTime = Math.min(0.97, Math.max(0.35, onTime + 0.01 + (r() - 0.5) * 0.08));
          // the three bands in tenths of a percent, adding up to exactly 100
          const t1 = Math.round(onTime * 1000);
          const t61 = Math.round((1000 - t1) * Math.min(0.6, Math.max(0.05, lateTail + (r() - 0.5) * 0.1)));
          const t31 = 1000 - t1 - t61;
          const days = (t1 * (14 + r() * 8) + t31 * (40 + r() * 8) + t61 * (72 + r() * 30)) / 1000;
          const notPaid = Math.round((t31 + t61) * (0.55 + r() * 0.4));
          yield line([a.code, iso(p.start), iso(p.end), days.toFixed(1), tenths(t1), tenths(t31), tenths(t61), tenths(notPaid)]);
        }
      }
    },
  };
}

/** Contracts per region that give about `outcomes` outcome rows (for `--outcomes 1000000`). */
export function contractsPerRegionFor(outcomes: number, regions: number): number {
  const perContract = 19; // measured: 129,973 outcome rows from 6,875 demo contracts (reported to late 2026)
  return Math.max(1, Math.ceil(outcomes / perContract / Math.max(regions, 1)));
}
