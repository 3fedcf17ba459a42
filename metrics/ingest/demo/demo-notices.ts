import { addMonths, iso, prng, RATE_PER_MILLION_YEAR, round, SECTORS, SUPPLIER_TRADES, SUPPLIER_WORDS, type DemoAuthority } from './demo-data';

/**
 * The demo's Procurement Act contracts: an OCDS release package, as Find a Tender publishes it, of contracts over £5m
 * awarded since the Act came into force (24 February 2025), each with:
 *   - its contract details notice (UK7): the award, the contract, and its key performance indicators
 *     (`contracts[].agreedMetrics`): two or three social value KPIs whose ids are the open framework's measure codes,
 *     each with its whole-contract target, and one operational KPI; one contract in ten publishes none and says why
 *     (`noAgreedMetricsRationale`);
 *   - a contract update each quarter whose KPIs' observations give what was delivered in the quarter;
 *   - a contract performance notice (UK9) every six months, each KPI rated (`measureClassification`): the rating the
 *     delivery to date earns, which buyers now and then give a step or two kinder; with a performance failure and
 *     damages where a KPI is rated significantly below; one contract in seven has published no UK9 (late).
 * Sent through the OCDS import like any package: the targets become commitments, the quarters' figures outcomes, the
 * ratings official ratings, so the official and the computed ratings can be set side by side on the demo.
 * Deterministic for a seed. Scottish authorities are left out (the Act does not cover their devolved procurement).
 * Every ocid (the contract's reference) starts DEMO-PA- and every supplier name ends "(demo)".
 */
export interface DemoNoticeAuthority extends DemoAuthority {
  name: string;
}

export interface DemoNoticeOptions {
  seed: number;
  /** Contracts per region of the rest of the demo: a tenth of it here (at least one per region). */
  contractsPerRegion: number;
  /** Quarters and half-years ended before this date are reported (ISO date, a quarter's first day). */
  reportUntil: string;
  featured?: readonly string[];
  /** The catalogue's name of each measure code (the KPIs' titles). */
  measureNames: ReadonlyMap<string, string>;
}

export interface DemoNoticePackage {
  /** The package's JSON text, a release at a time. */
  text: () => Generator<string>;
  counts: { contracts: number; releases: number };
}

/** Where the demo's Procurement Act contracts were awarded from: the first month after the Act came into force. */
export const DEMO_ACT_AWARDS_FROM = '2025-03-01';

const CLASSIFICATIONS = ['met', 'slightlyBelow', 'below', 'significantlyBelow'] as const;
type Classification = (typeof CLASSIFICATIONS)[number];
const CLASSIFICATION_TEXT: Record<Classification, string> = {
  met: 'Good',
  slightlyBelow: 'Approaching target',
  below: 'Requires improvement',
  significantlyBelow: 'Inadequate',
};
/** The delivery ratios the service's default thresholds rate Good, Approaching target, Requires improvement. */
const THRESHOLDS = [0.95, 0.8, 0.5];
const DAY = 86_400_000;

interface Kpi {
  id: string;
  title: string;
  unit: string;
  target: number;
  social: boolean;
}

/** An identifier scheme and id for an authority's code: a GSS code, or a department's GB-GOR code. */
function identifierOf(code: string): { scheme: string; id: string } {
  return code.startsWith('GB-GOR-') ? { scheme: 'GB-GOR', id: code.slice('GB-GOR-'.length) } : { scheme: 'GB-GSS', id: code };
}

export function demoNoticePackage(authorities: DemoNoticeAuthority[], options: DemoNoticeOptions): DemoNoticePackage {
  const rand = prng(options.seed + 3); // a stream of its own: the rest of the demo stays what it was
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const until = new Date(`${options.reportUntil}T00:00:00Z`);
  const latestAward = addMonths(until, -3);
  const featured = options.featured ?? [];
  const byRegion = new Map<string, DemoNoticeAuthority[]>();
  for (const a of authorities) {
    if (/^S\d/.test(a.code)) continue; // Scotland: the Procurement Reform (Scotland) Act 2014, not this Act
    const region = a.region ?? 'Central government';
    if (!byRegion.has(region)) byRegion.set(region, []);
    byRegion.get(region)!.push(a);
  }
  const perRegion = Math.max(1, Math.round(options.contractsPerRegion / 10));
  const releases: Array<Record<string, unknown>> = [];
  let serial = 0;
  const actStart = new Date(`${DEMO_ACT_AWARDS_FROM}T00:00:00Z`);
  if (latestAward < actStart) return { text: () => packageText([], options.reportUntil), counts: { contracts: 0, releases: 0 } };
  const months = Math.max(1, Math.round((latestAward.getTime() - actStart.getTime()) / (30.44 * DAY)));

  for (const [region, members] of [...byRegion.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const n = region === 'Central government' ? Math.ceil(perRegion / 2) : perRegion;
    const first = featured.flatMap((code) => members.filter((a) => a.code === code));
    for (let i = 0; i < n; i += 1) {
      serial += 1;
      const authority = i < first.length ? first[i] : pick(members);
      const sector = pick(SECTORS.filter((s) => s.services));
      const value = Math.round(5_200_000 * Math.exp(rand() * 1.5)); // £5.2m to about £23m
      const awarded = addMonths(actStart, Math.floor(rand() * months));
      const start = addMonths(awarded, 1);
      const years = 3 + Math.floor(rand() * 3);
      const end = new Date(addMonths(start, years * 12).getTime() - DAY);
      const ocid = `DEMO-PA-${authority.code}-${String(serial).padStart(4, '0')}`;
      const buyerId = identifierOf(authority.code);
      const buyer = { id: `${buyerId.scheme}-${buyerId.id}`, name: authority.name };
      const sme = rand() < 0.4;
      const coh = `D${String(9_000_000 + serial * 37).slice(0, 7)}`;
      const supplier = { id: `GB-COH-${coh}`, name: `${pick(SUPPLIER_WORDS)} ${pick(SUPPLIER_TRADES)} ${sme ? 'Ltd' : 'plc'} (demo)` };
      const supportedEmployment = rand() < 0.08;
      const mutual = !supportedEmployment && rand() < 0.05;
      const contractYears = (end.getTime() - start.getTime() + DAY) / (365.25 * DAY);
      const withKpis = rand() >= 0.1;
      const kpis: Kpi[] = [];
      if (withKpis) {
        for (const code of sector.measures.slice(0, 2 + Math.floor(rand() * 2))) {
          const { unit, rate } = RATE_PER_MILLION_YEAR[code];
          const target = rate * (value / 1_000_000) * contractYears;
          kpis.push({ id: code, title: options.measureNames.get(code) ?? code, unit, target: unit === 'GBP' ? Math.round(target) : round(target, 1), social: true });
        }
        kpis.push({ id: 'OPS-1', title: `${sector.title}: service delivered to specification`, unit: 'percent', target: 98, social: false });
      }
      const period = { startDate: `${iso(start)}T00:00:00Z`, endDate: `${iso(end)}T23:59:59Z` };
      const contractId = `${ocid}-contract-1`;
      const base = { ocid, buyer, parties: [{ ...buyer, identifier: buyerId, roles: ['buyer'] }] };
      // the contract details notice (UK7)
      releases.push({
        ...base,
        id: `${ocid}-uk7`,
        date: `${iso(new Date(awarded.getTime() + 20 * DAY))}T09:00:00Z`,
        tag: ['award', 'contract'],
        parties: [
          base.parties[0],
          {
            ...supplier,
            identifier: { scheme: 'GB-COH', id: coh },
            roles: ['supplier'],
            details: { scale: sme ? 'sme' : 'large', vcse: false, shelteredWorkshop: supportedEmployment, publicServiceMissionOrganization: mutual },
          },
        ],
        tender: { id: `${ocid}-tender`, title: `${sector.title} (demo)`, mainProcurementCategory: 'services', aboveThreshold: true, classification: { scheme: 'CPV', id: sector.cpv } },
        awards: [{ id: `${ocid}-award-1`, status: 'active', date: `${iso(awarded)}T00:00:00Z`, value: { amount: value, currency: 'GBP' }, suppliers: [supplier], contractPeriod: period }],
        contracts: [
          {
            id: contractId,
            awardID: `${ocid}-award-1`,
            status: 'active',
            title: `${sector.title} (demo)`,
            dateSigned: `${iso(awarded)}T00:00:00Z`,
            value: { amount: value, currency: 'GBP' },
            period,
            documents: [{ id: `${ocid}-uk7`, documentType: 'contractNotice', noticeType: 'UK7' }],
            ...(withKpis
              ? {
                  agreedMetrics: kpis.map((k) => ({
                    id: k.id,
                    title: k.title,
                    description: k.social ? `${k.title}, over the life of the contract` : 'Share of scheduled service delivered to the specification, each quarter',
                    observations: [{ id: `${k.id}-target`, measure: k.target, unit: { name: k.unit }, period }],
                  })),
                }
              : { noAgreedMetricsRationale: 'Performance is managed through the service specification and monthly contract meetings; no key performance indicators were set for this contract.' }),
          },
        ],
      });
      if (!withKpis) continue;

      // what was delivered: a contract update each quarter ended by `until`
      const reliability = rand() < 0.15 ? 0.55 : rand() < 0.3 ? 0.8 : 0.92 + rand() * 0.2;
      const quarters: Array<{ start: Date; end: Date; delivered: Map<string, number> }> = [];
      for (let q = start; addMonths(q, 3) <= until && q <= end; q = addMonths(q, 3)) {
        const qEnd = new Date(addMonths(q, 3).getTime() - DAY);
        const delivered = new Map<string, number>();
        for (const k of kpis.filter((x) => x.social)) {
          const perQuarter = k.target / (contractYears * 4);
          const quantity = perQuarter * reliability * (0.75 + rand() * 0.5);
          delivered.set(k.id, k.unit === 'GBP' ? Math.round(quantity) : round(quantity, 2));
        }
        quarters.push({ start: q, end: qEnd, delivered });
        releases.push({
          ...base,
          id: `${ocid}-update-${iso(q)}`,
          date: `${iso(new Date(Math.min(qEnd.getTime() + 15 * DAY, until.getTime())))}T09:00:00Z`,
          tag: ['contractUpdate'],
          contracts: [
            {
              id: contractId,
              awardID: `${ocid}-award-1`,
              implementation: {
                metrics: kpis.map((k) => ({
                  id: k.id,
                  title: k.title,
                  observations: [
                    {
                      id: `${k.id}-${iso(q)}`,
                      measure: k.social ? delivered.get(k.id)! : round(Math.min(100, 90 + rand() * 10), 1),
                      unit: { name: k.unit },
                      period: { startDate: iso(q), endDate: iso(qEnd) },
                    },
                  ],
                })),
              },
            },
          ],
        });
      }

      // the contract performance notices (UK9): every six months, the delivery to date rated (one in seven late: none)
      if (rand() < 1 / 7) continue;
      for (let h = 1; h * 2 <= quarters.length; h += 1) {
        const from = quarters[(h - 1) * 2].start;
        const to = quarters[h * 2 - 1].end;
        const elapsed = (to.getTime() - start.getTime() + DAY) / (end.getTime() - start.getTime() + DAY);
        const ratings = kpis.map((k) => {
          let step: number;
          if (k.social) {
            const delivered = quarters.slice(0, h * 2).reduce((sum, q) => sum + q.delivered.get(k.id)!, 0);
            const ratio = delivered / (k.target * elapsed);
            step = THRESHOLDS.findIndex((t) => ratio >= t);
            if (step < 0) step = 3;
            const kinder = rand();
            step = Math.max(0, step - (kinder < 0.05 ? 2 : kinder < 0.2 ? 1 : 0)); // buyers now and then rate kindly
          } else {
            const r = rand();
            step = r < 0.7 ? 0 : r < 0.9 ? 1 : 2;
          }
          return { k, classification: CLASSIFICATIONS[step] };
        });
        const failing = ratings.filter((r) => r.classification === 'significantlyBelow');
        const decided = new Date(Math.min(to.getTime() + 30 * DAY, until.getTime()));
        releases.push({
          ...base,
          id: `${ocid}-uk9-${iso(from)}`,
          date: `${iso(decided)}T12:00:00Z`,
          tag: ['contractUpdate'],
          contracts: [
            {
              id: contractId,
              awardID: `${ocid}-award-1`,
              documents: [{ id: `${ocid}-uk9-${iso(from)}`, documentType: 'contractNotice', noticeType: 'UK9' }],
              implementation: {
                metrics: ratings.map(({ k, classification }) => ({
                  id: k.id,
                  title: k.title,
                  observations: [
                    {
                      id: `${k.id}-rating-${iso(from)}`,
                      measureClassification: { id: classification, description: CLASSIFICATION_TEXT[classification] },
                      period: { startDate: iso(from), endDate: iso(to) },
                      notes: `Assessed at the contract review of ${iso(decided)}`,
                    },
                  ],
                })),
                ...(failing.length > 0
                  ? {
                      performanceFailures: failing.map(({ k }) => ({
                        id: `${ocid}-failure-${iso(from)}-${k.id}`,
                        requirement: k.title,
                        description: `Delivery against the KPI fell significantly below target in the period ${iso(from)} to ${iso(to)}`,
                        decisionDate: `${iso(decided)}T12:00:00Z`,
                        penaltyType: 'damages',
                        penaltyValue: { amount: Math.round(value * 0.002), currency: 'GBP' },
                      })),
                    }
                  : {}),
              },
            },
          ],
        });
      }
    }
  }
  return { text: () => packageText(releases, options.reportUntil), counts: { contracts: serial, releases: releases.length } };
}

function* packageText(releases: Array<Record<string, unknown>>, published: string): Generator<string> {
  yield '{"uri":"https://example.org/social-value-monitor/demo-notices.json","version":"1.1","publisher":{"name":"Social value monitor demo (not real notices)"},';
  yield `"publishedDate":"${published}T00:00:00Z","extensions":["https://raw.githubusercontent.com/open-contracting-extensions/ocds_metrics_extension/master/extension.json","https://raw.githubusercontent.com/cabinetoffice/ocds_uk_extension/main/extension.json"],"releases":[`;
  for (const [i, r] of releases.entries()) yield `${i === 0 ? '' : ','}\n${JSON.stringify(r)}`;
  yield '\n]}\n';
}
