import { Injectable } from '@nestjs/common';
import { MAX_CONTRACTS, PEER_METHOD_LABELS } from '../../../dashboards/boards/authority.board';
import type { BuiltChart, DashboardQuery, Row } from '../../../dashboards/chart';
import { DashboardsService } from '../../../dashboards/dashboards.service';
import { KIND_LABELS } from '../../../dashboards/describe';
import { BETTER_WORDS, indicatorOrder, peerIndicator, SCALE_AXES, sideOfMedian } from '../../../dashboards/peer-indicators';
import { RATING_LABELS, RATINGS } from '../../../dashboards/theme';
import { DomainError } from '../../../metrics/platform/errors';
import { BenchmarksService, type BenchmarkResult } from '../../../metrics/read/benchmarks/benchmarks.service';
import { IndicatorsService, type IndicatorRow } from '../../../metrics/read/indicators/indicators.service';
import { tierOf } from '../../../metrics/read/peers/peer-features';
import type { PeerMethod } from '../../../metrics/read/peers/peers.service';
import type { AuthorityDetail } from '../../../metrics/reference/authorities/authorities.repository';
import { AuthoritiesService } from '../../../metrics/reference/authorities/authorities.service';
import { inScope, type ReadScope } from '../../../metrics/reference/read-filter/read-filter';
import type { ReportParams } from '../../catalogue';
import type { BuildContext, BuiltReport, ChartModel, FigureModel, ReportBuilder, TableModel } from '../../report';
import { chartModel, chartTable, dayWords, listWords, loadFormats, num, pointsChange, pointsWords, previousPeriod, queryString, trendWindow, type Formats } from '../national/national.report';

/** Public charts read every authority's aggregates (the scope only narrows supplier-level rows). */
const PUBLIC: ReadScope = { authorities: null };

/** The benchmark figures of the summary (the authority dashboard's tiles, and the weighting). */
const HEADLINE = ['sv_evaluated_share', 'sv_weighted_10_share', 'delivery_ratio', 'reporting_compliance', 'sme_value_share'] as const;

type Bench = BenchmarkResult['indicators'][number];

/**
 * The authority report, for a council or public body: where it stands on each indicator against its peer group (the
 * benchmarks endpoint, the authority dashboard's peer strip), its trend against the peer median, what changed since
 * the previous period, its mix of themes, and its contracts' delivery ratings (counts, public; each contract with its
 * supplier only in a key holder's copy, read within the key's scope). The peer group is the dashboard's default:
 * nearest neighbours for a council, the same kind and subtype for any other body.
 */
@Injectable()
export class AuthorityReport implements ReportBuilder {
  readonly name = 'authority' as const;

  constructor(
    private readonly authorities: AuthoritiesService,
    private readonly benchmarks: BenchmarksService,
    private readonly indicators: IndicatorsService,
    private readonly dashboards: DashboardsService,
  ) {}

  /** An unknown authority is a 400 naming the field (before a run is queued). */
  async check(params: ReportParams): Promise<void> {
    await this.subject(params.authority);
  }

  private async subject(code: string | undefined): Promise<AuthorityDetail> {
    const value = (code ?? '').trim();
    if (!value) throw new DomainError('invalid_parameter', 'authority is required: the authority report is about one authority', { field: 'authority', value: code });
    try {
      return await this.authorities.get(value);
    } catch (err) {
      if (err instanceof DomainError && err.code === 'not_found') {
        throw new DomainError('invalid_parameter', `authority ${value} names no authority: give its code (GSS for councils), as GET /api/v1/authorities lists them`, { field: 'authority', value });
      }
      throw err;
    }
  }

  /**
   * The peer method and the benchmark for the period: nearest neighbours for a council (the dashboard's default), the
   * same kind and subtype for any other body or a council nearest neighbours cannot be computed for.
   */
  private async benchmarkOf(a: AuthorityDetail, from: string, to: string): Promise<{ method: PeerMethod; bench: BenchmarkResult }> {
    if (tierOf(a) !== null) {
      try {
        return { method: 'nearest', bench: await this.benchmarks.benchmark(a.code, { peers: { method: 'nearest' }, from, to }) };
      } catch (err) {
        if (!(err instanceof DomainError && err.code === 'unprocessable')) throw err;
      }
    }
    return { method: 'same_subtype', bench: await this.benchmarks.benchmark(a.code, { peers: { method: 'same_subtype' }, from, to }) };
  }

  async build(ctx: BuildContext): Promise<BuiltReport> {
    const { period, params } = ctx;
    const a = await this.subject(params.authority);
    const P = period.label;
    const basis = params.basis ?? 'net';
    const prev = previousPeriod(P);
    const window = trendWindow(period);
    const name = a.short_name ?? a.name;

    const { method, bench } = await this.benchmarkOf(a, P, P);
    const peerCodes = bench.peer_group.members.map((m) => m.code);
    const q: DashboardQuery = { authority: a.code, peers: method, from: P, to: P, basis };
    const chart = (chartName: string, query: DashboardQuery, scope: ReadScope = PUBLIC) => this.dashboards.chart('authority', chartName, query, scope);
    const keyed = ctx.supplierScope !== null;
    const readable = keyed && inScope(ctx.supplierScope!, a.code);

    const [before, own, ownBefore, everything, peerStrip, trend, themes, contracts, official, payments] = await Promise.all([
      prev ? this.benchmarks.benchmark(a.code, { peers: { method }, from: prev, to: prev }) : Promise.resolve(null),
      this.indicators.implementation({ authority: a.code, from: P, to: P, basis }),
      prev ? this.indicators.implementation({ authority: a.code, from: prev, to: prev, basis }) : Promise.resolve(null),
      this.indicators.implementation({ authority: [a.code, ...peerCodes] }),
      chart('peer-strip', q),
      chart('trend', { ...q, from: window.from, to: P }),
      chart('themes', q),
      readable ? chart('contracts', { authority: a.code, from: P, to: P }, ctx.supplierScope!) : Promise.resolve(null),
      chart('official-ratings', { authority: a.code, from: P, to: P }),
      // its payments reports over the trend window: a period holds one or none (they are six-monthly)
      chart('payment-times', { authority: a.code, peers: method, from: window.from, to: P }),
    ]);
    const f = await loadFormats();
    const r: IndicatorRow = own.rows[0] ?? {};
    const rb: IndicatorRow | null = ownBefore ? (ownBefore.rows[0] ?? {}) : null;
    const benchUrl = `GET /api/v1/benchmarks/${encodeURIComponent(a.code)}?${queryString({ peers: method, from: P, to: P })}`;
    const indicatorsUrl = `GET /api/v1/indicators/implementation?${queryString({ authority: a.code, from: P, to: P, basis })}`;
    const find = (b: BenchmarkResult | null, indicator: string): Bench | undefined => b?.indicators.find((x) => x.indicator === indicator);

    const figures: FigureModel[] = [
      { label: 'Contracts in scope of the Act awarded', value: num(r.in_scope_contracts), format: 'int', source: `${indicatorsUrl}: rows[0].in_scope_contracts` },
      ...HEADLINE.map((ind): FigureModel => {
        const b = find(bench, ind);
        const meta = peerIndicator(ind);
        return {
          label: `${meta.label} (peer median ${f.pct(b?.peer_median ?? null)}; ${BETTER_WORDS[meta.better]})`,
          value: b?.value ?? null,
          format: 'pct',
          source: `${benchUrl}: indicators[${ind}].value`,
        };
      }),
    ];

    const tables: Record<string, TableModel> = {
      standing: this.standingTable(bench, P, name, true),
      'standing-other': this.standingTable(bench, P, name, false),
      changes: this.changesTable(bench, before, P, prev, name),
      peers: this.peersTable(bench, method),
      ratings: this.ratingsTable(r, P, name, own.as_of),
      themes: this.themesTable(themes.rows, P, name, basis),
      'official-ratings': chartTable(official, `${name}'s official ratings beside its ratings from returns, KPI publication and performance notices, contracts awarded in ${P}`),
      'payment-times': chartTable(payments, `${name}'s payment times against its peers' median, reporting periods ending ${window.from} to ${P}`),
    };
    const charts: Record<string, ChartModel> = {
      'peer-strip': chartModel('authority/peer-strip', peerStrip),
      trend: chartModel('authority/trend', trend),
      themes: chartModel('authority/themes', themes),
      'official-ratings': chartModel('authority/official-ratings', official),
      'payment-times': chartModel('authority/payment-times', payments),
    };
    if (contracts) {
      charts.contracts = chartModel('authority/contracts', contracts);
      tables.contracts = this.contractsTable(contracts.rows, P, name, own.as_of);
    }

    // beside the panels' messages, the figures they leave out (or the panels' sentences when there is nothing)
    const empty = (b: BuiltChart) => String((b.spec.usermeta as { empty?: string }).empty ?? '');
    const ownReports = payments.rows.filter((x) => x.series === name);
    const n = (field: string) => num(r[field]);
    const notices = {
      notices:
        official.rows.length === 0
          ? empty(official)
          : `${f.int(n('kpi_published_share_numerator'))} of ${name}'s ${f.int(n('kpi_contracts'))} contracts over £5m awarded in ${P} published KPIs (UK7); as of ${dayWords(own.as_of)}, ${f.int(n('performance_notice_due'))} ${n('performance_notice_due') === 1 ? 'has' : 'have'} a performance notice (UK9) due this quarter and ${f.int(n('performance_notice_overdue'))} one overdue; ${f.int(n('officially_rated_contracts'))} ${n('officially_rated_contracts') === 1 ? 'is' : 'are'} rated by ${name}, and ${f.int(n('performance_failures'))} performance failures were published.`,
      payments:
        payments.rows.length === 0
          ? empty(payments)
          : `${name} sent ${f.int(ownReports.reduce((s, x) => s + ((x.payment_reports as number | null) ?? 0), 0))} payments compliance reports for periods ending from ${window.from} to ${P}; in the latest, ${f.pct(ownReports[ownReports.length - 1].not_paid_when_due_share as number | null)} of its invoices were not paid when due.`,
      has_notices: official.rows.length > 0,
      has_payments: payments.rows.length > 0,
    };
    const content = this.content({ a, name, P, prev, basis, method, bench, before, r, rb, f, benchUrl, indicatorsUrl, asOf: own.as_of, window, themeRows: themes.rows, contractRows: contracts?.rows ?? null, keyed, readable, scope: ctx.supplierScope });
    return {
      subtitle: `${name}, ${P}`,
      demo: everything.rows.some((x) => (num(x.demo_contracts) ?? 0) > 0),
      figures,
      charts,
      tables,
      content: { ...content, ...notices },
    };
  }

  /** Each indicator of one kind (the shares, or the others) against the peers: value, quartiles, median, rank. */
  private standingTable(bench: BenchmarkResult, P: string, name: string, shares: boolean): TableModel {
    const list = bench.indicators
      .filter((b) => (peerIndicator(b.indicator).scale === 'share') === shares && (b.value !== null || b.n_peers > 0))
      .sort((x, y) => indicatorOrder(x.indicator, y.indicator));
    const rows: Row[] = list.map((b) => {
      const meta = peerIndicator(b.indicator);
      const side = sideOfMedian(b.value, b.peer_median, meta.better);
      return {
        indicator: shares ? meta.label : `${meta.label} (${SCALE_AXES[meta.scale].title})`,
        better: BETTER_WORDS[meta.better],
        value: b.value,
        peer_lower_quartile: b.peer_lower_quartile,
        peer_median: b.peer_median,
        peer_upper_quartile: b.peer_upper_quartile,
        percentile_rank: b.percentile_rank,
        n_peers: b.n_peers,
        side: side === 1 ? 'Better' : side === -1 ? 'Worse' : side === 0 ? 'Level' : '–',
      };
    });
    const format = shares ? ('pct' as const) : ('num' as const);
    const unit = shares ? ' (%)' : '';
    return {
      caption: shares ? `${name} against its peers on each share, contracts awarded in ${P}` : `${name} against its peers on the other indicators, ${P} (each in the unit named)`,
      columns: [
        { field: 'indicator', title: 'Indicator' },
        { field: 'value', title: `${name}${unit}`, format },
        { field: 'peer_lower_quartile', title: `Peer lower quartile${unit}`, format },
        { field: 'peer_median', title: `Peer median${unit}`, format },
        { field: 'peer_upper_quartile', title: `Peer upper quartile${unit}`, format },
        { field: 'percentile_rank', title: 'Percentile rank among peers (0 to 100)', format: 'num' },
        { field: 'n_peers', title: 'Peers with a value (number)', format: 'int' },
        { field: 'side', title: 'Side of the median' },
      ],
      rows,
      empty: shares ? `Neither ${name} nor its peers have any of these shares for contracts awarded in ${P}.` : `Neither ${name} nor its peers have any of these figures for ${P}.`,
      note: shares
        ? 'Side of the median: Better when on the side the indicator is better on; the split of social value (local economic, social, environmental) has no better side.'
        : undefined,
    };
  }

  /** Each share this period against the previous one, for the authority and its peers' median. */
  private changesTable(bench: BenchmarkResult, before: BenchmarkResult | null, P: string, prev: string | null, name: string): TableModel {
    const prevOf = new Map((before?.indicators ?? []).map((b) => [b.indicator, b]));
    const rows: Row[] = bench.indicators
      .filter((b) => peerIndicator(b.indicator).scale === 'share')
      .sort((x, y) => indicatorOrder(x.indicator, y.indicator))
      .map((b) => {
        const p = prevOf.get(b.indicator);
        const meta = peerIndicator(b.indicator);
        return {
          indicator: meta.label,
          value: b.value,
          previous: p?.value ?? null,
          change: pointsChange(b.value, p?.value ?? null),
          peer_median: b.peer_median,
          peer_median_previous: p?.peer_median ?? null,
          better: BETTER_WORDS[meta.better],
        };
      })
      .filter((x) => x.value !== null || x.previous !== null);
    return {
      caption: prev ? `${name}'s shares in ${P} against ${prev}, beside its peers' median` : `${name}'s shares in ${P}`,
      columns: [
        { field: 'indicator', title: 'Indicator' },
        { field: 'value', title: `${P} (%)`, format: 'pct' },
        ...(prev
          ? [
              { field: 'previous', title: `${prev} (%)`, format: 'pct' as const },
              { field: 'change', title: 'Change (percentage points)', format: 'num' as const },
              { field: 'peer_median', title: `Peer median ${P} (%)`, format: 'pct' as const },
              { field: 'peer_median_previous', title: `Peer median ${prev} (%)`, format: 'pct' as const },
            ]
          : [{ field: 'peer_median', title: `Peer median ${P} (%)`, format: 'pct' as const }]),
        { field: 'better', title: 'Which way is good' },
      ],
      rows,
      empty: `${name} has none of these shares for contracts awarded in ${P}${prev ? ` or ${prev}` : ''}.`,
    };
  }

  /** The members of the peer group (with their distance for nearest neighbours). */
  private peersTable(bench: BenchmarkResult, method: PeerMethod): TableModel {
    const withDistance = method === 'nearest';
    return {
      caption: `The peer group: ${PEER_METHOD_LABELS[method].toLowerCase()} (${bench.peer_group.count} authorities)`,
      columns: [
        { field: 'code', title: 'Code' },
        { field: 'name', title: 'Authority' },
        ...(withDistance ? [{ field: 'distance', title: 'Distance (standardised, 0 = identical)', format: 'ratio' as const }] : []),
      ],
      rows: bench.peer_group.members.map((m) => ({ code: m.code, name: m.name, ...(withDistance ? { distance: m.distance ?? null } : {}) })),
      empty: 'No other authority is in this peer group: the figures are shown without a comparison.',
      note: bench.peer_group.description,
    };
  }

  /** Contracts with commitments by overall delivery rating (public counts of the indicators endpoint). */
  private ratingsTable(r: IndicatorRow, P: string, name: string, asOf: string): TableModel {
    const total = num(r.contracts_with_commitments) ?? 0;
    return {
      caption: `${name}'s contracts awarded in ${P} with commitments, by overall delivery rating as of ${dayWords(asOf)}`,
      columns: [
        { field: 'rating', title: 'Delivery rating' },
        { field: 'contracts', title: 'Contracts (number)', format: 'int' },
        { field: 'share', title: 'Share of contracts with commitments (%)', format: 'pct' },
      ],
      rows: total === 0 ? [] : RATINGS.map((k) => ({ rating: RATING_LABELS[k], contracts: num(r[`rating_${k}`]) ?? 0, share: Math.round(((num(r[`rating_${k}`]) ?? 0) / total) * 1e6) / 1e6 })),
      empty: `${name} has no contracts with commitments awarded in ${P}.`,
    };
  }

  /** The authority's £ by theme with each theme's share of the total (the themes chart's rows). */
  private themesTable(rows: Row[], P: string, name: string, basis: string): TableModel {
    const total = rows.reduce((s, x) => s + ((x.value_gbp as number | null) ?? 0), 0);
    return {
      caption: `${name}'s social value by theme, outcomes ending in ${P}`,
      columns: [
        { field: 'theme_name', title: 'Theme' },
        { field: 'category', title: 'Category' },
        { field: 'value_gbp', title: `Delivered (£, ${basis})`, format: 'gbp' },
        { field: 'share', title: 'Share of the total (%)', format: 'pct' },
        { field: 'returns', title: 'Returns (number)', format: 'int' },
      ],
      rows: rows.map((x) => ({
        theme_name: x.theme_name,
        category: x.category,
        value_gbp: x.value_gbp,
        share: total > 0 ? Math.round((((x.value_gbp as number | null) ?? 0) / total) * 1e6) / 1e6 : null,
        returns: x.returns,
      })),
      empty: `${name} has no social value returns for outcomes ending in ${P}.`,
    };
  }

  /** Each contract with its supplier and delivery (supplier-level: a key holder's copy only). */
  private contractsTable(rows: Row[], P: string, name: string, asOf: string): TableModel {
    return {
      caption: `${name}'s contracts awarded in ${P} with commitments, as of ${dayWords(asOf)}`,
      columns: [
        { field: 'contract', title: 'Contract' },
        { field: 'title', title: 'Title' },
        { field: 'supplier', title: 'Supplier' },
        { field: 'rating', title: 'Rating' },
        { field: 'delivery_ratio', title: 'Delivered of expected (%)', format: 'pct' },
        { field: 'expected_gbp', title: 'Expected to date (£, net)', format: 'gbp' },
        { field: 'delivered_gbp', title: 'Delivered to date (£, net)', format: 'gbp' },
      ],
      rows: rows.map((x) => ({ contract: x.contract, title: x.title, supplier: x.supplier, rating: x.rating, delivery_ratio: x.delivery_ratio, expected_gbp: x.expected_gbp, delivered_gbp: x.delivered_gbp })),
      empty: `${name} has no contracts with commitments awarded in ${P}.`,
    };
  }

  private content(a: {
    a: AuthorityDetail;
    name: string;
    P: string;
    prev: string | null;
    basis: string;
    method: PeerMethod;
    bench: BenchmarkResult;
    before: BenchmarkResult | null;
    r: IndicatorRow;
    rb: IndicatorRow | null;
    f: Formats;
    benchUrl: string;
    indicatorsUrl: string;
    asOf: string;
    window: { from: string; to: string; quarters: string[] };
    themeRows: Row[];
    contractRows: Row[] | null;
    keyed: boolean;
    readable: boolean;
    scope: ReadScope | null;
  }): Record<string, unknown> {
    const { name, P, prev, f, bench, r } = a;
    const count = bench.peer_group.count;
    const methodWords = PEER_METHOD_LABELS[a.method].toLowerCase();
    const v = (field: string) => num(r[field]);

    // where it stands: better / worse side of the median on the indicators with a better side
    const judged = bench.indicators.map((b) => ({ b, side: sideOfMedian(b.value, b.peer_median, peerIndicator(b.indicator).better) })).filter((x) => x.side !== null);
    const better = judged.filter((x) => x.side === 1);
    const worse = judged.filter((x) => x.side === -1);
    const label = (ind: string) => {
      const l = peerIndicator(ind).label;
      return l.charAt(0).toLowerCase() + l.slice(1);
    };

    const lede: string[] = [];
    const awarded = v('awarded_contracts') ?? 0;
    if (judged.length === 0) {
      lede.push(
        awarded === 0
          ? `${name} awarded no contracts in ${P}, so it cannot be compared with its ${count} peers (${methodWords}) on the period's indicators.`
          : `${name} awarded ${f.int(awarded)} contracts in ${P}, but neither it nor its ${count} peers (${methodWords}) have figures to compare.`,
      );
    } else {
      lede.push(
        `${name} is on the better side of its ${count} peers' median on ${better.length} of the ${judged.length} indicators it can be compared on in ${P}${worse.length > 0 ? ` and on the worse side on ${worse.length}` : ''} (peers: ${methodWords}).`,
      );
      const d = bench.indicators.find((x) => x.indicator === 'delivery_ratio');
      if (d && d.value !== null) {
        lede.push(
          `Its suppliers have delivered ${f.pct(d.value)} of the social value expected of them to date (net basis, as of ${dayWords(a.asOf)})${d.peer_median !== null ? `, against a peer median of ${f.pct(d.peer_median)}` : ''}.`,
        );
      }
      if (better.length > 0) lede.push(`Strongest against its peers: ${listWords(better.sort((x, y) => (y.b.percentile_rank ?? 0) - (x.b.percentile_rank ?? 0) || indicatorOrder(x.b.indicator, y.b.indicator)).slice(0, 2).map((x) => label(x.b.indicator)))}.`);
      if (worse.length > 0) lede.push(`Weakest: ${listWords(worse.sort((x, y) => (x.b.percentile_rank ?? 100) - (y.b.percentile_rank ?? 100) || indicatorOrder(x.b.indicator, y.b.indicator)).slice(0, 2).map((x) => label(x.b.indicator)))}.`);
    }

    // what changed: the largest moves (in the direction that is good) of the shares since the previous period
    let changed: string;
    if (!prev) changed = `There is no period before ${P} to compare with.`;
    else {
      const prevOf = new Map((a.before?.indicators ?? []).map((b) => [b.indicator, b]));
      const moves = bench.indicators
        .filter((b) => peerIndicator(b.indicator).scale === 'share')
        .map((b) => ({ ind: b.indicator, points: pointsChange(b.value, prevOf.get(b.indicator)?.value ?? null), better: peerIndicator(b.indicator).better }))
        .filter((x): x is { ind: string; points: number; better: 'higher' | 'lower' | 'neither' } => x.points !== null && x.points !== 0);
      const good = (x: { points: number; better: string }) => (x.better === 'higher' ? x.points : x.better === 'lower' ? -x.points : 0);
      const improved = moves.filter((x) => good(x) > 0).sort((x, y) => good(y) - good(x) || indicatorOrder(x.ind, y.ind));
      const fell = moves.filter((x) => good(x) < 0).sort((x, y) => good(x) - good(y) || indicatorOrder(x.ind, y.ind));
      const comparable = bench.indicators.filter((b) => peerIndicator(b.indicator).scale === 'share' && b.value !== null && prevOf.get(b.indicator)?.value != null).length;
      if (comparable === 0) changed = `${name} has no share with a figure in both ${prev} and ${P}, so there is nothing to compare.`;
      else {
        const parts = [`Of the ${comparable} shares with a figure in both ${prev} and ${P}, ${improved.length} moved the good way and ${fell.length} the other way.`];
        if (improved.length > 0) parts.push(`The largest gain: ${label(improved[0].ind)}, ${pointsWords(improved[0].points, f)}.`);
        if (fell.length > 0) parts.push(`The largest fall: ${label(fell[0].ind)}, ${pointsWords(fell[0].points, f)}.`);
        const ins = v('in_scope_contracts');
        const insBefore = a.rb ? num(a.rb.in_scope_contracts) : null;
        if (ins !== null && insBefore !== null) parts.push(`${name} awarded ${f.int(ins)} contracts in scope of the Act in ${P}, against ${f.int(insBefore)} in ${prev}: with few contracts, one contract moves a share a long way.`);
        changed = parts.join(' ');
      }
    }

    // theme mix
    const total = a.themeRows.reduce((s, x) => s + ((x.value_gbp as number | null) ?? 0), 0);
    const top = a.themeRows[0];
    const themes =
      a.themeRows.length === 0
        ? `${name} has no social value returns for outcomes ending in ${P}.`
        : `${name}'s contracts delivered ${f.gbpShort(total)} of social value (${a.basis} basis) in outcomes ending in ${P}, across ${a.themeRows.length} theme${a.themeRows.length === 1 ? '' : 's'}; the largest, ${top.theme_name} (${String(top.category).toLowerCase()}), is ${f.pct(total > 0 ? ((top.value_gbp as number) / total) : null)} of it.`;

    // delivery ratings (public counts)
    const withCommitments = v('contracts_with_commitments') ?? 0;
    const counts = RATINGS.map((k) => ({ label: RATING_LABELS[k], n: v(`rating_${k}`) ?? 0 })).filter((x) => x.n > 0);
    const ratings =
      withCommitments === 0
        ? `${name} has no contracts with social value commitments awarded in ${P}, so none is rated.`
        : `${withCommitments === 1 ? `One of ${name}'s contracts awarded in ${P} carries` : `${f.int(withCommitments)} of ${name}'s contracts awarded in ${P} carry`} social value commitments; by overall delivery rating as of ${dayWords(a.asOf)}: ${listWords(counts.map((x) => `${x.label} ${f.int(x.n)}`))}. Together they committed ${f.gbpShort(v('commitment_intensity_numerator'))} (${a.basis} basis) and have delivered ${f.gbpShort(v('delivery_ratio_numerator'))} of the ${f.gbpShort(v('delivery_ratio_denominator'))} expected to date.`;

    const withheld = !a.keyed
      ? `Each contract's delivery, with its supplier, is supplier-level data: it is in the copy of this report made for a key holder of ${a.a.name}, not in this published copy. The counts above are public.`
      : !a.readable
        ? `This copy was made for a key that reads supplier-level data of ${(a.scope?.authorities ?? []).join(', ')} only, not of ${a.a.name}: its contracts' delivery is in the copy of a key holder of ${a.a.name}.`
        : null;

    const facts: { label: string; value: string }[] = [{ label: 'Kind', value: KIND_LABELS[a.a.kind] ?? a.a.kind }];
    if (a.a.subtype) facts.push({ label: 'Subtype', value: a.a.subtype });
    if (a.a.region) facts.push({ label: 'Region', value: a.a.region });
    if (a.a.nation) facts.push({ label: 'Nation', value: a.a.nation });
    if (a.a.population !== null) facts.push({ label: 'Population', value: f.int(a.a.population) });
    facts.push({ label: 'Peer group', value: `${count} authorities: ${methodWords}` });

    return {
      lede: lede.join(' '),
      authority: { code: a.a.code, name: a.a.name, short_name: name },
      facts,
      period: P,
      previous: prev,
      basis: a.basis,
      as_of: a.asOf,
      peers: { method: a.method, method_words: methodWords, count },
      window: a.window,
      api: { benchmarks: a.benchUrl, indicators: a.indicatorsUrl },
      changed,
      themes,
      ratings,
      withheld,
      contracts:
        a.contractRows === null
          ? null
          : a.contractRows.length === 0
            ? `${name} has no contracts with commitments awarded in ${P}.`
            : `${a.contractRows.length >= MAX_CONTRACTS ? `The ${MAX_CONTRACTS} of ${name}'s contracts awarded in ${P} with the most expected to date` : `Each of ${name}'s ${f.int(a.contractRows.length)} contracts awarded in ${P} with commitments`}, with its supplier and its delivery to date (net basis): supplier-level data, read within this copy's key.`,
      basis_note:
        a.basis === 'net'
          ? null
          : `The benchmarks compare authorities on the net basis (as GET /api/v1/benchmarks computes them); the trend, the themes and the £ figures of this copy are on the ${a.basis} basis.`,
    };
  }
}
