import { Injectable } from '@nestjs/common';
import { IndicatorsService, type IndicatorRow } from '../../metrics/read/indicators/indicators.service';
import { MeasuresService } from '../../metrics/read/measures/measures.service';
import { SuppliersService } from '../../metrics/read/suppliers/suppliers.service';
import { SectorsService } from '../../metrics/reference/sectors/sectors.service';
import type { Board, Tile } from '../board';
import { buildChart, filterOf, fmt, single, type BuiltChart, type ChartContext, type Column, type DashboardQuery, type Row } from '../chart';
import { describePlace } from '../describe';
import { formatNumber } from '../format';
import { PALETTE, ratingScale, SEQUENTIAL } from '../theme';

const num = (v: unknown): number | null => (v === null || v === undefined || v === '' ? null : Number(v));

/** SME and VCSE: each its colour and its shape (the shape is the cue that is not colour). */
export const SUPPLIER_TYPES = ['SME', 'VCSE'] as const;
const SUPPLIER_TYPE_COLOURS = [PALETTE.darkBlue, PALETTE.turquoise];
const SUPPLIER_TYPE_SHAPES = ['circle', 'square'];
/** How many suppliers the top suppliers chart draws. */
export const TOP_SUPPLIERS = 20;

/** The read filter of a chart with single-valued periods (the reads take one from and one to). */
function readFilter(ctx: ChartContext): Record<string, string | string[]> {
  const f = filterOf(ctx);
  for (const p of ['from', 'to'] as const) {
    const v = single(f[p]);
    if (v === undefined || v === '') delete f[p];
    else f[p] = v;
  }
  return f;
}

/**
 * The rows of an SME and VCSE chart (pure): per group with a known supplier value, one row for SMEs and one for VCSEs,
 * with the share and the £ behind it; and the shares over every group (the sums of the numerators and denominators).
 */
export function smeVcseRows(rows: IndicatorRow[], key: 'sector' | 'region', label: (v: string | null) => string): { rows: Row[]; sme: number | null; vcse: number | null } {
  const out: Row[] = [];
  let known = 0;
  let sme = 0;
  let vcse = 0;
  for (const r of rows) {
    const denominator = num(r.sme_value_share_denominator) ?? 0;
    if (denominator <= 0) continue;
    known += denominator;
    sme += num(r.sme_value_share_numerator) ?? 0;
    vcse += num(r.vcse_value_share_numerator) ?? 0;
    const group = r[key] === null ? null : String(r[key]);
    for (const type of SUPPLIER_TYPES) {
      const name = type === 'SME' ? 'sme_value_share' : 'vcse_value_share';
      out.push({
        [key]: group,
        group_label: label(group),
        supplier_type: type,
        share: num(r[name]),
        value_gbp: num(r[`${name}_numerator`]),
        known_value_gbp: denominator,
      });
    }
  }
  return { rows: out, sme: known > 0 ? sme / known : null, vcse: known > 0 ? vcse / known : null };
}

/**
 * Sectors and suppliers: which sectors and suppliers deliver social value (the measures summary by sector and theme,
 * and the stored delivery figures by supplier), and how much contract value goes to SMEs and VCSEs (the indicators by
 * sector and by region).
 */
@Injectable()
export class SectorsBoard implements Board {
  readonly name = 'sectors';

  constructor(
    private readonly measures: MeasuresService,
    private readonly indicators: IndicatorsService,
    private readonly suppliers: SuppliersService,
    private readonly sectors: SectorsService,
  ) {}

  readonly charts = {
    'sector-theme': (ctx: ChartContext) => this.sectorTheme(ctx),
    'sme-vcse-sector': (ctx: ChartContext) => this.smeVcse(ctx, 'sector'),
    'sme-vcse-region': (ctx: ChartContext) => this.smeVcse(ctx, 'region'),
    'top-suppliers': (ctx: ChartContext) => this.topSuppliers(ctx),
  };

  /** The headline figures: the SME and VCSE shares of GET /api/v1/indicators/implementation for the same filters. */
  async tiles(query: DashboardQuery): Promise<Tile[]> {
    const { kind, region, nation, sector, from, to, basis } = query;
    const result = await this.indicators.implementation({ kind, region, nation, sector, from: single(from) || undefined, to: single(to) || undefined, basis: single(basis) });
    const r: IndicatorRow = result.rows[0] ?? {};
    const src = (field: string) => `GET /api/v1/indicators/implementation: ${field}`;
    return [
      { name: 'awarded_value_gbp', label: 'Value of awarded contracts', value: num(r.awarded_value_gbp), format: 'gbpShort', note: src('awarded_value_gbp') },
      { name: 'sme_value_share', label: 'Contract value to SMEs', value: num(r.sme_value_share), format: 'pct', note: src('sme_value_share') },
      { name: 'vcse_value_share', label: 'Contract value to VCSEs', value: num(r.vcse_value_share), format: 'pct', note: src('vcse_value_share') },
      { name: 'sv_gbp', label: '£ of social value delivered', value: num(r.sv_gbp), format: 'gbpShort', note: src('sv_gbp') },
    ];
  }

  /** £ delivered by sector (CPV division) x theme: a heat map with the £ in each cell. */
  private async sectorTheme(ctx: ChartContext): Promise<BuiltChart> {
    const result = await this.measures.summary({ ...readFilter(ctx), group_by: ['sector', 'theme'], basis: single(ctx.query.basis) });
    const rows: Row[] = result.rows
      .filter((r) => r.value_gbp !== null)
      .map((r) => ({
        sector: r.sector === null ? null : String(r.sector),
        sector_label: r.sector === null ? 'No sector' : `${String(r.sector)} ${String(r.sector_label ?? '')}`.trim(),
        theme: String(r.theme),
        theme_name: String(r.theme_name),
        value_gbp: num(r.value_gbp) ?? 0,
        returns: num(r.returns) ?? 0,
      }));
    const max = rows.reduce((m, r) => Math.max(m, r.value_gbp as number), 0);
    const top = rows.find((r) => r.value_gbp === max);
    const total = rows.reduce((s, r) => s + (r.value_gbp as number), 0);
    const sectorsShown = new Set(rows.map((r) => r.sector_label)).size;
    const themesShown = new Set(rows.map((r) => r.theme_name)).size;
    return buildChart({
      title: top ? `Most social value came from ${top.theme_name} in ${String(top.sector_label).replace(/^\d\d /, '')}` : 'Social value delivered by sector and theme',
      subtitle: `£ delivered (${result.basis} basis, ${result.base_year} prices) by sector (CPV division) and theme, ${describePlace(ctx.query)}`,
      description: `Heat map of ${sectorsShown} sectors by ${themesShown} themes; darker cells delivered more, and each cell states its £. In all ${await formatNumber(total, 'gbp')}${top ? `; the largest cell is ${top.theme_name} in ${top.sector_label} with ${await formatNumber(max, 'gbp')}` : ''}.`,
      columns: [
        { field: 'sector_label', title: 'Sector (CPV division)' },
        { field: 'theme_name', title: 'Theme' },
        { field: 'value_gbp', title: '£ delivered', format: 'gbp' },
        { field: 'returns', title: 'Returns', format: 'int' },
      ],
      rows,
      empty: 'No social value was delivered in this period for these filters.',
      spec: {
        height: { step: 28 },
        encoding: {
          x: { field: 'theme_name', type: 'nominal', title: 'Theme', axis: { labelAngle: -40, labelLimit: 160 } },
          y: { field: 'sector_label', type: 'nominal', title: null, axis: { labelLimit: 300 } },
        },
        layer: [
          {
            mark: { type: 'rect', tooltip: true, stroke: '#ffffff', strokeWidth: 1 },
            encoding: {
              color: {
                field: 'value_gbp',
                type: 'quantitative',
                title: '£ delivered',
                scale: { range: [...SEQUENTIAL] },
                legend: { format: fmt('gbpShort'), orient: 'bottom', gradientLength: 240 },
              },
              tooltip: [
                { field: 'sector_label', title: 'Sector' },
                { field: 'theme_name', title: 'Theme' },
                { field: 'value_gbp', title: '£ delivered', type: 'quantitative', format: fmt('gbp') },
                { field: 'returns', title: 'Returns', type: 'quantitative', format: fmt('int') },
              ],
            },
          },
          {
            mark: { type: 'text', fontSize: 11 },
            encoding: {
              text: { field: 'value_gbp', type: 'quantitative', format: fmt('gbpShort') },
              color: { condition: { test: `datum.value_gbp > ${max / 2}`, value: '#ffffff' }, value: '#0b0c0c' },
            },
          },
        ],
      },
    });
  }

  /** SME and VCSE shares of contract value by sector or by region: a dot plot on one % axis. */
  private async smeVcse(ctx: ChartContext, key: 'sector' | 'region'): Promise<BuiltChart> {
    const result = await this.indicators.implementation({ ...readFilter(ctx), group_by: key, basis: single(ctx.query.basis) });
    const names = key === 'sector' ? new Map((await this.sectors.listSectors()).data.map((s) => [s.code, s.label])) : new Map<string, string>();
    const label =
      key === 'sector'
        ? (v: string | null) => (v === null ? 'No sector' : `${v} ${names.get(v) ?? ''}`.trim())
        : (v: string | null) => v ?? 'No region (UK-wide bodies)';
    const { rows, sme, vcse } = smeVcseRows(result.rows, key, label);
    // groups by SME share, largest first
    const order = rows
      .filter((r) => r.supplier_type === 'SME')
      .sort((a, b) => ((b.share as number | null) ?? -1) - ((a.share as number | null) ?? -1))
      .map((r) => String(r.group_label));
    const by = key === 'sector' ? 'sector (CPV division)' : 'region';
    const smePct = await formatNumber(sme, 'pct');
    const vcsePct = await formatNumber(vcse, 'pct');
    const columns: Column[] = [
      { field: 'group_label', title: key === 'sector' ? 'Sector (CPV division)' : 'Region' },
      { field: 'supplier_type', title: 'Lead supplier' },
      { field: 'share', title: 'Share of contract value', format: 'pct' },
      { field: 'value_gbp', title: '£ to these suppliers', format: 'gbp' },
      { field: 'known_value_gbp', title: '£ with the supplier known', format: 'gbp' },
    ];
    return buildChart({
      title: sme === null ? `SME and VCSE share of contract value by ${key}` : `SMEs won ${smePct} of contract value and VCSEs ${vcsePct}`,
      subtitle: `Share of awarded contract value (lead supplier known) won by SMEs and VCSEs, by ${by}, ${describePlace(ctx.query)} (by award date)`,
      description: `Dot plot, one row per ${key}, of the share of the value of awarded contracts whose lead supplier's size or VCSE status is known: the SME share as a dark blue circle and the VCSE share as a turquoise square, on a percentage scale. Over all ${key === 'sector' ? 'sectors' : 'regions'}: SMEs ${smePct}, VCSEs ${vcsePct}.`,
      columns,
      rows,
      empty: 'No awarded contracts with a known supplier in this period for these filters.',
      spec: {
        height: { step: 24 },
        encoding: {
          y: { field: 'group_label', type: 'nominal', title: null, sort: order, axis: { labelLimit: 300 } },
        },
        layer: [
          {
            mark: { type: 'rule', color: '#d9d9d9' },
            transform: [
              { filter: 'isValid(datum.share)' },
              { aggregate: [{ op: 'min', field: 'share', as: 'low' }, { op: 'max', field: 'share', as: 'high' }], groupby: ['group_label'] },
            ],
            encoding: { x: { field: 'low', type: 'quantitative' }, x2: { field: 'high' } },
          },
          {
            mark: { type: 'point', filled: true, size: 90, tooltip: true },
            encoding: {
              x: { field: 'share', type: 'quantitative', title: 'Share of contract value (%)', axis: { format: fmt('pctAxis'), tickCount: 6 }, scale: { domain: [0, 1] } },
              color: { field: 'supplier_type', type: 'nominal', title: 'Lead supplier', scale: { domain: [...SUPPLIER_TYPES], range: SUPPLIER_TYPE_COLOURS } },
              shape: { field: 'supplier_type', type: 'nominal', title: 'Lead supplier', scale: { domain: [...SUPPLIER_TYPES], range: SUPPLIER_TYPE_SHAPES } },
              tooltip: [
                { field: 'group_label', title: key === 'sector' ? 'Sector' : 'Region' },
                { field: 'supplier_type', title: 'Lead supplier' },
                { field: 'share', title: 'Share of contract value', type: 'quantitative', format: fmt('pct') },
                { field: 'value_gbp', title: '£ to these suppliers', type: 'quantitative', format: fmt('gbp') },
                { field: 'known_value_gbp', title: '£ with the supplier known', type: 'quantitative', format: fmt('gbp') },
              ],
            },
          },
        ],
      },
    });
  }

  /** The suppliers that delivered the most £ against their commitments, each with its delivery rating in words. */
  private async topSuppliers(ctx: ChartContext): Promise<BuiltChart> {
    const result = await this.suppliers.top({ ...readFilter(ctx), basis: single(ctx.query.basis) || undefined, limit: TOP_SUPPLIERS }, ctx.scope);
    const rows: Row[] = [];
    for (const [i, s] of result.rows.entries()) {
      rows.push({
        rank: i + 1,
        supplier: s.supplier,
        supplier_label: `${i + 1}. ${s.supplier}`,
        kind: [s.scale === 'sme' ? 'SME' : null, s.vcse ? 'VCSE' : null].filter(Boolean).join(', ') || null,
        contracts: s.contracts,
        delivered_gbp: s.delivered_gbp,
        expected_gbp: s.expected_gbp,
        delivery_ratio: s.delivery_ratio,
        rating: s.delivery_rating_label,
        rating_text: `${s.delivery_rating_label}${s.delivery_ratio === null ? '' : `, ${await formatNumber(s.delivery_ratio, 'pct')} of expected`}`,
      });
    }
    const top = result.rows[0];
    const scoped = ctx.scope.authorities === null ? '' : `; authorities this key reads: ${ctx.scope.authorities.join(', ')}`;
    return buildChart({
      title: top ? `${top.supplier} delivered the most social value: ${await formatNumber(top.delivered_gbp, 'gbp')}` : 'Top suppliers by social value delivered',
      subtitle: `£ delivered to date against commitments (${result.basis} basis, as of ${result.as_of}) by lead supplier, top ${TOP_SUPPLIERS}, ${describePlace(ctx.query)} (by award date)${scoped}`,
      description: `Horizontal bars of £ delivered to date by supplier, largest first, each labelled with its delivery rating and the share of what was expected that it delivered. ${result.rows
        .slice(0, 5)
        .map((s) => `${s.supplier}: ${s.delivered_gbp ?? 0} pounds, ${s.delivery_rating_label}`)
        .join('; ')}.`,
      columns: [
        { field: 'rank', title: 'Rank', format: 'int' },
        { field: 'supplier', title: 'Supplier' },
        { field: 'kind', title: 'SME or VCSE' },
        { field: 'contracts', title: 'Contracts', format: 'int' },
        { field: 'delivered_gbp', title: '£ delivered to date', format: 'gbp' },
        { field: 'expected_gbp', title: '£ expected to date', format: 'gbp' },
        { field: 'delivery_ratio', title: 'Delivered of expected', format: 'pct' },
        { field: 'rating', title: 'Rating' },
      ],
      rows,
      empty: 'No supplier delivered social value against commitments in this period for these filters.',
      spec: {
        height: { step: 24 },
        encoding: {
          y: { field: 'supplier_label', type: 'nominal', title: null, sort: null, axis: { labelLimit: 300 } },
          // room to the right of the longest bar for its label
          x: {
            field: 'delivered_gbp',
            type: 'quantitative',
            title: '£ delivered to date (pounds)',
            axis: { format: fmt('gbpShort') },
            scale: { domainMax: Math.max(0, ...rows.map((r) => Number(r.delivered_gbp) || 0)) * 1.6 },
          },
        },
        layer: [
          {
            mark: { type: 'bar', tooltip: true },
            encoding: {
              color: { field: 'rating', type: 'nominal', title: 'Delivery rating', scale: ratingScale() },
              tooltip: [
                { field: 'supplier', title: 'Supplier' },
                { field: 'kind', title: 'SME or VCSE' },
                { field: 'contracts', title: 'Contracts', type: 'quantitative', format: fmt('int') },
                { field: 'delivered_gbp', title: '£ delivered to date', type: 'quantitative', format: fmt('gbp') },
                { field: 'expected_gbp', title: '£ expected to date', type: 'quantitative', format: fmt('gbp') },
                { field: 'delivery_ratio', title: 'Delivered of expected', type: 'quantitative', format: fmt('pct') },
                { field: 'rating', title: 'Rating' },
              ],
            },
          },
          { mark: { type: 'text', align: 'left', dx: 4 }, encoding: { text: { field: 'rating_text', type: 'nominal' } } },
        ],
      },
    });
  }
}
