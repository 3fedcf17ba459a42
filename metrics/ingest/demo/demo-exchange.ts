import { addDays } from '../../platform/periods';
import { prng } from './demo-data';

/** A demo contract's commitment of a measure the exchange deals in. */
export interface DemoExchangeCommitment {
  contract: string;
  authority: string;
  authority_name: string;
  measure: string;
  committed: number;
  start_date: string | null;
  end_date: string | null;
}

/** The resource kinds the demo asks and offers, each with the measure it advances, its unit and a typical size. */
export const DEMO_EXCHANGE_KINDS = [
  { kind: 'volunteer_hours', measure: 'SVM-VOLUNTEER-HOURS', unit: 'hour', min: 20, max: 240, titles: ['Volunteers for the Saturday food hub', 'Befrienders for older residents', 'Hands to refurbish the community garden', 'Helpers for the holiday activity club'] },
  { kind: 'skilled_hours', measure: 'SVM-EMPLOYABILITY-HOURS', unit: 'hour', min: 10, max: 90, titles: ['Mentors for young people leaving care', 'CV and interview coaching sessions', 'Careers talks in the youth centre', 'Digital skills tutoring'] },
  { kind: 'placement_weeks', measure: 'SVM-TRAINING-WEEKS', unit: 'week', min: 2, max: 16, titles: ['Work placements for supported interns', 'Construction taster placements', 'Office placements for returners'] },
  { kind: 'cash', measure: 'SVM-DONATIONS-VCSE', unit: 'GBP', min: 500, max: 8000, titles: ['Funding for the winter warm space', 'Grant towards the minibus', 'Funding for school holiday meals'] },
  { kind: 'equipment', measure: 'SVM-IN-KIND-VCSE', unit: 'GBP', min: 300, max: 5000, titles: ['Laptops for the digital inclusion drop-in', 'Kitchen equipment for the community cafe', 'Tools for the repair cafe'] },
  { kind: 'venue_hours', measure: 'SVM-IN-KIND-VCSE', unit: 'GBP', min: 200, max: 2500, titles: ['Meeting room for the carers group', 'Hall hire for the youth club'] },
] as const;

const ORG_WORDS = ['Community Pantry', 'Youth Trust', 'Carers Network', 'Foundation', 'Community Association', 'Repair Cafe', 'Food Bank', 'Men\'s Shed', 'Family Hub'];

export interface DemoExchangePlan {
  organisations: Array<{ identifier: string; name: string; authorities: string[] }>;
  needs: Array<{ organisation: string; reference: string; title: string; resource_kind: string; quantity: string; unit: string; measure: string; authority: string; needed_by: string }>;
  pledges: Array<{
    contract: string;
    reference: string;
    title: string;
    resource_kind: string;
    quantity: string;
    unit: string;
    measure: string;
    reach: string;
    available_from: string;
    available_to: string;
  }>;
  /** For each proposal in turn (by a seeded draw): how far it goes, and how many days ago it started. */
  fate(): { to: 'proposed' | 'declined' | 'accepted' | 'delivered' | 'confirmed'; daysAgo: number };
}


/**
 * The demo exchange over the demo contracts that commit to what the exchange deals in (volunteering, mentoring,
 * placements, donations, in-kind support): a community organisation in each of their authorities (up to
 * `maxAuthorities`, 30 by default) with two to four needs, and a pledge from each of those contracts still in
 * force against its commitment (a third to two thirds of it). Deterministic for a seed. Identifiers are in a demo range
 * (GB-CHC-99xxxxx).
 */
export function demoExchange(commitments: readonly DemoExchangeCommitment[], options: { seed: number; today: string; maxAuthorities?: number; featured?: readonly string[] }): DemoExchangePlan {
  const rand = prng(options.seed + 15);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)];
  const between = (min: number, max: number) => min + rand() * (max - min);
  const byAuthority = new Map<string, DemoExchangeCommitment[]>();
  for (const c of commitments) {
    if (!byAuthority.has(c.authority)) byAuthority.set(c.authority, []);
    byAuthority.get(c.authority)!.push(c);
  }
  // the authorities the documentation's examples name first, then the others in code order
  const featured = options.featured ?? [];
  const authorities = [...byAuthority.keys()]
    .sort((x, y) => Number(!featured.includes(x)) - Number(!featured.includes(y)) || x.localeCompare(y))
    .slice(0, options.maxAuthorities ?? 30);
  const organisations: DemoExchangePlan['organisations'] = [];
  const needs: DemoExchangePlan['needs'] = [];
  authorities.forEach((code, i) => {
    const place = byAuthority.get(code)![0].authority_name.replace(/ (City|Borough|District|Metropolitan Borough|County) Council$| Council$/, '');
    const identifier = `GB-CHC-99${String(10000 + i).padStart(5, '0')}`;
    organisations.push({ identifier, name: `${place} ${pick(ORG_WORDS)}`, authorities: [code] });
    const count = 2 + Math.floor(rand() * 3);
    for (let n = 0; n < count; n += 1) {
      const k = pick(DEMO_EXCHANGE_KINDS);
      const qty = k.unit === 'GBP' ? Math.round(between(k.min, k.max) / 50) * 50 : Math.round(between(k.min, k.max));
      needs.push({
        organisation: identifier,
        reference: `N${n + 1}`,
        title: pick(k.titles),
        resource_kind: k.kind,
        quantity: String(qty),
        unit: k.unit,
        measure: k.measure,
        authority: code,
        needed_by: addDays(options.today, 30 + Math.floor(rand() * 300)),
      });
    }
  });
  const pledges: DemoExchangePlan['pledges'] = [];
  const inPlay = new Set(authorities);
  let p = 0;
  for (const c of commitments) {
    if (!inPlay.has(c.authority) || (c.end_date !== null && c.end_date < options.today)) continue;
    const kinds = DEMO_EXCHANGE_KINDS.filter((k) => k.measure === c.measure);
    if (kinds.length === 0 || c.committed <= 0) continue;
    const k = pick(kinds);
    const share = between(0.33, 0.67);
    const qty = k.unit === 'GBP' ? Math.max(100, Math.round((c.committed * share) / 50) * 50) : Math.max(1, Math.round(c.committed * share));
    p += 1;
    pledges.push({
      contract: c.contract,
      reference: `P${p}`,
      title: `${k.kind === 'cash' ? 'Donation' : k.kind === 'equipment' || k.kind === 'venue_hours' ? 'In-kind support' : 'Staff time'} under ${c.contract}`,
      resource_kind: k.kind,
      quantity: String(qty),
      unit: k.unit,
      measure: c.measure,
      reach: pick(['authority', 'neighbours', 'neighbours', 'region', 'national']),
      available_from: addDays(options.today, -Math.floor(rand() * 60)),
      available_to: addDays(options.today, 120 + Math.floor(rand() * 240)),
    });
  }
  return {
    organisations,
    needs,
    pledges,
    fate: () => {
      const r = rand();
      const daysAgo = 20 + Math.floor(rand() * 300);
      if (r < 0.2) return { to: 'proposed', daysAgo };
      if (r < 0.3) return { to: 'declined', daysAgo };
      if (r < 0.5) return { to: 'accepted', daysAgo };
      if (r < 0.65) return { to: 'delivered', daysAgo };
      return { to: 'confirmed', daysAgo };
    },
  };
}
