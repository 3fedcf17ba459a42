import { KIND_LABELS } from '../describe';
import { Injectable } from '@nestjs/common';
import { BenchmarksService, type BenchmarkResult } from '../../metrics/read/benchmarks/benchmarks.service';
import { ContractsService } from '../../metrics/read/contracts/contracts.service';
import { IndicatorsService } from '../../metrics/read/indicators/indicators.service';
import { MeasuresService } from '../../metrics/read/measures/measures.service';
import { PeerGroupsService } from '../../metrics/read/peers/peer-groups.service';
import { tierOf } from '../../metrics/read/peers/peer-features';
import { PEER_METHODS, PeersService, type PeerMethod, type PeerQuery } from '../../metrics/read/peers/peers.service';
import { AuthoritiesService } from '../../metrics/reference/authorities/authorities.service';
import { invalidParameter } from '../../metrics/reference/read-filter/read-filter';
import type { Board, Subject, Tile } from '../board';
import { buildChart, fmt, single, type BuiltChart, type ChartContext, type Column, type DashboardQuery, type Row, type VlSpec } from '../chart';
import { formatNumber } from '../format';
import {
  BETTER_WORDS,
  indicatorOrder,
  peerIndicator,
  peerMedianByPeriod,
  periodWords,
  SCALE_AXES,
  sideOfMedian,
  type IndicatorScale,
} from '../peer-indicators';
import { noPaymentReports, officialRatingsChart, PAYMENT_WORDS } from '../procurement-act';
import { CATEGORY_LABELS, categoryScale, HIGHLIGHT, MUTED, PALETTE, ratingScale, SEQUENTIAL, type Category } from '../theme';

const num = (v: unknown): number | null => (v === null || v === undefined || v === '' ? null : Number(v));

/** The page's peer methods, as its select offers them. */
export const PEER_METHOD_LABELS: Record<PeerMethod, string> = {
  nearest: 'Nearest neighbours',
  same_subtype: 'Same kind and subtype',
  same_region: 'Same region and tier',
  cluster: 'Same mySociety similarity cluster',
  group: 'A named peer group',
};


/** Indicators the trend draws (all shares 0..1, so they share one % scale). */
export const TREND_INDICATORS = ['delivery_ratio', 'reporting_compliance', 'sv_evaluated_share', 'sme_value_share'] as const;
/** How many contracts the contracts chart draws at most (the largest by £ expected to date). */
export const MAX_CONTRACTS = 40;

const PANEL_WIDTH = 520;

/** A vconcat or facet spec has no top-level width in the Vega-Lite schema: its panels carry their own. */
function withoutTopWidth(built: BuiltChart): BuiltChart {
  if (built.rows.length === 0) return built;
  const { width: _width, ...spec } = built.spec;
  return { ...built, spec };
}

function periodOf(query: DashboardQuery) {
  return { from: single(query.from) || undefined, to: single(query.to) || undefined };
}

/**
 * Authority against its peers: one council or public body against its peer group on each indicator (LG Inform's
 * convention: the peers' quartile band, their median, the authority highlighted, and which way is good), its trend
 * against the peer median, its mix of themes, and its contracts with their delivery ratings.
 */
@Injectable()
export class AuthorityBoard implements Board {
  readonly name = 'authority';

  constructor(
    private readonly authorities: AuthoritiesService,
    private readonly benchmarks: BenchmarksService,
    private readonly indicators: IndicatorsService,
    private readonly peers: PeersService,
    private readonly groups: PeerGroupsService,
    private readonly measures: MeasuresService,
    private readonly contracts: ContractsService,
  ) {}

  readonly charts = {
    'peer-strip': (ctx: ChartContext) => this.peerStrip(ctx),
    trend: (ctx: ChartContext) => this.trend(ctx),
    themes: (ctx: ChartContext) => this.themes(ctx),
    contracts: (ctx: ChartContext) => this.contractRatings(ctx),
    'official-ratings': (ctx: ChartContext) => this.officialRatings(ctx),
    'payment-times': (ctx: ChartContext) => this.paymentTimes(ctx),
  };

  private code(query: DashboardQuery): string {
    const code = single(query.authority)?.trim();
    if (!code) throw invalidParameter('authority', 'authority is required: the dashboard is about one authority');
    return code;
  }

  /**
   * The peer method of the query (the page's select): given, or by default nearest neighbours for a council and the
   * same kind and subtype for any other body (nearest neighbours are computed for councils only).
   */
  async peerQuery(query: DashboardQuery): Promise<PeerQuery> {
    const code = this.code(query);
    const given = single(query.peers)?.trim();
    const group = single(query.group)?.trim() || undefined;
    if (given) {
      if (!(PEER_METHODS as readonly string[]).includes(given)) {
        throw invalidParameter('peers', `peers must be one of ${PEER_METHODS.join(', ')}`, given);
      }
      return { method: given as PeerMethod, group };
    }
    if (group) return { method: 'group', group };
    const a = await this.authorities.get(code);
    return { method: tierOf(a) === null ? 'same_subtype' : 'nearest' };
  }

  async subject(query: DashboardQuery): Promise<Subject> {
    const a = await this.authorities.get(this.code(query));
    const facts: Subject['facts'] = [{ label: 'Kind', value: KIND_LABELS[a.kind] ?? a.kind }];
    if (a.subtype) facts.push({ label: 'Subtype', value: a.subtype });
    if (a.region) facts.push({ label: 'Region', value: a.region });
    if (a.nation) facts.push({ label: 'Nation', value: a.nation });
    if (a.population !== null) facts.push({ label: 'Population', value: await formatNumber(a.population, 'int') });
    if (a.parent) facts.push({ label: 'Part of', value: a.parent.name });
    if (a.combined_authority) facts.push({ label: 'Combined authority', value: a.combined_authority.name });
    const code = encodeURIComponent(a.code);
    return {
      code: a.code,
      name: a.name,
      facts,
      links: [
        { label: 'Its contracts (API)', href: `/api/v1/contracts?authority=${code}` },
        { label: 'Its benchmarks (API)', href: `/api/v1/benchmarks/${code}` },
        { label: 'Its peer group (API)', href: `/api/v1/authorities/${code}/peers` },
        { label: 'The authority (API)', href: `/api/v1/authorities/${code}` },
      ],
    };
  }

  /** Headline figures of the benchmark: the authority's value, and the peer median in the label. */
  async tiles(query: DashboardQuery): Promise<Tile[]> {
    const code = this.code(query);
    const peers = await this.peerQuery(query);
    const b = await this.benchmarks.benchmark(code, { peers, ...periodOf(query) });
    const names = ['delivery_ratio', 'sv_evaluated_share', 'reporting_compliance', 'sme_value_share', 'vcse_value_share'];
    const tiles: Tile[] = [];
    for (const name of names) {
      const i = b.indicators.find((x) => x.indicator === name);
      const meta = peerIndicator(name);
      const median = i?.peer_median ?? null;
      tiles.push({
        name,
        label: `${meta.label} (peer median ${await formatNumber(median, 'pct')}; ${BETTER_WORDS[meta.better]})`,
        value: i?.value ?? null,
        format: 'pct',
        note: `GET /api/v1/benchmarks/${code}?peers=${peers.method}: indicators[${name}].value against peer_median, over ${b.peer_group.count} peers (${b.peer_group.method})`,
      });
    }
    return tiles;
  }

  async options(_query: DashboardQuery): Promise<Record<string, { value: string; label: string }[]>> {
    const groups = await this.groups.list();
    return {
      peers: PEER_METHODS.map((m) => ({ value: m, label: PEER_METHOD_LABELS[m] })),
      group: groups.map((g) => ({ value: g.name, label: g.description ? `${g.name}: ${g.description}` : g.name })),
    };
  }

  /** Each indicator: the peers' values as dots, their quartile band and median, the authority highlighted. */
  private async peerStrip(ctx: ChartContext): Promise<BuiltChart> {
    const code = this.code(ctx.query);
    const peers = await this.peerQuery(ctx.query);
    const period = periodOf(ctx.query);
    const { result, values } = await this.benchmarks.benchmarkWithValues(code, { peers, ...period });
    const name = result.authority.short_name ?? result.authority.name;
    const rows = peerStripRows(result, values, name);
    const shown = [...new Set(rows.map((r) => String(r.indicator)))];
    const verdicts = shown.map((ind) => {
      const b = result.indicators.find((x) => x.indicator === ind)!;
      return sideOfMedian(b.value, b.peer_median, peerIndicator(ind).better);
    });
    const judged = verdicts.filter((v) => v !== null).length;
    const better = verdicts.filter((v) => v === 1).length;
    const worse = verdicts.filter((v) => v === -1).length;
    const title =
      judged === 0
        ? `${name} against its peers on each indicator`
        : `${name} is on the better side of its peers' median on ${better} of ${judged} indicators` + (worse > 0 ? `, the worse side on ${worse}` : '');

    // shares share one % axis; every other scale (£ per £, £ per resident, %) is a panel of its own
    const panels: Array<{ scale: IndicatorScale; indicators: string[] }> = [];
    const shares = shown.filter((i) => peerIndicator(i).scale === 'share');
    if (shares.length > 0) panels.push({ scale: 'share', indicators: shares });
    for (const i of shown.filter((x) => peerIndicator(x).scale !== 'share')) panels.push({ scale: peerIndicator(i).scale, indicators: [i] });

    const built = buildChart({
      title,
      subtitle: `${result.authority.name} and ${result.peer_group.count} peers (${PEER_METHOD_LABELS[result.peer_group.method]}), awarded ${periodWords(period.from, period.to)}. Band: middle half of the peers; tick: their median`,
      description: `Dot plot, one row per indicator: each peer's value as a grey circle, the band from the peers' lower to upper quartile, the peer median as a dark tick, and ${name} as a large orange diamond with its value. ${shown
        .map((ind) => {
          const b = result.indicators.find((x) => x.indicator === ind)!;
          const m = peerIndicator(ind);
          return `${m.label}: ${name} ${b.value === null ? 'no data' : b.value}, peer median ${b.peer_median === null ? 'no data' : b.peer_median} (${BETTER_WORDS[m.better]})`;
        })
        .join('; ')}.`,
      columns: PEER_STRIP_COLUMNS,
      rows,
      empty: `Neither ${name} nor its peers have figures for contracts awarded ${periodWords(period.from, period.to)}.`,
      spec: {
        spacing: 24,
        resolve: { scale: { x: 'independent' }, axis: { x: 'independent' } },
        vconcat: panels.map((p) => peerPanel(p.scale, p.indicators, name)),
      },
    });
    return withoutTopWidth(built);
  }

  /** The authority's indicators by quarter of award, each against its peers' median in that quarter. */
  private async trend(ctx: ChartContext): Promise<BuiltChart> {
    const code = this.code(ctx.query);
    const peerQuery = await this.peerQuery(ctx.query);
    const period = periodOf(ctx.query);
    const set = await this.peers.peers(code, peerQuery);
    const name = set.authority.short_name ?? set.authority.name;
    const wanted = single(ctx.query.indicator);
    const indicators = wanted && peerIndicator(wanted).scale === 'share' ? [wanted] : [...TREND_INDICATORS];
    const result = await this.indicators.implementation({
      authority: [set.authority.code, ...set.peers.map((p) => p.code)],
      group_by: ['authority', 'period'],
      period_type: 'quarter',
      basis: single(ctx.query.basis),
      ...period,
    });
    const dated = result.rows.filter((r) => r.period !== null);
    const rows: Row[] = [];
    const medianLabel = `Peer median (${set.count} peers)`;
    let judged = 0;
    let better = 0;
    for (const ind of indicators) {
      const meta = peerIndicator(ind);
      const label = `${meta.label} (${BETTER_WORDS[meta.better]})`;
      const values = dated.map((r) => ({ authority: String(r.authority), period: String(r.period), value: num(r[ind]) }));
      const medians = peerMedianByPeriod(values, set.authority.code);
      const own = new Map(values.filter((v) => v.authority === set.authority.code).map((v) => [v.period, v.value]));
      for (const p of [...new Set(values.map((v) => v.period))].sort()) {
        const v = own.get(p) ?? null;
        const m = medians.get(p) ?? { median: null, n: 0 };
        if (v !== null) rows.push({ indicator: ind, indicator_label: label, period: p, series: name, value: v, n_peers: null });
        if (m.median !== null) rows.push({ indicator: ind, indicator_label: label, period: p, series: medianLabel, value: m.median, n_peers: m.n });
        const side = sideOfMedian(v, m.median, meta.better);
        if (ind === indicators[0] && side !== null) {
          judged += 1;
          if (side === 1) better += 1;
        }
      }
    }
    const first = peerIndicator(indicators[0]);
    const spec: VlSpec = {
      width: 260,
      height: 160,
      mark: { type: 'line', point: { filled: true, size: 50 }, tooltip: true },
      encoding: {
        facet: { field: 'indicator_label', type: 'nominal', title: null, columns: 2, sort: indicators.map((i) => `${peerIndicator(i).label} (${BETTER_WORDS[peerIndicator(i).better]})`) },
        x: { field: 'period', type: 'ordinal', title: 'Quarter of contract award', axis: { labelAngle: -45 } },
        y: { field: 'value', type: 'quantitative', title: 'Share (%)', axis: { format: fmt('pctAxis'), tickCount: 6 } },
        color: { field: 'series', type: 'nominal', title: null, scale: { domain: [name, medianLabel], range: [HIGHLIGHT, PALETTE.darkGrey] } },
        strokeDash: { field: 'series', type: 'nominal', title: null, scale: { domain: [name, medianLabel], range: [[1, 0], [6, 4]] } },
        shape: { field: 'series', type: 'nominal', title: null, scale: { domain: [name, medianLabel], range: ['diamond', 'circle'] } },
        strokeWidth: { field: 'series', type: 'ordinal', sort: [name, medianLabel], legend: null, scale: { domain: [name, medianLabel], range: [3, 2] } },
        tooltip: [
          { field: 'indicator_label', title: 'Indicator' },
          { field: 'period', title: 'Quarter of award' },
          { field: 'series', title: 'Series' },
          { field: 'value', title: 'Value', type: 'quantitative', format: fmt('pct') },
          { field: 'n_peers', title: 'Peers with a value', type: 'quantitative', format: fmt('int') },
        ],
      },
    };
    const built = buildChart({
      title:
        judged === 0
          ? `${name} against its peers' median, quarter by quarter`
          : `${name}'s ${first.label.toLowerCase()} was on the better side of the peer median in ${better} of ${judged} quarters`,
      subtitle: `By quarter of contract award, ${name} against the median of ${set.count} peers (${PEER_METHOD_LABELS[set.method]}), awarded ${periodWords(period.from, period.to)}; as of ${result.as_of}`,
      description: `Small multiples of line charts, one per indicator (${indicators.map((i) => peerIndicator(i).label).join(', ')}; £ on the ${result.basis} basis): ${name} as a solid orange line with diamonds, the peers' median as a dashed grey line with circles, by quarter of contract award, on a percentage scale.`,
      columns: [
        { field: 'indicator_label', title: 'Indicator' },
        { field: 'period', title: 'Quarter of award' },
        { field: 'series', title: 'Series' },
        { field: 'value', title: 'Value', format: 'pct' },
        { field: 'n_peers', title: 'Peers with a value', format: 'int' },
      ],
      rows,
      empty: `Neither ${name} nor its peers have these figures for contracts awarded ${periodWords(period.from, period.to)}.`,
      spec,
    });
    return withoutTopWidth(built);
  }

  /** The authority's £ of social value by theme (coloured by category) on the basis. */
  private async themes(ctx: ChartContext): Promise<BuiltChart> {
    const code = this.code(ctx.query);
    const a = await this.authorities.get(code);
    const name = a.short_name ?? a.name;
    const period = periodOf(ctx.query);
    const result = await this.measures.summary({ authority: a.code, group_by: ['theme', 'category'], basis: single(ctx.query.basis), ...period });
    const rows: Row[] = result.rows
      .filter((r) => r.value_gbp !== null)
      .map((r) => {
        const category = CATEGORY_LABELS[r.category as Category] ?? String(r.category);
        return {
          theme: String(r.theme),
          theme_name: String(r.theme_name),
          category: category,
          theme_label: `${String(r.theme_name)} (${category})`,
          value_gbp: num(r.value_gbp) ?? 0,
          returns: num(r.returns) ?? 0,
        };
      })
      .sort((x, y) => (y.value_gbp as number) - (x.value_gbp as number));
    const total = rows.reduce((s, r) => s + (r.value_gbp as number), 0);
    const top = rows[0];
    const share = top && total > 0 ? (top.value_gbp as number) / total : null;
    return buildChart({
      title: top && share !== null ? `${await formatNumber(share, 'pct')} of ${name}'s social value is in ${top.theme_name}` : `${name}'s social value by theme`,
      subtitle: `£ delivered (${result.basis} basis, ${result.base_year} prices) by theme and category, ${a.name}, outcomes ending ${periodWords(period.from, period.to)}`,
      description: `Horizontal bars of £ delivered by theme, largest first, each labelled with its theme and category and its £. In all ${await formatNumber(total, 'gbp')}${top ? `; the largest theme is ${top.theme_name} with ${await formatNumber(top.value_gbp as number, 'gbp')}` : ''}.`,
      columns: [
        { field: 'theme_name', title: 'Theme' },
        { field: 'category', title: 'Category' },
        { field: 'value_gbp', title: '£ delivered', format: 'gbp' },
        { field: 'returns', title: 'Returns', format: 'int' },
      ],
      rows,
      empty: `${name} has no social value returns ending ${periodWords(period.from, period.to)}.`,
      spec: {
        height: { step: 26 },
        encoding: {
          y: { field: 'theme_label', type: 'nominal', title: null, sort: null, axis: { labelLimit: 320 } },
          x: { field: 'value_gbp', type: 'quantitative', title: '£ delivered (pounds)', axis: { format: fmt('gbpShort') } },
        },
        layer: [
          {
            mark: { type: 'bar', tooltip: true },
            encoding: {
              color: { field: 'category', type: 'nominal', title: 'Category', scale: categoryScale() },
              tooltip: [
                { field: 'theme_name', title: 'Theme' },
                { field: 'category', title: 'Category' },
                { field: 'value_gbp', title: '£ delivered', type: 'quantitative', format: fmt('gbp') },
                { field: 'returns', title: 'Returns', type: 'quantitative', format: fmt('int') },
              ],
            },
          },
          { mark: { type: 'text', align: 'left', dx: 4 }, encoding: { text: { field: 'value_gbp', type: 'quantitative', format: fmt('gbpShort') } } },
        ],
      },
    });
  }

  /** The authority's official ratings (UK9) beside its ratings from returns, its KPI publication and notices due. */
  private async officialRatings(ctx: ChartContext): Promise<BuiltChart> {
    const a = await this.authorities.get(this.code(ctx.query));
    const name = a.short_name ?? a.name;
    const period = periodOf(ctx.query);
    const result = await this.indicators.implementation({ authority: a.code, ...period });
    const r = result.rows[0] ?? {};
    const due = num(r.kpi_contracts) ?? 0;
    return officialRatingsChart(r, {
      who: `${name}: `,
      where: `${a.name}, awarded ${periodWords(period.from, period.to)}`,
      asOf: result.as_of,
      empty:
        `${name} has published no contract details or performance notices (UK7, UK9) for contracts awarded ${periodWords(period.from, period.to)} yet.` +
        (due > 0 ? ` ${await formatNumber(due, 'int')} of its contracts over £5m awarded since 24 February 2025 should publish KPIs.` : ''),
    });
  }

  /**
   * The authority's payment times report by report (by the quarter each period ends) against its peers' median: average
   * days to pay drawn, the share paid within 30 days written on each of its points; both, and the share not paid when
   * due, in the rows.
   */
  private async paymentTimes(ctx: ChartContext): Promise<BuiltChart> {
    const code = this.code(ctx.query);
    const period = periodOf(ctx.query);
    const set = await this.peers.peers(code, await this.peerQuery(ctx.query));
    const name = set.authority.short_name ?? set.authority.name;
    const result = await this.indicators.implementation({ authority: [set.authority.code, ...set.peers.map((p) => p.code)], group_by: ['authority', 'period'], period_type: 'quarter', ...period });
    const dated = result.rows.filter((r) => r.period !== null && (num(r.payment_reports) ?? 0) > 0);
    const medianLabel = `Peer median (${set.count} peers)`;
    const fields = ['average_days_to_pay', 'paid_within_30_days_share', 'not_paid_when_due_share'] as const;
    const medians = Object.fromEntries(
      fields.map((f) => [f, peerMedianByPeriod(dated.map((r) => ({ authority: String(r.authority), period: String(r.period), value: num(r[f]) })), set.authority.code)]),
    ) as Record<(typeof fields)[number], ReturnType<typeof peerMedianByPeriod>>;
    const own = new Map(dated.filter((r) => r.authority === set.authority.code).map((r) => [String(r.period), r]));
    const periods = [...new Set(dated.map((r) => String(r.period)))].sort();
    const rows: Row[] = [];
    for (const p of periods) {
      const r = own.get(p);
      if (r) {
        rows.push({ period: p, series: name, average_days_to_pay: num(r.average_days_to_pay), paid_within_30_days_share: num(r.paid_within_30_days_share), not_paid_when_due_share: num(r.not_paid_when_due_share), payment_reports: num(r.payment_reports), n_peers: null });
      }
      const m = medians.average_days_to_pay.get(p);
      if (m && m.median !== null) {
        rows.push({
          period: p,
          series: medianLabel,
          average_days_to_pay: m.median,
          paid_within_30_days_share: medians.paid_within_30_days_share.get(p)?.median ?? null,
          not_paid_when_due_share: medians.not_paid_when_due_share.get(p)?.median ?? null,
          payment_reports: null,
          n_peers: m.n,
        });
      }
    }
    const mine = rows.filter((x) => x.series === name);
    const last = mine[mine.length - 1];
    const lastMedian = last ? rows.find((x) => x.series === medianLabel && x.period === last.period) : undefined;
    const days = (v: unknown) => formatNumber(num(v), 'ratio');
    const title = last
      ? `${name} took ${await days(last.average_days_to_pay)} days on average to pay an invoice in its latest report (period ending in ${last.period})` +
        (lastMedian ? `, against a peer median of ${await days(lastMedian.average_days_to_pay)}` : '')
      : `${name} has no payments compliance report yet`;
    const series = { domain: [name, medianLabel] };
    return buildChart({
      title,
      subtitle: `Average days to pay an invoice (lower is better; the share paid within 30 days written on each of ${name}'s points) from its ${PAYMENT_WORDS}, against the median of ${set.count} peers (${PEER_METHOD_LABELS[set.method]}), ${periodWords(period.from, period.to)}`,
      description:
        `Line chart by the quarter each payments reporting period ends: ${name}'s average days to pay as a solid orange line with diamonds, each labelled with its share of invoices paid within 30 days; the peers' median as a dashed grey line with circles. ` +
        (await Promise.all(mine.map(async (x) => `${x.period}: ${await days(x.average_days_to_pay)} days, ${await formatNumber(num(x.paid_within_30_days_share), 'pct')} within 30 days`))).join('; ') +
        '.',
      columns: [
        { field: 'period', title: 'Quarter the period ends' },
        { field: 'series', title: 'Series' },
        { field: 'average_days_to_pay', title: 'Average days to pay (number of days)', format: 'ratio' },
        { field: 'paid_within_30_days_share', title: 'Paid within 30 days (%)', format: 'pct' },
        { field: 'not_paid_when_due_share', title: 'Not paid when due (%)', format: 'pct' },
        { field: 'payment_reports', title: 'Reports (number)', format: 'int' },
        { field: 'n_peers', title: 'Peers with a report (number)', format: 'int' },
      ],
      // nothing of its own: the peers' median alone is no comparison
      rows: mine.length > 0 ? rows : [],
      empty: noPaymentReports(`${set.authority.name} ${periodWords(period.from, period.to)}`),
      spec: {
        height: 240,
        encoding: {
          x: { field: 'period', type: 'ordinal', title: 'Quarter the reporting period ends', axis: { labelAngle: 0 } },
          y: { field: 'average_days_to_pay', type: 'quantitative', title: 'Average days to pay (days; lower is better)', scale: { zero: true } },
        },
        layer: [
          {
            mark: { type: 'line', point: { filled: true, size: 60 }, tooltip: true },
            encoding: {
              color: { field: 'series', type: 'nominal', title: null, scale: { ...series, range: [HIGHLIGHT, PALETTE.darkGrey] }, legend: { labelLimit: 300 } },
              strokeDash: { field: 'series', type: 'nominal', title: null, scale: { ...series, range: [[1, 0], [6, 4]] } },
              shape: { field: 'series', type: 'nominal', title: null, scale: { ...series, range: ['diamond', 'circle'] } },
              tooltip: [
                { field: 'period', title: 'Quarter the period ends' },
                { field: 'series', title: 'Series' },
                { field: 'average_days_to_pay', type: 'quantitative', title: 'Average days to pay', format: fmt('ratio') },
                { field: 'paid_within_30_days_share', type: 'quantitative', title: 'Paid within 30 days', format: fmt('pct') },
                { field: 'not_paid_when_due_share', type: 'quantitative', title: 'Not paid when due', format: fmt('pct') },
                { field: 'n_peers', type: 'quantitative', title: 'Peers with a report', format: fmt('int') },
              ],
            },
          },
          {
            transform: [{ filter: { field: 'series', equal: name } }, { calculate: `format(datum.paid_within_30_days_share, '${fmt('pct')}') + ' in 30 days'`, as: 'label' }],
            mark: { type: 'text', dy: -14, fontSize: 11, fontWeight: 'bold', color: '#0b0c0c' },
            encoding: { text: { field: 'label', type: 'nominal' } },
          },
        ],
      },
    });
  }

  /** The authority's contracts with commitments: delivered of expected to date, and the rating in words. */
  private async contractRatings(ctx: ChartContext): Promise<BuiltChart> {
    const code = this.code(ctx.query);
    const period = periodOf(ctx.query);
    const a = await this.authorities.get(code);
    const name = a.short_name ?? a.name;
    const result = await this.contracts.deliveryOfAuthority({ authority: a.code, ...period }, ctx.scope);
    const all = result.rows;
    const picked = all.slice(0, MAX_CONTRACTS);
    const rows: Row[] = picked
      .map((c) => {
        const title = `${c.reference}: ${c.title ?? ''}`;
        return {
          contract: c.reference,
          label: title.length > 60 ? `${title.slice(0, 59)}…` : title,
          title: c.title,
          supplier: c.supplier_name,
          rating: c.rating_label,
          delivery_ratio: c.delivery_ratio,
          expected_gbp: num(c.expected_gbp),
          delivered_gbp: num(c.delivered_gbp),
          label_x: c.delivery_ratio ?? 0,
        };
      })
      .sort((x, y) => ((y.delivery_ratio as number | null) ?? -1) - ((x.delivery_ratio as number | null) ?? -1));
    const counts = new Map<string, number>();
    for (const c of all) counts.set(c.rating_label, (counts.get(c.rating_label) ?? 0) + 1);
    const good = counts.get('Good') ?? 0;
    const rated = all.filter((c) => c.rating !== 'other').length;
    const t = result.rating_thresholds;
    return buildChart({
      title: rated === 0 ? `None of ${name}'s contracts has anything expected to date yet` : `${good} of ${name}'s ${rated} contracts with something expected to date are rated Good`,
      subtitle: `£ delivered of expected to date (${result.basis} basis) and s.71 rating of each contract with commitments, ${a.name}, awarded ${periodWords(period.from, period.to)}; as of ${result.as_of}${all.length > MAX_CONTRACTS ? `; the ${MAX_CONTRACTS} with the most expected of ${all.length}` : ''}`,
      description: `Horizontal bars, one per contract, of £ delivered as a percentage of £ expected to date, each labelled with its Procurement Act 2023 s.71 rating in words (a contract's rating is the worst of its measures': Good at ${Number(t.good) * 100}% of expected or more, Approaching target ${Number(t.approaching_target) * 100}%, Requires improvement ${Number(t.requires_improvement) * 100}%, else Inadequate). ${[...counts.entries()].map(([r, n]) => `${r}: ${n}`).join(', ')}.`,
      columns: [
        { field: 'contract', title: 'Contract', link: { prefix: '/dashboards/contract/', field: 'contract' } },
        { field: 'title', title: 'Title' },
        { field: 'supplier', title: 'Supplier' },
        { field: 'rating', title: 'Rating' },
        { field: 'delivery_ratio', title: 'Delivered of expected', format: 'pct' },
        { field: 'expected_gbp', title: '£ expected to date', format: 'gbp' },
        { field: 'delivered_gbp', title: '£ delivered to date', format: 'gbp' },
      ],
      rows,
      empty: `${name} has no contracts with commitments awarded ${periodWords(period.from, period.to)}.`,
      spec: {
        height: { step: 22 },
        encoding: {
          y: { field: 'label', type: 'nominal', title: null, sort: null, axis: { labelLimit: 300 } },
        },
        layer: [
          {
            mark: { type: 'bar', tooltip: true },
            encoding: {
              x: { field: 'delivery_ratio', type: 'quantitative', title: 'Delivered of expected to date (%)', axis: { format: fmt('pctAxis'), tickCount: 6 } },
              color: { field: 'rating', type: 'nominal', title: 'Rating', scale: ratingScale() },
              tooltip: [
                { field: 'contract', title: 'Contract' },
                { field: 'title', title: 'Title' },
                { field: 'supplier', title: 'Supplier' },
                { field: 'rating', title: 'Rating' },
                { field: 'delivery_ratio', title: 'Delivered of expected', type: 'quantitative', format: fmt('pct') },
                { field: 'expected_gbp', title: '£ expected to date', type: 'quantitative', format: fmt('gbp') },
                { field: 'delivered_gbp', title: '£ delivered to date', type: 'quantitative', format: fmt('gbp') },
              ],
            },
          },
          {
            mark: { type: 'text', align: 'left', dx: 4 },
            encoding: { x: { field: 'label_x', type: 'quantitative' }, text: { field: 'rating', type: 'nominal' } },
          },
        ],
      },
    });
  }
}

export const PEER_STRIP_COLUMNS: Column[] = [
  { field: 'indicator_label', title: 'Indicator' },
  { field: 'better', title: 'Which way is good' },
  { field: 'member', title: 'Authority' },
  { field: 'role', title: 'Role' },
  { field: 'value', title: 'Value', format: 'num' },
  { field: 'peer_lower_quartile', title: 'Peer lower quartile', format: 'num' },
  { field: 'peer_median', title: 'Peer median', format: 'num' },
  { field: 'peer_upper_quartile', title: 'Peer upper quartile', format: 'num' },
  { field: 'percentile_rank', title: 'Percentile rank among peers', format: 'num' },
  { field: 'n_peers', title: 'Peers with a value', format: 'int' },
];

/**
 * The rows of the peer strip (pure): per indicator with data, the authority's row (always: it carries the peers'
 * quartiles and median that the band and tick draw) and one row per peer with a value.
 */
export function peerStripRows(result: BenchmarkResult, values: ReadonlyArray<{ indicator: string; code: string; name: string; own: boolean; value: number | null }>, name: string): Row[] {
  const rows: Row[] = [];
  const indicators = result.indicators.filter((b) => b.value !== null || b.n_peers > 0).sort((x, y) => indicatorOrder(x.indicator, y.indicator));
  for (const b of indicators) {
    const meta = peerIndicator(b.indicator);
    const common = {
      indicator: b.indicator,
      indicator_label: meta.label,
      better: BETTER_WORDS[meta.better],
      row_label: `${meta.label} (${BETTER_WORDS[meta.better]})`,
      peer_lower_quartile: b.peer_lower_quartile,
      peer_median: b.peer_median,
      peer_upper_quartile: b.peer_upper_quartile,
      n_peers: b.n_peers,
    };
    rows.push({ ...common, member: result.authority.name, code: result.authority.code, role: name, is_authority: true, value: b.value, percentile_rank: b.percentile_rank });
    for (const v of values) {
      if (v.indicator !== b.indicator || v.own || v.value === null) continue;
      rows.push({ ...common, member: v.name, code: v.code, role: 'Peers', is_authority: false, value: v.value, percentile_rank: null });
    }
  }
  return rows;
}

/** One panel of the peer strip: the indicators of one scale, a row each. */
function peerPanel(scale: IndicatorScale, indicators: string[], name: string): VlSpec {
  const axis = SCALE_AXES[scale];
  const f = fmt(axis.format);
  const x = (field: string) => ({ field, type: 'quantitative', title: axis.title, axis: { format: f }, scale: { zero: scale === 'share' } });
  const roles = { domain: [name, 'Peers'] };
  const labels = indicators.map((i) => `${peerIndicator(i).label} (${BETTER_WORDS[peerIndicator(i).better]})`);
  return {
    width: PANEL_WIDTH,
    height: { step: 40 },
    transform: [{ filter: { field: 'indicator', oneOf: indicators } }],
    // two lines: the indicator, then which way is good
    encoding: { y: { field: 'row_label', type: 'nominal', title: null, sort: labels, axis: { labelLimit: 320, labelExpr: "split(replace(datum.label, ')', ''), ' (')" } } },
    layer: [
      {
        transform: [{ filter: 'datum.is_authority && isValid(datum.peer_lower_quartile)' }],
        mark: { type: 'bar', color: SEQUENTIAL[0], height: { band: 0.7 } },
        encoding: {
          x: x('peer_lower_quartile'),
          x2: { field: 'peer_upper_quartile' },
          tooltip: [
            { field: 'indicator_label', title: 'Indicator' },
            { field: 'peer_lower_quartile', title: 'Peer lower quartile', type: 'quantitative', format: f },
            { field: 'peer_upper_quartile', title: 'Peer upper quartile', type: 'quantitative', format: f },
          ],
        },
      },
      {
        transform: [{ filter: 'datum.is_authority && isValid(datum.peer_median)' }],
        mark: { type: 'tick', color: PALETTE.darkGrey, thickness: 3, size: 26 },
        encoding: {
          x: x('peer_median'),
          tooltip: [
            { field: 'indicator_label', title: 'Indicator' },
            { field: 'peer_median', title: 'Peer median', type: 'quantitative', format: f },
            { field: 'n_peers', title: 'Peers with a value', type: 'quantitative', format: fmt('int') },
          ],
        },
      },
      {
        transform: [{ filter: 'isValid(datum.value)' }],
        mark: { type: 'point', filled: true, opacity: 0.85, stroke: '#ffffff', strokeWidth: 0.5 },
        encoding: {
          x: x('value'),
          color: { field: 'role', type: 'nominal', title: null, scale: { ...roles, range: [HIGHLIGHT, MUTED] } },
          shape: { field: 'role', type: 'nominal', title: null, scale: { ...roles, range: ['diamond', 'circle'] } },
          size: { condition: { test: 'datum.is_authority', value: 220 }, value: 50 },
          order: { field: 'is_authority', type: 'ordinal' },
          tooltip: [
            { field: 'member', title: 'Authority' },
            { field: 'indicator_label', title: 'Indicator' },
            { field: 'value', title: 'Value', type: 'quantitative', format: f },
            { field: 'percentile_rank', title: 'Percentile rank among peers', type: 'quantitative', format: fmt('num') },
          ],
        },
      },
      {
        transform: [{ filter: 'datum.is_authority && isValid(datum.value)' }],
        mark: { type: 'text', fontWeight: 'bold', dy: -14, color: '#0b0c0c' },
        encoding: { x: x('value'), text: { field: 'value', type: 'quantitative', format: f } },
      },
    ],
  };
}
