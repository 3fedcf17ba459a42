import { Injectable } from '@nestjs/common';
import { overallRating } from '../../metrics/derive/valuation/delivery';
import { DomainError } from '../../metrics/platform/errors';
import { ContractsService } from '../../metrics/read/contracts/contracts.service';
import { NoticesService } from '../../metrics/read/notices/notices.service';
import { SectorsService } from '../../metrics/reference/sectors/sectors.service';
import type { Board, Subject, Tile } from '../board';
import { buildChart, fmt, single, type BuiltChart, type ChartContext, type DashboardQuery } from '../chart';
import { dayLabel, periodLabel } from '../contract-periods';
import { narrowRating } from '../procurement-act';
import { formatNumber } from '../format';
import { PALETTE, RATING_LABELS, RATINGS, ratingScale, type Rating } from '../theme';

const num = (v: unknown): number | null => (v === null || v === undefined || v === '' ? null : Number(v));

/** A contract as ContractsService.get gives it (the public notice fields the page shows). */
interface ContractNotice {
  id: number;
  reference: string;
  title: string | null;
  stage: string | null;
  authority_code: string;
  authority_name: string;
  supplier_name: string | null;
  cpv_code8: string | null;
  sector: string | null;
  value_gbp: string | number | null;
  award_date: string | null;
  start_date: string | null;
  end_date: string | null;
  in_scope: boolean | null;
  sv_weighting_pct: string | number | null;
  is_demo: boolean;
  suppliers: Array<{ name: string; scale: string | null; vcse: boolean | null }>;
}

/** A latest commitment with its delivery, and a latest return, as ContractsService.delivery gives them. */
interface CommitmentDelivery {
  id: number;
  measure: string;
  measure_name: string;
  period_start: string;
  period_end: string;
  target_canonical: string;
  canonical_unit: string;
  expected_to_date: string | null;
  delivered_to_date: string | null;
  delivery_ratio: string | null;
  rating: Rating | null;
}
interface OutcomeReturn {
  id: number;
  measure: string;
  measure_name: string;
  period_start: string;
  period_end: string;
  quantity: string;
  unit: string;
  quantity_canonical: string;
  canonical_unit: string;
  evidence_ref: string | null;
}

/** The notices of a contract as ContractsService.get gives them (GET /api/v1/contracts/{id}: notices). */
interface ContractNotices {
  kpis: Array<{ metric_id: string; title: string | null }>;
  kpi_rationale: string | null;
  ratings: Array<{ metric_id: string; period_start: string | Date; period_end: string | Date; rating: Rating; superseded: boolean }>;
}

/** The columns of the evidence table as drawn: heading and where it starts (a share of the width). */
const EVIDENCE_COLUMNS = [
  { title: 'Measure', at: 0 },
  { title: 'Period', at: 0.27 },
  { title: 'Quantity', at: 0.38 },
  { title: 'Evidence reference', at: 0.54 },
] as const;

const STAGES: Record<string, string> = { planning: 'Planning', tender: 'Tender', awarded: 'Awarded', terminated: 'Terminated', complete: 'Complete' };

/** The contract the query names; none: 400 (the service refuses a page without one first). */
function contractOf(query: DashboardQuery): string {
  const id = single(query.contract)?.trim();
  if (!id) throw new DomainError('invalid_parameter', 'contract is required: the dashboard is about one contract', { field: 'contract' });
  return id;
}

/**
 * One contract: what it promised and what it delivered. Its notice fields (buyer, suppliers, value, dates) are
 * public (GET /api/v1/contracts/{id}); its commitments, returns and evidence are supplier-level data
 * (GET /api/v1/contracts/{id}/delivery), read within the caller's scope: a key of another authority gets a 403.
 */
@Injectable()
export class ContractBoard implements Board {
  readonly name = 'contract';

  constructor(
    private readonly contracts: ContractsService,
    private readonly sectors: SectorsService,
    private readonly notices: NoticesService,
  ) {}

  private async notice(query: DashboardQuery): Promise<ContractNotice> {
    return (await this.contracts.get(contractOf(query))) as unknown as ContractNotice;
  }

  /** The contract's heading: its title (plain text: the page escapes it) and its notice's facts. */
  async subject(query: DashboardQuery): Promise<Subject> {
    const c = await this.notice(query);
    const division = c.sector ? (await this.sectors.listSectors()).data.find((s) => s.code === c.sector) : undefined;
    const suppliers = c.suppliers.length > 0 ? c.suppliers : c.supplier_name ? [{ name: c.supplier_name, scale: null, vcse: null }] : [];
    const supplierText = suppliers
      .map((s) => {
        const tags = [s.scale === 'sme' ? 'SME' : null, s.vcse ? 'VCSE' : null].filter(Boolean);
        return tags.length > 0 ? `${s.name} (${tags.join(', ')})` : s.name;
      })
      .join('; ');
    const weighting = num(c.sv_weighting_pct);
    const facts = [
      { label: 'Buyer', value: `${c.authority_name} (${c.authority_code})` },
      { label: suppliers.length > 1 ? 'Suppliers' : 'Supplier', value: supplierText || 'Not known' },
      { label: 'Value', value: await formatNumber(num(c.value_gbp), 'gbp') },
      { label: 'Award date', value: dayLabel(c.award_date) },
      { label: 'Start date', value: dayLabel(c.start_date) },
      { label: 'End date', value: dayLabel(c.end_date) },
      { label: 'Stage', value: c.stage ? (STAGES[c.stage] ?? c.stage) : '–' },
      {
        label: 'Sector',
        value: c.sector ? `${division ? division.label : 'CPV division'} (${c.sector}${c.cpv_code8 ? `; CPV ${c.cpv_code8}` : ''})` : '–',
      },
      { label: 'In scope of the Social Value Act', value: c.in_scope === null ? 'Not known' : c.in_scope ? 'Yes' : 'No' },
      { label: 'Social value weighting', value: weighting === null ? 'Not stated' : `${weighting.toLocaleString('en-GB', { maximumFractionDigits: 2 })}%` },
      ...(c.is_demo ? [{ label: 'Data', value: 'Demo data (made up for the demonstration)' }] : []),
    ];
    const ref = encodeURIComponent(c.reference);
    return {
      code: c.reference,
      name: c.title ?? c.reference,
      facts,
      demo: Boolean(c.is_demo),
      links: [
        { label: `${c.authority_name} against its peers`, href: `/dashboards/authority/${encodeURIComponent(c.authority_code)}` },
        { label: 'The contract (JSON)', href: `/api/v1/contracts/${ref}` },
        { label: 'Its commitments and returns (JSON, supplier-level data)', href: `/api/v1/contracts/${ref}/delivery` },
      ],
    };
  }

  /** The notice's figures: value and social value weighting (GET /api/v1/contracts/{id}). */
  async tiles(query: DashboardQuery): Promise<Tile[]> {
    const c = await this.notice(query);
    const weighting = num(c.sv_weighting_pct);
    const src = (field: string) => `GET /api/v1/contracts/${c.reference}: ${field}`;
    return [
      { name: 'value_gbp', label: 'Contract value', value: num(c.value_gbp), format: 'gbpShort', note: src('value_gbp') },
      {
        name: 'sv_weighting',
        label: 'Social value weighting at award',
        value: weighting === null ? null : weighting / 100,
        format: 'pct',
        note: src('sv_weighting_pct (as a share)'),
      },
    ];
  }

  readonly charts: Readonly<Record<string, (ctx: ChartContext) => Promise<BuiltChart>>> = {
    commitments: (ctx) => this.commitments(ctx),
    returns: (ctx) => this.returns(ctx),
    evidence: (ctx) => this.evidence(ctx),
    'official-ratings': (ctx) => this.officialRatings(ctx),
  };

  /**
   * The buyer's ratings of the contract in its contract performance notices (UK9), period by period: each KPI's latest
   * rating, the contract's (the worst of them), and beside it the contract's delivery rating from its returns as of the
   * period's last day (the ratings agreement's pair). Supplier-level, as that rating is: within the caller's scope.
   */
  private async officialRatings(ctx: ChartContext): Promise<BuiltChart> {
    const d = await this.delivery(ctx); // the scope's check (a 403 outside it)
    const [c, pairs] = await Promise.all([this.contracts.get(String(d.contract.id)), this.notices.contractPairs(d.contract.id)]);
    const notices = (c as unknown as { notices: ContractNotices }).notices;
    const titleOf = new Map(notices.kpis.map((k) => [k.metric_id, k.title ?? k.metric_id]));
    const day = (v: unknown) => (v instanceof Date ? v.toISOString() : String(v)).slice(0, 10);
    const latest = notices.ratings.filter((r) => !r.superseded);
    const periods = [...new Map(latest.map((r) => [`${day(r.period_start)} ${day(r.period_end)}`, { start: day(r.period_start), end: day(r.period_end) }])).values()].sort((a, b) =>
      a.end.localeCompare(b.end),
    );
    const pairOf = new Map(pairs.map((p) => [`${p.period_start} ${p.period_end}`, p]));
    const label = (r: Rating | null) => (r ? RATING_LABELS[r] : null);
    const OFFICIAL = 'The contract, by its buyer (the worst KPI)';
    const COMPUTED = 'The contract, from its returns';
    const rows: Array<Record<string, string | null>> = [];
    for (const p of periods) {
      const period = `${dayLabel(p.start)} to ${dayLabel(p.end)}`;
      const here = latest.filter((r) => day(r.period_start) === p.start && day(r.period_end) === p.end);
      for (const r of here) rows.push({ period, period_end: p.end, item: titleOf.get(r.metric_id) ?? r.metric_id, source: 'Contract performance notice (UK9)', rating: label(r.rating) });
      const pair = pairOf.get(`${p.start} ${p.end}`);
      rows.push({ period, period_end: p.end, item: OFFICIAL, source: 'Contract performance notice (UK9)', rating: label(pair?.official ?? overallRating(here.map((r) => r.rating))) });
      rows.push({ period, period_end: p.end, item: COMPUTED, source: 'Returns (commitments and outcomes)', rating: pair ? label(pair.computed) : null });
    }
    const items = [...new Set(rows.filter((r) => r.item !== OFFICIAL && r.item !== COMPUTED).map((r) => r.item as string)), OFFICIAL, COMPUTED];
    const last = periods.length > 0 ? pairOf.get(`${periods[periods.length - 1].start} ${periods[periods.length - 1].end}`) : undefined;
    const lastRows = rows.filter((r) => periods.length > 0 && r.period_end === periods[periods.length - 1].end);
    const lastOfficial = lastRows.find((r) => r.item === OFFICIAL)?.rating;
    const title =
      periods.length === 0
        ? 'No contract performance notice (UK9) rates this contract yet'
        : `Rated ${lastOfficial} by its buyer for ${lastRows[0].period}` + (last ? `; ${label(last.computed)} from its returns` : '; no rating from returns (no commitments)');
    const empty = notices.kpis.length > 0
      ? `No contract performance notice (UK9) rates this contract yet; its contract details notice (UK7) set ${notices.kpis.length} KPIs.`
      : notices.kpi_rationale
        ? `No contract performance notice (UK9) rates this contract yet; its contract details notice (UK7) set no KPIs: "${notices.kpi_rationale}"`
        : 'No contract performance notice (UK9) rates this contract yet.';
    return buildChart({
      title,
      subtitle: `Each period a contract performance notice (UK9) rated: each KPI's latest rating, the contract's (the worst of them), and its delivery rating from returns as of the period's last day; contract ${d.contract.reference}`,
      description: `A grid, one column per period rated and one row per KPI, then the contract's rating by its buyer and from its returns, each cell coloured and labelled with its rating. ${rows
        .map((r) => `${r.period}, ${r.item}: ${r.rating ?? 'none'}`)
        .join('; ')}.`,
      columns: [
        { field: 'period', title: 'Period assessed' },
        { field: 'item', title: 'KPI or contract' },
        { field: 'source', title: 'Source' },
        { field: 'rating', title: 'Rating' },
      ],
      rows,
      empty,
      spec: {
        height: { step: 34 },
        // the rating in words in each cell (its short form on a phone)
        transform: [{ calculate: `datum.rating === null ? 'none (no commitments)' : ${narrowRating('datum.rating', 'datum.rating')}`, as: 'label' }],
        encoding: {
          x: { field: 'period', type: 'ordinal', title: 'Period assessed', sort: { field: 'period_end' }, axis: { orient: 'top', labelAngle: 0, labelLimit: 200 } },
          y: { field: 'item', type: 'nominal', title: null, sort: items, axis: { labelLimit: 380 } },
          tooltip: [
            { field: 'period', title: 'Period assessed' },
            { field: 'item', title: 'KPI or contract' },
            { field: 'source', title: 'Source' },
            { field: 'rating', title: 'Rating' },
          ],
        },
        layer: [
          { mark: { type: 'rect', stroke: '#ffffff', strokeWidth: 2 }, encoding: { color: { field: 'rating', type: 'nominal', title: 'Rating', scale: ratingScale() } } },
          { mark: { type: 'text', baseline: 'middle', color: '#ffffff' }, encoding: { text: { field: 'label', type: 'nominal' } } },
        ],
      },
    });
  }

  /** Supplier-level: the contract's latest commitments and returns, within the caller's scope (403 outside it). */
  private async delivery(ctx: ChartContext) {
    const d = await this.contracts.delivery(contractOf(ctx.query), false, ctx.scope);
    return {
      contract: d.contract,
      asOf: d.delivery.as_of,
      ratingLabel: d.delivery.rating_label,
      commitments: d.commitments as unknown as CommitmentDelivery[],
      outcomes: d.outcomes as unknown as OutcomeReturn[],
    };
  }

  /** Each latest commitment: delivered to date as a share of expected to date, with its rating in words. */
  private async commitments(ctx: ChartContext) {
    const d = await this.delivery(ctx);
    // a commitment is named by its measure; by its period too when the measure has several commitments
    const perMeasure = new Map<string, number>();
    for (const c of d.commitments) perMeasure.set(c.measure, (perMeasure.get(c.measure) ?? 0) + 1);
    const seen = new Set<string>();
    const rows = d.commitments.map((c) => {
      const period = periodLabel(c.period_start, c.period_end);
      let label = perMeasure.get(c.measure)! > 1 ? `${c.measure_name}, ${period}` : c.measure_name;
      if (seen.has(label)) label = `${label} (#${c.id})`;
      seen.add(label);
      const rating: Rating = c.rating && (RATINGS as readonly string[]).includes(c.rating) ? c.rating : 'other';
      return {
        commitment: label,
        measure: c.measure,
        period,
        unit: c.canonical_unit,
        target: num(c.target_canonical),
        expected_to_date: num(c.expected_to_date),
        delivered_to_date: num(c.delivered_to_date),
        delivery_ratio: num(c.delivery_ratio),
        rating: RATING_LABELS[rating],
      };
    });
    const good = rows.filter((r) => r.rating === RATING_LABELS.good).length;
    const place = `contract ${d.contract.reference}`;
    const order = rows.map((r) => r.commitment);
    // room right of the longest bar and of the 100% mark for the rating's words
    const xMax = Math.max(1, ...rows.map((r) => r.delivery_ratio ?? 0)) * 1.4;
    return buildChart({
      title: rows.length === 0 ? 'This contract has no commitments' : `Rated ${d.ratingLabel} overall: ${good} of ${rows.length} ${rows.length === 1 ? 'commitment is' : 'commitments are'} on track (rated Good)`,
      subtitle: `Delivered to date as a % of expected to date, each latest commitment of ${place}; the grey mark at 100% is what was expected; as of ${dayLabel(d.asOf)}`,
      description:
        `Horizontal bars, one per commitment: what was delivered to date as a percentage of what was expected to date, each labelled with its rating ` +
        `(${rows.map((r) => `${r.commitment}: ${r.rating}`).join('; ')}). The contract's overall rating is ${d.ratingLabel}.`,
      columns: [
        { field: 'commitment', title: 'Commitment' },
        { field: 'measure', title: 'Measure' },
        { field: 'period', title: 'Period of the commitment' },
        { field: 'unit', title: 'Unit' },
        { field: 'target', title: 'Committed', format: 'num' },
        { field: 'expected_to_date', title: 'Expected to date', format: 'num' },
        { field: 'delivered_to_date', title: 'Delivered to date', format: 'num' },
        { field: 'delivery_ratio', title: 'Delivered of expected', format: 'pct' },
        { field: 'rating', title: 'Rating' },
      ],
      rows,
      empty: 'This contract has no commitments.',
      spec: {
        height: { step: 34 },
        encoding: {
          y: { field: 'commitment', type: 'nominal', title: null, sort: order, axis: { labelLimit: 360 } },
          tooltip: [
            { field: 'commitment', type: 'nominal', title: 'Commitment' },
            { field: 'period', type: 'nominal', title: 'Period' },
            { field: 'unit', type: 'nominal', title: 'Unit' },
            { field: 'target', type: 'quantitative', title: 'Committed', format: fmt('num') },
            { field: 'expected_to_date', type: 'quantitative', title: 'Expected to date', format: fmt('num') },
            { field: 'delivered_to_date', type: 'quantitative', title: 'Delivered to date', format: fmt('num') },
            { field: 'delivery_ratio', type: 'quantitative', title: 'Delivered of expected', format: fmt('pct') },
            { field: 'rating', type: 'nominal', title: 'Rating' },
          ],
        },
        layer: [
          {
            mark: { type: 'bar', height: { band: 0.6 } },
            encoding: {
              x: { field: 'delivery_ratio', type: 'quantitative', title: 'Delivered to date (% of expected to date)', scale: { domain: [0, xMax], nice: false }, axis: { format: '.0%' } },
              color: { field: 'rating', type: 'nominal', title: 'Rating', scale: ratingScale() },
            },
          },
          {
            transform: [{ calculate: '1', as: 'expected_share' }],
            mark: { type: 'tick', color: PALETTE.darkGrey, thickness: 2 },
            encoding: { x: { field: 'expected_share', type: 'quantitative', title: 'Delivered to date (% of expected to date)' } },
          },
          {
            transform: [
              // right of the bar and of the 100% mark, so neither hides the words
              { calculate: 'datum.delivery_ratio === null ? 1 : max(datum.delivery_ratio, 1)', as: 'label_at' },
              {
                calculate: "datum.delivery_ratio === null ? datum.rating + ': nothing expected yet' : datum.rating + ' (' + format(datum.delivery_ratio, '.0%') + ')'",
                as: 'label',
              },
            ],
            mark: { type: 'text', align: 'left', dx: 6 },
            encoding: {
              x: { field: 'label_at', type: 'quantitative', title: 'Delivered to date (% of expected to date)' },
              text: { field: 'label', type: 'nominal' },
            },
          },
        ],
      },
    });
  }

  /** The latest returns over time: each measure's quantity by period (its own scale: units differ). */
  private async returns(ctx: ChartContext) {
    const d = await this.delivery(ctx);
    const byKey = new Map<string, { measure: string; measure_name: string; unit: string; period: string; period_start: string; quantity: number; returns: number }>();
    for (const o of d.outcomes) {
      const period = periodLabel(o.period_start, o.period_end);
      const key = `${o.measure}\u0001${o.period_start}\u0001${o.period_end}`;
      const row = byKey.get(key) ?? { measure: o.measure, measure_name: o.measure_name, unit: o.canonical_unit, period, period_start: o.period_start, quantity: 0, returns: 0 };
      row.quantity += num(o.quantity_canonical) ?? 0;
      row.returns += 1;
      byKey.set(key, row);
    }
    const rows = [...byKey.values()]
      .sort((a, b) => (a.measure === b.measure ? (a.period_start < b.period_start ? -1 : 1) : a.measure < b.measure ? -1 : 1))
      .map((r) => ({ panel: `${r.measure_name} (${r.unit})`, measure: r.measure, period: r.period, period_start: r.period_start, quantity: r.quantity, unit: r.unit, returns: r.returns }));
    const measures = [...new Set(rows.map((r) => r.panel))];
    const latest = rows.reduce((m, r) => (r.period_start > m ? r.period_start : m), '');
    const latestPeriod = rows.find((r) => r.period_start === latest)?.period;
    return buildChart({
      title: rows.length === 0 ? 'No returns have been sent for this contract' : `${d.outcomes.length} returns on ${measures.length} ${measures.length === 1 ? 'measure' : 'measures'}, the latest for ${latestPeriod}`,
      subtitle: `Quantity reported in each period (latest revisions), each measure in its own unit (in brackets) and scale, contract ${d.contract.reference}`,
      description:
        `Line charts, one per measure, of the quantity the supplier reported in each period: ` +
        measures.map((m) => `${m}: ${rows.filter((r) => r.panel === m).length} periods`).join('; ') +
        '.',
      columns: [
        { field: 'measure', title: 'Measure' },
        { field: 'period', title: 'Period' },
        { field: 'period_start', title: 'Period start' },
        { field: 'quantity', title: 'Quantity', format: 'num' },
        { field: 'unit', title: 'Unit' },
        { field: 'returns', title: 'Returns', format: 'int' },
      ],
      rows,
      empty: 'No returns have been sent for this contract.',
      spec: {
        width: 560,
        height: 90,
        mark: { type: 'line', point: { filled: true, size: 50 }, tooltip: true, color: PALETTE.darkBlue },
        encoding: {
          row: {
            field: 'panel',
            type: 'nominal',
            title: null,
            sort: measures,
            header: { labelAngle: 0, labelAlign: 'left', labelAnchor: 'start', labelOrient: 'top', labelFontSize: 13, labelFontWeight: 'bold', labelLimit: 0 },
          },
          x: { field: 'period', type: 'ordinal', title: 'Period of the return', sort: { field: 'period_start', op: 'min' }, axis: { labelAngle: -45 } },
          y: { field: 'quantity', type: 'quantitative', title: 'Quantity', axis: { format: fmt('num'), tickCount: 3 } },
          tooltip: [
            { field: 'measure', type: 'nominal', title: 'Measure' },
            { field: 'period', type: 'ordinal', title: 'Period' },
            { field: 'quantity', type: 'quantitative', title: 'Quantity', format: fmt('num') },
            { field: 'unit', type: 'nominal', title: 'Unit' },
          ],
        },
        resolve: { scale: { y: 'independent' } },
      },
    });
  }

  /** The evidence reference of each latest return, as a table drawn in text. */
  private async evidence(ctx: ChartContext) {
    const d = await this.delivery(ctx);
    const rows = d.outcomes.map((o) => ({
      measure: o.measure,
      period: periodLabel(o.period_start, o.period_end),
      quantity: num(o.quantity_canonical),
      unit: o.canonical_unit,
      evidence_ref: o.evidence_ref && o.evidence_ref.trim() !== '' ? o.evidence_ref : null,
    }));
    const named = rows.filter((r) => r.evidence_ref !== null).length;
    return buildChart({
      title: rows.length === 0 ? 'No returns have been sent for this contract' : named === rows.length ? `All ${rows.length} returns name their evidence` : `${named} of ${rows.length} returns name their evidence`,
      subtitle: `The evidence reference of each latest return, by measure and period, contract ${d.contract.reference}`,
      description: `A table of ${rows.length} returns: measure, period, quantity with its unit, and the evidence reference; ${rows.length - named} name none.`,
      columns: [
        { field: 'measure', title: 'Measure' },
        { field: 'period', title: 'Period' },
        { field: 'quantity', title: 'Quantity', format: 'num' },
        { field: 'unit', title: 'Unit' },
        { field: 'evidence_ref', title: 'Evidence reference' },
      ],
      rows,
      empty: 'No returns have been sent for this contract.',
      spec: {
        height: { step: 22 },
        encoding: {
          x: { field: 'at', type: 'quantitative', scale: { domain: [0, 1] }, axis: null },
          y: { field: 'row', type: 'ordinal', axis: null },
          text: { field: 'value', type: 'nominal' },
        },
        layer: [
          {
            // the column headings: drawn above the first row (row 0), in bold
            data: { values: EVIDENCE_COLUMNS.map((c) => ({ value: c.title, at: c.at, row: 0 })) },
            mark: { type: 'text', align: 'left', baseline: 'middle', fontWeight: 'bold' },
          },
          {
            transform: [
              { window: [{ op: 'row_number', as: 'row' }] },
              { calculate: 'datum.measure', as: 'Measure' },
              { calculate: 'datum.period', as: 'Period' },
              { calculate: `format(datum.quantity, '${fmt('num')}') + ' ' + datum.unit`, as: 'Quantity' },
              { calculate: "datum.evidence_ref === null ? '(none)' : datum.evidence_ref", as: 'Evidence reference' },
              { fold: EVIDENCE_COLUMNS.map((c) => c.title), as: ['column', 'value'] },
              { calculate: `${JSON.stringify(Object.fromEntries(EVIDENCE_COLUMNS.map((c) => [c.title, c.at])))}[datum.column]`, as: 'at' },
            ],
            mark: { type: 'text', align: 'left', baseline: 'middle', limit: 460 },
            encoding: {
              tooltip: [
                { field: 'measure', type: 'nominal', title: 'Measure' },
                { field: 'period', type: 'nominal', title: 'Period' },
                { field: 'quantity', type: 'quantitative', title: 'Quantity', format: fmt('num') },
                { field: 'unit', type: 'nominal', title: 'Unit' },
                { field: 'evidence_ref', type: 'nominal', title: 'Evidence reference' },
              ],
            },
          },
        ],
      },
    });
  }
}
