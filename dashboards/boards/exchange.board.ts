import { Injectable } from '@nestjs/common';
import {
  EXCHANGE_STAGES,
  ExchangeFiguresService,
  type ExchangeFiguresQuery,
  type ExchangeStage,
  type GroupRow,
} from '../../metrics/read/exchange/exchange-figures.service';
import type { Board, Tile } from '../board';
import { buildChart, filterOf, fmt, single, type BuiltChart, type ChartContext, type Column, type DashboardQuery, type Row } from '../chart';
import { describePlace } from '../describe';
import { formatNumber, gbpShort } from '../format';
import { hexMapSpec } from '../hex';
import { PALETTE } from '../theme';
import { districtHexMap, niceRange, roomForLabels } from './national.board';

/** The stages in words, and their colours (the palette's order): the same in every exchange chart. */
export const STAGE_LABELS: Record<ExchangeStage, string> = { pledged: 'Pledged', matched: 'Matched', delivered: 'Delivered', confirmed: 'Confirmed' };
const STAGE_COLOURS = [PALETTE.darkBlue, PALETTE.turquoise, PALETTE.darkPink, PALETTE.orange];
const STAGE_DOMAIN = EXCHANGE_STAGES.map((s) => STAGE_LABELS[s]);
/** Unmet need beside the stages (by theme, by region). */
export const UNMET_LABEL = 'Unmet need';
const SERIES_DOMAIN = [...STAGE_DOMAIN, UNMET_LABEL];
const SERIES_COLOURS = [...STAGE_COLOURS, PALETTE.darkGrey];

/** A page of the board of needs for one council: where a hexagon and a table row of the map go. */
export const EXCHANGE_AUTHORITY_LINK = { prefix: '/exchange?authority=', field: 'code' };

/** The figures service's query from a chart's (the filters it follows, single-valued periods, the basis). */
export function figuresQuery(ctx: ChartContext): ExchangeFiguresQuery {
  const f = filterOf(ctx) as Record<string, string | string[] | undefined>;
  return {
    authority: f.authority,
    region: f.region,
    nation: f.nation,
    theme: f.theme,
    from: single(f.from) || undefined,
    to: single(f.to) || undefined,
    basis: single(ctx.query.basis) || undefined,
  };
}

const pct = (v: number | null) => formatNumber(v, 'pct');
const asOfText = (asOf: string | null) => (asOf ? `as of ${asOf}` : 'nothing posted yet');

/**
 * The exchange: what suppliers pledge against their contracts' commitments, what is matched to community
 * organisations' needs, delivered and confirmed, and what is still asked (ExchangeFiguresService, through the one filter).
 */
@Injectable()
export class ExchangeBoard implements Board {
  readonly name = 'exchange';

  constructor(private readonly figures: ExchangeFiguresService) {}

  async tiles(query: DashboardQuery): Promise<Tile[]> {
    const { region, nation, theme, from, to, basis } = query;
    const q: ExchangeFiguresQuery = { region, nation, theme, from: single(from) || undefined, to: single(to) || undefined, basis: single(basis) || undefined };
    const h = (await this.figures.headline(q)).rows[0];
    const src = (field: string) => `exchange figures, headline: ${field}`;
    return [
      { name: 'pledged_gbp', label: '£ pledged', value: h.pledged_gbp, format: 'gbpShort', note: src('pledged_gbp') },
      { name: 'confirmed_gbp', label: '£ confirmed delivered', value: h.confirmed_gbp, format: 'gbpShort', note: src('confirmed_gbp') },
      { name: 'conversion', label: 'Confirmed of pledged (£)', value: h.conversion, format: 'pct', note: src('conversion') },
      { name: 'median_days_to_match', label: 'Median days from need to match', value: h.median_days_to_match, format: 'num', note: src('median_days_to_match') },
      { name: 'most_deprived_share', label: 'Confirmed £ to the most deprived fifth of councils', value: h.most_deprived_share, format: 'pct', note: src('most_deprived_share') },
      { name: 'open_needs', label: 'Open needs now', value: h.open_needs, format: 'int', note: src('open_needs') },
      { name: 'unmet_gbp', label: '£ of need still unmet', value: h.unmet_gbp, format: 'gbpShort', note: src('unmet_gbp') },
    ];
  }

  readonly charts = {
    funnel: (ctx: ChartContext) => this.funnel(ctx),
    'by-quarter': (ctx: ChartContext) => this.byQuarter(ctx),
    'unmet-map': (ctx: ChartContext) => this.unmetMap(figuresQuery(ctx), describePlace(ctx.query)),
    'by-theme': (ctx: ChartContext) => this.byGroup(ctx, 'theme'),
    'by-region': (ctx: ChartContext) => this.byGroup(ctx, 'region'),
  };

  /** The funnel in all: each stage's £, count and share of the £ pledged; with conversion, days to match and the share to the most deprived. */
  private async funnel(ctx: ChartContext): Promise<BuiltChart> {
    const result = await this.figures.headline(figuresQuery(ctx));
    const h = result.rows[0];
    const pledged = h.pledged_gbp ?? 0;
    const rows: Row[] =
      h.pledged_count === 0
        ? []
        : EXCHANGE_STAGES.map((s) => ({
            stage: STAGE_LABELS[s],
            count: h[`${s}_count`],
            gbp: h[`${s}_gbp`] ?? 0,
            share_of_pledged: pledged > 0 ? Math.round(((h[`${s}_gbp`] ?? 0) / pledged) * 1e6) / 1e6 : null,
          }));
    const place = describePlace(ctx.query);
    const days = h.median_days_to_match === null ? 'no need matched yet' : `${await formatNumber(h.median_days_to_match, 'num')} days median from a need to its first accepted match (${h.needs_matched} needs)`;
    const deprived = h.most_deprived_share === null ? 'nothing confirmed yet' : `${await pct(h.most_deprived_share)} of the confirmed £ reached councils in the most deprived IMD quintile`;
    const parts = await Promise.all(rows.map(async (r) => `${r.stage} ${gbpShort(r.gbp as number)} (${r.count} ${r.stage === 'Pledged' ? 'pledges' : 'matches'}${r.share_of_pledged === null ? '' : `, ${await pct(r.share_of_pledged as number)} of pledged`})`));
    return buildChart({
      title: h.conversion === null ? 'Nothing valued has been pledged yet' : `${await pct(h.conversion)} of the £ pledged has been delivered and confirmed`,
      subtitle: `£ pledged, matched, delivered and confirmed (${result.basis} basis), ${place}; ${days}; ${deprived}; ${asOfText(result.as_of)}`,
      description: `Horizontal bars, one per stage from pledged to confirmed, each labelled with its £, its number of pledges or matches and its share of the £ pledged: ${parts.join('; ')}. Conversion (confirmed of pledged £) ${await pct(h.conversion)}; ${days}; ${deprived}.`,
      columns: [
        { field: 'stage', title: 'Stage' },
        { field: 'count', title: 'Pledges or matches', format: 'int' },
        { field: 'gbp', title: '£', format: 'gbp' },
        { field: 'share_of_pledged', title: 'Share of £ pledged', format: 'pct' },
      ],
      rows,
      empty: `Nothing has been pledged on the exchange for ${place} yet.`,
      spec: {
        height: { step: 40 },
        transform: [{ calculate: `format(datum.gbp, '${fmt('gbpShort')}') + (isValid(datum.share_of_pledged) ? ' (' + format(datum.share_of_pledged, '${fmt('pct')}') + ')' : '')`, as: 'label' }],
        encoding: {
          y: { field: 'stage', type: 'nominal', title: null, sort: STAGE_DOMAIN, axis: { labelLimit: 200 } },
          x: { field: 'gbp', type: 'quantitative', title: '£ (pounds)', axis: { format: fmt('gbpShort'), tickCount: 4 }, scale: { zero: true, domainMax: roomForLabels(rows.map((r) => r.gbp as number)) * 1.45 } },
          tooltip: [
            { field: 'stage', title: 'Stage' },
            { field: 'count', type: 'quantitative', title: 'Pledges or matches', format: fmt('int') },
            { field: 'gbp', type: 'quantitative', title: '£', format: fmt('gbp') },
            { field: 'share_of_pledged', type: 'quantitative', title: 'Share of £ pledged', format: fmt('pct') },
          ],
        },
        layer: [
          { mark: { type: 'bar' }, encoding: { color: { field: 'stage', type: 'nominal', title: 'Stage', scale: { domain: STAGE_DOMAIN, range: STAGE_COLOURS }, legend: null } } },
          { mark: { type: 'text', align: 'left', baseline: 'middle', dx: 4 }, encoding: { text: { field: 'label', type: 'nominal' } } },
        ],
      },
    });
  }

  /** The funnel by quarter: grouped bars, each quarter's £ pledged (when posted), matched, delivered and confirmed (when each move was made). */
  private async byQuarter(ctx: ChartContext): Promise<BuiltChart> {
    const result = await this.figures.byQuarter(figuresQuery(ctx));
    const rows: Row[] = result.rows.flatMap((r) => EXCHANGE_STAGES.map((s) => ({ quarter: r.quarter, stage: STAGE_LABELS[s], count: r[`${s}_count`], gbp: r[`${s}_gbp`] ?? 0 })));
    const place = describePlace(ctx.query);
    const best = result.rows.reduce<(typeof result.rows)[number] | null>((a, b) => ((b.confirmed_gbp ?? 0) > (a?.confirmed_gbp ?? 0) ? b : a), null);
    const totals = await Promise.all(
      EXCHANGE_STAGES.map(async (s) => `${STAGE_LABELS[s].toLowerCase()} ${gbpShort(result.rows.reduce((sum, r) => sum + (r[`${s}_gbp`] ?? 0), 0))}`),
    );
    return buildChart({
      title: best && (best.confirmed_gbp ?? 0) > 0 ? `Most was confirmed delivered in ${best.quarter} (${gbpShort(best.confirmed_gbp!)})` : 'Nothing has been confirmed delivered yet',
      subtitle: `£ (${result.basis} basis) by quarter: pledged when posted, matched when accepted, delivered and confirmed when marked so; ${place}; ${asOfText(result.as_of)}`,
      description: `Grouped bars by quarter, four to a quarter: £ pledged, matched, delivered and confirmed in it. In all: ${totals.join(', ')}. Counts of pledges and matches are in the table view.`,
      columns: [
        { field: 'quarter', title: 'Quarter' },
        { field: 'stage', title: 'Stage' },
        { field: 'count', title: 'Pledges or matches', format: 'int' },
        { field: 'gbp', title: '£', format: 'gbp' },
      ],
      rows,
      empty: `Nothing was pledged or matched on the exchange for ${place}.`,
      spec: {
        height: 260,
        mark: { type: 'bar', tooltip: true },
        encoding: {
          x: { field: 'quarter', type: 'ordinal', title: 'Quarter', axis: { labelAngle: -45 } },
          xOffset: { field: 'stage', sort: STAGE_DOMAIN },
          y: { field: 'gbp', type: 'quantitative', title: '£ (pounds)', axis: { format: fmt('gbpShort') } },
          color: { field: 'stage', type: 'nominal', title: null, sort: STAGE_DOMAIN, scale: { domain: STAGE_DOMAIN, range: STAGE_COLOURS } },
          tooltip: [
            { field: 'quarter', title: 'Quarter' },
            { field: 'stage', title: 'Stage' },
            { field: 'count', type: 'quantitative', title: 'Pledges or matches', format: fmt('int') },
            { field: 'gbp', type: 'quantitative', title: '£', format: fmt('gbp') },
          ],
        },
      },
    });
  }

  /**
   * A hex map of the UK's councils (districts and unitaries) coloured by the £ of open needs still unmet in each, in
   * five bands; councils without open needs grey; each hexagon a link to the council's board of needs. Public, so the
   * board of needs (/exchange) draws it too, with its own filters (resource kinds among them).
   */
  async unmetMap(query: ExchangeFiguresQuery, where: string): Promise<BuiltChart> {
    const place = where.replace(/, all periods$/, '');
    const { cells, features } = districtHexMap();
    const result = await this.figures.unmetByAuthority(query);
    const byCode = new Map(result.rows.map((r) => [r.code, r]));
    const onMap = new Set(cells.map((c) => c.code));
    const offMap = result.rows.filter((r) => !onMap.has(r.code));
    const drawn = cells.map((c) => {
      const r = byCode.get(c.code);
      return { code: c.code, name: c.name, region: r?.region ?? null, open_needs: r?.open_needs ?? 0, value: r?.unmet_gbp ?? null };
    });
    const withValue = drawn.filter((x) => x.value !== null).sort((a, b) => (b.value as number) - (a.value as number) || a.name.localeCompare(b.name, 'en-GB'));
    const rows: Row[] = withValue.length === 0 ? [] : drawn;
    const [lo, hi] = niceRange(withValue.map((x) => x.value as number));
    const breaks = [1, 2, 3, 4].map((i) => lo + ((hi - lo) * i) / 5);
    const edges = [lo, ...breaks, hi].map((v) => gbpShort(v));
    // short enough for a phone's legend (its labels are cut at about 120 px): the lower bound is in, the upper out
    const labels = [0, 1, 2, 3, 4].map((i) => `${edges[i]}–${edges[i + 1]}`);
    const high = withValue[0];
    const total = withValue.reduce((s, x) => s + (x.value as number), 0);
    return buildChart({
      title: high ? `${high.name} has the most need still unmet (${gbpShort(high.value as number)} in ${high.open_needs} open needs)` : 'No council on the map has open needs',
      subtitle: `£ of open needs still unmet (what is left, ${result.basis} basis), by council: ${withValue.length} of ${cells.length} district-level councils have open needs (grey: none); ${place}; now (${asOfText(result.as_of)})`,
      description:
        `Hex map of the UK's ${cells.length} local authority districts and unitary councils, one hexagon each, roughly where they are (north at the top), ` +
        `each shaded by the £ of its open needs still unmet, in five bands from light (less) to dark (more), each from its lower bound up to under its upper: ${labels.join('; ')}; ${cells.length - withValue.length} have no open needs and are grey. ` +
        (high ? `Most: ${high.name} (${gbpShort(high.value as number)}); ${gbpShort(total)} in all on the map. ` : '') +
        (offMap.length > 0 ? `${offMap.length} authorities with open needs are not districts (counties and others) and are not on the map. ` : '') +
        `Each hexagon opens its council's board of needs; the table view lists every council.`,
      columns: [
        { field: 'code', title: 'GSS code' },
        { field: 'name', title: 'Council', link: EXCHANGE_AUTHORITY_LINK },
        { field: 'region', title: 'Region or nation' },
        { field: 'open_needs', title: 'Open needs', format: 'int' },
        { field: 'value', title: '£ unmet', format: 'gbp' },
      ],
      rows,
      empty: `No council has open needs on the exchange for ${place}.`,
      spec: hexMapSpec({
        features,
        href: `'${EXCHANGE_AUTHORITY_LINK.prefix}' + datum.code`,
        shown: `isValid(datum.value) ? format(datum.value, '${fmt('gbp')}') + ' unmet in ' + datum.open_needs + ' open needs' : 'no open needs'`,
        label: "datum.name + ': ' + datum.shown",
        bands: { labels, breaks },
        none: 'No open needs',
        title: '£ unmet',
        tooltip: [{ field: 'shown', type: 'nominal', title: '£ unmet' }],
      }),
    });
  }

  /** By the measure's theme or by region: each stage's £ and the £ of need still unmet, as grouped horizontal bars. */
  private async byGroup(ctx: ChartContext, group: 'theme' | 'region'): Promise<BuiltChart> {
    const result = await this.figures.byGroup(figuresQuery(ctx), group);
    const what = group === 'theme' ? 'theme' : 'region or nation';
    const name = (r: GroupRow) => r.label ?? (group === 'region' ? 'No region' : 'No theme');
    const rows: Row[] = result.rows.flatMap((r) => [
      ...EXCHANGE_STAGES.map((s) => ({ key: r.key, group: name(r), series: STAGE_LABELS[s], count: r[`${s}_count`], gbp: r[`${s}_gbp`] ?? 0 })),
      { key: r.key, group: name(r), series: UNMET_LABEL, count: r.open_needs, gbp: r.unmet_gbp ?? 0 },
    ]);
    const place = describePlace(ctx.query);
    const top = result.rows.reduce<GroupRow | null>((a, b) => ((b.confirmed_gbp ?? 0) > (a?.confirmed_gbp ?? 0) ? b : a), null);
    const needy = result.rows.reduce<GroupRow | null>((a, b) => ((b.unmet_gbp ?? 0) > (a?.unmet_gbp ?? 0) ? b : a), null);
    const sentences = result.rows.map(
      (r) => `${name(r)}: pledged ${gbpShort(r.pledged_gbp ?? 0)}, confirmed ${gbpShort(r.confirmed_gbp ?? 0)}, unmet ${gbpShort(r.unmet_gbp ?? 0)} in ${r.open_needs} open needs`,
    );
    const keyColumns: Column[] = group === 'theme' ? [{ field: 'key', title: 'Theme code' }, { field: 'group', title: 'Theme' }] : [{ field: 'group', title: 'Region or nation' }];
    return buildChart({
      title:
        top && (top.confirmed_gbp ?? 0) > 0
          ? `${name(top)} has the most confirmed delivered (${gbpShort(top.confirmed_gbp!)})`
          : needy && (needy.unmet_gbp ?? 0) > 0
            ? `Nothing confirmed yet; ${name(needy)} has the most need unmet (${gbpShort(needy.unmet_gbp!)})`
            : `No ${what} has figures yet`,
      subtitle: `£ (${result.basis} basis) pledged, matched, delivered and confirmed, and of open needs still unmet (now), by ${what}${group === 'region' ? " (a pledge in each region of its places, a match in its need's)" : " (the measure's)"}; measures without a proxy value are counted (table view), not in £; ${place}; ${asOfText(result.as_of)}`,
      description: `Grouped horizontal bars, five to a ${what}: £ pledged, matched, delivered, confirmed and still unmet. ${sentences.join('. ')}.`,
      columns: [...keyColumns, { field: 'series', title: 'Stage' }, { field: 'count', title: 'Pledges, matches or open needs', format: 'int' }, { field: 'gbp', title: '£', format: 'gbp' }],
      rows,
      empty: `Nothing was pledged, matched or asked on the exchange by ${what} for ${place}.`,
      spec: {
        height: { step: 12 },
        mark: { type: 'bar' },
        encoding: {
          y: { field: 'group', type: 'nominal', title: null, sort: null, axis: { labelLimit: 340 } },
          yOffset: { field: 'series', type: 'nominal', sort: SERIES_DOMAIN },
          x: { field: 'gbp', type: 'quantitative', title: '£ (pounds)', axis: { format: fmt('gbpShort'), tickCount: 4 }, scale: { zero: true } },
          color: { field: 'series', type: 'nominal', title: null, sort: SERIES_DOMAIN, scale: { domain: SERIES_DOMAIN, range: SERIES_COLOURS } },
          tooltip: [
            { field: 'group', title: group === 'theme' ? 'Theme' : 'Region or nation' },
            { field: 'series', title: 'Stage' },
            { field: 'count', type: 'quantitative', title: 'Pledges, matches or open needs', format: fmt('int') },
            { field: 'gbp', type: 'quantitative', title: '£', format: fmt('gbp') },
          ],
        },
      },
    });
  }
}
