import { Injectable } from '@nestjs/common';
import { buildChart, fmt, type BuiltChart, type DashboardQuery, type Row } from '../../../dashboards/chart';
import { DashboardsService } from '../../../dashboards/dashboards.service';
import { KIND_GROUP_LABELS } from '../../../dashboards/describe';
import { formatNumber, gbpShort } from '../../../dashboards/format';
import { CATEGORIES, CATEGORY_LABELS, categoryScale, type Category } from '../../../dashboards/theme';
import { DomainError } from '../../../metrics/platform/errors';
import { ExchangeFiguresService } from '../../../metrics/read/exchange/exchange-figures.service';
import { IndicatorsService, type IndicatorRow } from '../../../metrics/read/indicators/indicators.service';
import { MeasuresService, type SummaryResult, type SummaryRow } from '../../../metrics/read/measures/measures.service';
import { SuppliersService } from '../../../metrics/read/suppliers/suppliers.service';
import { CatalogueService } from '../../../metrics/reference/catalogue/catalogue.service';
import type { FrameworkDef } from '../../../metrics/reference/catalogue/framework-definition';
import { EVERYTHING, invalidParameter, parseReadFilter, type ListField, type ReadScope } from '../../../metrics/reference/read-filter/read-filter';
import { ReadFilterRepository } from '../../../metrics/reference/read-filter/read-filter.repository';
import { SectorsService } from '../../../metrics/reference/sectors/sectors.service';
import type { ReportParams, ReportPeriod } from '../../catalogue';
import type { BuildContext, BuiltReport, ChartModel, FigureModel, ReportBuilder, TableModel } from '../../report';
import { exchangeSection, type ExchangeFigureName } from '../national/exchange.section';
import { loadFormats } from '../national/national.report';

/** The filters the evidence report takes, in the order it names them (the read filter's own names). */
const FILTERS = ['theme', 'region', 'sector', 'kind'] as const;
type EvidenceFilter = (typeof FILTERS)[number];
const BASES = ['nominal', 'real', 'net'] as const;
type Basis = (typeof BASES)[number];
/** Rows of the case tables. */
export const LARGEST_ROWS = 10;
/** Suppliers and contracts of the key holders' copy. */
export const SUPPLIER_ROWS = 10;
/** The exchange's headline figures the evidence report prints (the national report's, for the same filter: one builder). */
export const EVIDENCE_EXCHANGE_FIGURES: readonly ExchangeFigureName[] = ['pledged_gbp', 'confirmed_gbp', 'conversion', 'most_deprived_share', 'open_needs', 'unmet_gbp'];

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const VALUATION_WORDS: Record<string, string> = { proxy: 'Proxy value', wellbeing: 'WELLBY value', record_only: 'Not valued' };

const num = (v: unknown): number | null => (v === null || v === undefined || v === '' ? null : Number(v));

/** 1 January 2025 (a date in words, without the clock or the locale's data). */
function dayWords(iso: string): string {
  return `${Number(iso.slice(8, 10))} ${MONTHS[Number(iso.slice(5, 7)) - 1]} ${iso.slice(0, 4)}`;
}

/** A report period in words: its label and its first and last day. */
export function periodWords(period: ReportPeriod): string {
  return `${period.label} (${dayWords(period.start)} to ${dayWords(period.end)})`;
}

/** A query string in a fixed order (what a reader types to get the same figure from the API). */
function queryString(q: Record<string, string | undefined>): string {
  return Object.entries(q)
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${k}=${encodeURIComponent(v!).replace(/%2C/g, ',')}`)
    .join('&');
}

/** What the filters name, looked up: for the subtitle, the cover's sentences and the methodology. */
interface FilterNames {
  themes: { code: string; name: string }[];
  regions: string[];
  sectors: { code: string; label: string }[];
  kinds: string[];
}

/** A summary's rows by a key of their group columns. */
function byKey(result: SummaryResult, key: (r: SummaryRow) => string): Map<string, SummaryRow> {
  return new Map(result.rows.map((r) => [key(r), r]));
}

/**
 * The evidence report, for umbrella bodies: outcomes by theme and category with £ nominal, real and net side by side,
 * the SME and VCSE share of contract value, the local-economic, social and environmental split, the largest deliveries,
 * and the methodology behind them, for a period and any of theme, region, sector and kind of authority. Every figure
 * is read from the measures summary and the implementation indicators for the same filters (as the API gives them);
 * the charts are the sectors dashboard's where one fits. Supplier-level rows (contracts by what their suppliers
 * returned, the top suppliers) only in a key holder's copy, read within its scope.
 */
@Injectable()
export class EvidenceReport implements ReportBuilder {
  readonly name = 'evidence' as const;

  constructor(
    private readonly measures: MeasuresService,
    private readonly indicators: IndicatorsService,
    private readonly suppliers: SuppliersService,
    private readonly dashboards: DashboardsService,
    private readonly catalogue: CatalogueService,
    private readonly sectors: SectorsService,
    private readonly filters: ReadFilterRepository,
    private readonly exchange: ExchangeFiguresService,
  ) {}

  /** Refuses a theme, region, sector or kind that names nothing (400 naming the field), before a run is queued. */
  async check(params: ReportParams): Promise<void> {
    await this.names(params);
  }

  /**
   * The filters looked up: the read filter's own parser (400 for a kind not in its list, a sector not two digits), then
   * every name in the reference data (the default framework's themes, the authorities' regions, the CPV divisions);
   * a name that names nothing is a 400 naming its field and what it could be.
   */
  private async names(params: ReportParams): Promise<FilterNames> {
    const raw: Partial<Record<ListField, string>> = {};
    for (const f of FILTERS) if (params[f]) raw[f] = params[f];
    const parsed = parseReadFilter(raw, FILTERS);
    let resolved;
    try {
      resolved = await this.filters.resolve({ ...parsed, themes: undefined });
    } catch (err) {
      if (err instanceof DomainError && err.code === 'not_found') {
        const detail = (Array.isArray(err.details) ? err.details[0] : undefined) as { field?: string; value?: string } | undefined;
        const field = detail?.field ?? 'filter';
        throw invalidParameter(field, `${field}: ${detail?.value ?? ''} names no ${field === 'sector' ? 'CPV division' : field}`, detail?.value);
      }
      throw err;
    }
    const framework = await this.framework();
    const themes = framework.themes.map((t) => ({ code: t.code, name: t.name }));
    const asked = parsed.themes ?? [];
    const unknown = asked.find((code) => !themes.some((t) => t.code === code));
    if (unknown !== undefined) {
      throw invalidParameter('theme', `theme: ${unknown} is not a theme of the ${framework.code} ${framework.version} framework (${themes.map((t) => t.code).join(', ')})`, unknown);
    }
    const sectorLabels = parsed.sectors ? new Map((await this.sectors.listSectors()).data.map((s: { code: string; label: string }) => [s.code, s.label])) : new Map<string, string>();
    return {
      themes: themes.filter((t) => asked.includes(t.code)),
      regions: resolved.regions ?? [],
      sectors: (parsed.sectors ?? []).map((code) => ({ code, label: sectorLabels.get(code) ?? '' })),
      kinds: parsed.kinds ?? [],
    };
  }

  private async framework(): Promise<FrameworkDef> {
    const def = (await this.catalogue.list()).find((f) => f.is_default);
    if (!def) throw new DomainError('not_found', 'No default framework is loaded', { framework: null });
    return this.catalogue.get(def.code, def.version);
  }

  async build(ctx: BuildContext): Promise<BuiltReport> {
    const names = await this.names(ctx.params);
    const framework = await this.framework();
    const p = ctx.params;
    const period = { from: ctx.period.label, to: ctx.period.label };
    const filter: Partial<Record<EvidenceFilter, string>> = {};
    for (const f of FILTERS) if (p[f]) filter[f] = p[f];
    const q = { ...period, ...filter };
    // the indicators take no theme: contract value is not split by theme
    const indicatorQ = { ...period, region: filter.region, sector: filter.sector, kind: filter.kind };

    const summary = (basis: Basis, groupBy: string[] = []) => this.measures.summary({ ...q, basis, ...(groupBy.length ? { group_by: groupBy } : {}) });
    const [totals, themes, categories, byMeasure, largest, coverage, implementation, anyDemo] = await Promise.all([
      Promise.all(BASES.map((b) => summary(b))),
      Promise.all(BASES.map((b) => summary(b, ['theme', 'category']))),
      Promise.all(BASES.map((b) => summary(b, ['category']))),
      summary('net', ['theme', 'measure']),
      summary('net', ['authority', 'theme', 'measure']),
      this.measures.coverage(q),
      this.indicators.implementation({ ...indicatorQ, basis: 'net' }),
      // as the dashboards' pages decide: any demo contract of these filters
      this.indicators.implementation({ region: filter.region, sector: filter.sector, kind: filter.kind }),
    ]);
    const total = Object.fromEntries(BASES.map((b, i) => [b, totals[i].totals.value_gbp])) as Record<Basis, number | null>;
    const ind: IndicatorRow = implementation.rows[0] ?? {};
    const demo =
      totals[2].rows.some((r) => Number(r.demo_returns ?? 0) > 0) ||
      Number(ind.demo_contracts ?? 0) > 0 ||
      anyDemo.rows.some((r) => Number(r.demo_contracts ?? 0) > 0);

    // the dashboards' charts, for the same filters (their own default basis is net, as here)
    const dashQ: DashboardQuery = { ...period, ...filter, basis: 'net' };
    const smeChart = names.regions.length === 1 ? 'sme-vcse-sector' : 'sme-vcse-region';
    // the exchange: a need's place and the measure's theme (no sector, no kind of authority), the same builder as the national report's
    const exchangeWhere = [
      ...(names.regions.length ? [`in ${names.regions.join(' and ')}`] : []),
      ...(names.themes.length ? [`for the theme ${names.themes.map((t) => t.name).join(' and ')}`] : []),
    ];
    const [sectorTheme, smeVcse, exchangeByTheme, exchange] = await Promise.all([
      this.dashboards.chart('sectors', 'sector-theme', dashQ, EVERYTHING),
      this.dashboards.chart('sectors', smeChart, dashQ, EVERYTHING),
      this.dashboards.chart('exchange', 'by-theme', dashQ, EVERYTHING),
      loadFormats().then((f) =>
        exchangeSection(
          this.exchange,
          { ...period, region: filter.region, theme: filter.theme, basis: 'net' },
          { period: periodWords(ctx.period), where: exchangeWhere.length ? ` ${exchangeWhere.join(', ')}` : '' },
          f,
        ),
      ),
    ]);

    const qs = (extra: Record<string, string> = {}) => queryString({ from: period.from, to: period.to, ...filter, ...extra });
    const summaryUrl = (extra: Record<string, string> = {}) => `GET /api/v1/measures/summary?${qs(extra)}`;
    const indicatorUrl = `GET /api/v1/indicators/implementation?${queryString({ ...indicatorQ, basis: 'net' })}`;
    const baseYear = totals[1].base_year;

    const figures: FigureModel[] = [
      { label: 'Social value delivered (£, net)', value: total.net, format: 'gbp', source: `${summaryUrl({ basis: 'net' })}: totals.value_gbp` },
      { label: `Social value delivered (£, real, ${baseYear} prices)`, value: total.real, format: 'gbp', source: `${summaryUrl({ basis: 'real' })}: totals.value_gbp` },
      { label: 'Social value delivered (£, nominal)', value: total.nominal, format: 'gbp', source: `${summaryUrl({ basis: 'nominal' })}: totals.value_gbp` },
      { label: 'Outcome returns counted', value: totals[2].totals.returns, format: 'int', source: `${summaryUrl({ basis: 'net' })}: totals.returns` },
      { label: 'Contract value won by SMEs (%)', value: num(ind.sme_value_share), format: 'pct', source: `${indicatorUrl}: rows[0].sme_value_share` },
      { label: 'Contract value won by VCSEs (%)', value: num(ind.vcse_value_share), format: 'pct', source: `${indicatorUrl}: rows[0].vcse_value_share` },
    ];

    const themeTable = this.themeTable(themes, total, totals[2].totals.returns, baseYear);
    const categoryTable = this.categoryTable(categories, total, totals[2].totals.returns, baseYear);
    const themeChart = await this.themeChart(themes[2], summaryUrl({ basis: 'net', group_by: 'theme,category' }), ctx, names);
    const categoryChart = await this.categoryChart(categoryTable, summaryUrl({ basis: 'net', group_by: 'category' }), ctx, names);
    const largestTable = this.largestTable(largest);
    const measureTables = this.measureTables(framework, byMeasure, names);
    const smeTable = this.smeTable(smeVcse, smeChart === 'sme-vcse-sector' ? 'Sector (CPV division)' : 'Region');

    const charts: Record<string, ChartModel> = {
      themes: themeChart,
      'sector-theme': chartModel('sectors/sector-theme', sectorTheme),
      categories: categoryChart,
      'sme-vcse': chartModel(`sectors/${smeChart}`, smeVcse),
      'exchange-by-theme': chartModel('exchange/by-theme', exchangeByTheme),
    };
    const tables: Record<string, TableModel> = {
      themes: themeTable,
      categories: categoryTable,
      'sme-vcse': smeTable,
      largest: largestTable,
      'exchange-needs': exchange.tables.needs,
      'exchange-themes': exchange.tables.themes,
      'exchange-regions': exchange.tables.regions,
      ...measureTables,
    };

    let supplier: Record<string, unknown> | null = null;
    if (ctx.supplierScope !== null) {
      const s = await this.supplierSections(ctx.supplierScope, q, dashQ, total.net);
      charts['top-suppliers'] = s.chart;
      tables.contracts = s.contracts;
      tables.suppliers = s.suppliers;
      supplier = s.content;
    }

    const content = await this.content({
      ctx,
      names,
      total,
      baseYear,
      returns: totals[2].totals,
      coverage,
      ind,
      categoryTable,
      themeRows: themeTable.rows,
      largest: largestTable.rows,
      framework,
      measureTables: Object.keys(measureTables),
      supplier,
      endpoints: {
        summary: summaryUrl({ basis: 'net' }),
        indicators: indicatorUrl,
        suppliers: ctx.supplierScope ? `GET /api/v1/dashboards/sectors/charts/top-suppliers?${qs({ basis: 'net' })}` : null,
      },
      smeBy: smeChart === 'sme-vcse-sector' ? 'sector' : 'region',
    });
    const endpoints = content.endpoints as Array<{ what: string; call: string }>;
    endpoints.push({
      what: 'The exchange: £ pledged and confirmed, conversion, open needs and unmet need',
      call: `${exchange.content.api} (its tiles; by theme and by region: /api/v1/dashboards/exchange/charts/by-theme.csv and by-region.csv with the same query)`,
    });
    content.exchange = {
      ...exchange.content,
      figures: EVIDENCE_EXCHANGE_FIGURES.map((name) => exchange.figures[name]),
      // the exchange is filtered by a need's place and the measure's theme: not by sector or kind of buyer
      scope:
        names.sectors.length || names.kinds.length
          ? `The exchange's figures follow the period, the region and the theme of this report, not its ${[names.sectors.length ? 'sector' : '', names.kinds.length ? 'kind of authority' : ''].filter(Boolean).join(' or ')}: a need is in a place, not in a sector or a kind of buyer.`
          : null,
    };
    return { subtitle: subtitle(names, ctx.period), demo, figures, charts, tables, content };
  }

  /** Theme x category with £ on the three bases side by side, a total row last. */
  private themeTable(themes: SummaryResult[], total: Record<Basis, number | null>, returns: number, baseYear: number): TableModel {
    const key = (r: SummaryRow) => `${String(r.theme)}\u0001${String(r.category)}`;
    const [nominal, real] = [byKey(themes[0], key), byKey(themes[1], key)];
    const rows: Row[] = themes[2].rows.map((r) => ({
      theme: String(r.theme),
      theme_name: String(r.theme_name),
      category: CATEGORY_LABELS[r.category as Category] ?? String(r.category),
      returns: num(r.returns),
      nominal_gbp: num(nominal.get(key(r))?.value_gbp),
      real_gbp: num(real.get(key(r))?.value_gbp),
      net_gbp: num(r.value_gbp),
    }));
    if (rows.length > 0) rows.push({ theme: null, theme_name: 'All themes', category: 'All', returns, nominal_gbp: total.nominal, real_gbp: total.real, net_gbp: total.net });
    return {
      caption: 'Social value delivered by theme and category, on the three bases',
      columns: [
        { field: 'theme_name', title: 'Theme' },
        { field: 'category', title: 'Category' },
        { field: 'returns', title: 'Outcome returns', format: 'int' },
        { field: 'nominal_gbp', title: '£ nominal', format: 'gbp' },
        { field: 'real_gbp', title: `£ real (${baseYear} prices)`, format: 'gbp' },
        { field: 'net_gbp', title: `£ net (${baseYear} prices)`, format: 'gbp' },
      ],
      rows,
      empty: 'No outcome returns end in this period for these filters.',
      note: `£ in pounds. Nominal: prices of the year delivered; real: ${baseYear} prices (GDP deflator); net: real less deadweight, displacement and attribution. A dash: the returns are of measures counted but not valued in £.`,
    };
  }

  /** The local-economic, social and environmental split: each category on the three bases, its share of net £, a total row. */
  private categoryTable(categories: SummaryResult[], total: Record<Basis, number | null>, returns: number, baseYear: number): TableModel {
    const key = (r: SummaryRow) => String(r.category);
    const [nominal, real, net] = categories.map((c) => byKey(c, key));
    const any = categories[2].rows.length > 0;
    const rows: Row[] = any
      ? CATEGORIES.map((c) => {
          const n = net.get(c);
          const value = num(n?.value_gbp);
          return {
            category: c,
            category_label: CATEGORY_LABELS[c],
            returns: num(n?.returns) ?? 0,
            nominal_gbp: num(nominal.get(c)?.value_gbp),
            real_gbp: num(real.get(c)?.value_gbp),
            net_gbp: value,
            share: value !== null && total.net ? Number((value / total.net).toFixed(6)) : null,
          };
        })
      : [];
    if (any) rows.push({ category: null, category_label: 'All categories', returns, nominal_gbp: total.nominal, real_gbp: total.real, net_gbp: total.net, share: total.net ? 1 : null });
    return {
      caption: 'The local-economic, social and environmental split',
      columns: [
        { field: 'category_label', title: 'Category' },
        { field: 'returns', title: 'Outcome returns', format: 'int' },
        { field: 'nominal_gbp', title: '£ nominal', format: 'gbp' },
        { field: 'real_gbp', title: `£ real (${baseYear} prices)`, format: 'gbp' },
        { field: 'net_gbp', title: `£ net (${baseYear} prices)`, format: 'gbp' },
        { field: 'share', title: 'Share of £ net (%)', format: 'pct' },
      ],
      rows,
      empty: 'No outcome returns end in this period for these filters, so there is no split to show.',
      note: 'Each measure belongs to one category, whatever its theme. £ in pounds; a dash: nothing valued in £ in that category.',
    };
  }

  /** £ net by theme, coloured by category, largest first (the authority dashboard's mix of themes, for any filter). */
  private async themeChart(net: SummaryResult, source: string, ctx: BuildContext, names: FilterNames): Promise<ChartModel> {
    const rows: Row[] = net.rows
      .filter((r) => r.value_gbp !== null)
      .map((r) => {
        const category = CATEGORY_LABELS[r.category as Category] ?? String(r.category);
        const value = num(r.value_gbp) ?? 0;
        return { theme: String(r.theme), theme_name: String(r.theme_name), category, theme_label: String(r.theme_name), value_gbp: value, value_text: gbpShort(value), returns: num(r.returns) ?? 0 };
      })
      .sort((a, b) => (b.value_gbp as number) - (a.value_gbp as number) || String(a.theme_label).localeCompare(String(b.theme_label)));
    // a theme with £ in several categories: a bar for each, its category named
    for (const r of rows) if (rows.filter((x) => x.theme === r.theme).length > 1) r.theme_label = `${String(r.theme_name)} (${String(r.category)})`;
    const sum = rows.reduce((s, r) => s + (r.value_gbp as number), 0);
    const top = rows[0];
    const share = top && sum > 0 ? (top.value_gbp as number) / sum : null;
    const built = buildChart({
      title: top && share !== null ? `${await formatNumber(share, 'pct')} of the social value was in ${top.theme_name} (${String(top.category).toLowerCase()})` : 'Social value by theme and category',
      subtitle: `£ delivered (net basis, ${net.base_year} prices) by theme and category, ${filterWords(names)}, outcomes ending in ${ctx.period.label}`,
      description: `Horizontal bars of £ delivered (net) by theme and category, largest first, coloured by category (local economic dark blue, social turquoise, environmental dark pink) and labelled with their £. In all ${await formatNumber(sum, 'gbp')}${top ? `; the largest is ${top.theme_label} with ${await formatNumber(top.value_gbp as number, 'gbp')}` : ''}.`,
      columns: [
        { field: 'theme_name', title: 'Theme' },
        { field: 'category', title: 'Category' },
        { field: 'value_gbp', title: '£ delivered (net)', format: 'gbp' },
        { field: 'returns', title: 'Outcome returns', format: 'int' },
      ],
      rows,
      empty: `No social value valued in £ was delivered in ${ctx.period.label} for these filters.`,
      spec: {
        height: { step: 30 },
        encoding: {
          y: { field: 'theme_label', type: 'nominal', title: null, sort: null, axis: { labelLimit: 400 } },
          x: {
            field: 'value_gbp',
            type: 'quantitative',
            title: '£ delivered, net (pounds)',
            axis: { format: fmt('gbpShort') },
            scale: { domainMax: Math.max(0, ...rows.map((r) => r.value_gbp as number)) * 1.2 },
          },
        },
        layer: [
          {
            mark: { type: 'bar', tooltip: true },
            encoding: {
              color: { field: 'category', type: 'nominal', title: 'Category', scale: categoryScale(), legend: null },
              tooltip: [
                { field: 'theme_name', title: 'Theme' },
                { field: 'category', title: 'Category' },
                { field: 'value_gbp', title: '£ delivered (net)', type: 'quantitative', format: fmt('gbp') },
                { field: 'returns', title: 'Outcome returns', type: 'quantitative', format: fmt('int') },
              ],
            },
          },
          { mark: { type: 'text', align: 'left', dx: 4 }, encoding: { text: { field: 'value_text', type: 'nominal' } } },
        ],
      },
    });
    return chartModel(source, built);
  }

  /** The split by category: a bar for each, labelled with its £ and share of the net total. */
  private async categoryChart(table: TableModel, source: string, ctx: BuildContext, names: FilterNames): Promise<ChartModel> {
    const rows: Row[] = [];
    for (const r of table.rows) {
      if (r.category === null || r.net_gbp === null) continue;
      rows.push({
        category: String(r.category_label),
        value_gbp: r.net_gbp,
        share: r.share,
        label: `${gbpShort(r.net_gbp as number)} (${await formatNumber(r.share as number | null, 'pct')})`,
      });
    }
    const top = [...rows].sort((a, b) => (b.value_gbp as number) - (a.value_gbp as number))[0];
    const built = buildChart({
      title: top ? `${top.category} outcomes were ${await formatNumber(top.share as number | null, 'pct')} of the social value delivered` : 'The local-economic, social and environmental split',
      subtitle: `£ delivered (net basis) by category, ${filterWords(names)}, outcomes ending in ${ctx.period.label}`,
      description: `Horizontal bars of £ delivered (net) in each category, labelled with the £ and the share of the total: ${rows.map((r) => `${r.category} ${r.label}`).join('; ')}.`,
      columns: [
        { field: 'category', title: 'Category' },
        { field: 'value_gbp', title: '£ delivered (net)', format: 'gbp' },
        { field: 'share', title: 'Share of £ net (%)', format: 'pct' },
      ],
      rows,
      empty: `No social value valued in £ was delivered in ${ctx.period.label} for these filters.`,
      spec: {
        height: { step: 40 },
        encoding: {
          y: { field: 'category', type: 'nominal', title: null, sort: CATEGORIES.map((c) => CATEGORY_LABELS[c]), axis: { labelLimit: 200 } },
          x: {
            field: 'value_gbp',
            type: 'quantitative',
            title: '£ delivered, net (pounds)',
            axis: { format: fmt('gbpShort') },
            scale: { domainMax: Math.max(0, ...rows.map((r) => r.value_gbp as number)) * 1.35 },
          },
        },
        layer: [
          { mark: { type: 'bar', tooltip: true }, encoding: { color: { field: 'category', type: 'nominal', title: 'Category', scale: categoryScale(), legend: null } } },
          { mark: { type: 'text', align: 'left', dx: 4 }, encoding: { text: { field: 'label', type: 'nominal' } } },
        ],
      },
    });
    return chartModel(source, built);
  }

  /** The SME and VCSE shares of each group of the dashboard chart, one row per group. */
  private smeTable(chart: BuiltChart, by: string): TableModel {
    const groups = new Map<string, Row>();
    for (const r of chart.rows) {
      const label = String(r.group_label);
      const row = groups.get(label) ?? { group_label: label, sme_share: null, vcse_share: null, known_value_gbp: r.known_value_gbp };
      row[r.supplier_type === 'SME' ? 'sme_share' : 'vcse_share'] = r.share;
      groups.set(label, row);
    }
    return {
      caption: `SME and VCSE share of contract value by ${by.toLowerCase().replace(' (cpv division)', '')}`,
      columns: [
        { field: 'group_label', title: by },
        { field: 'sme_share', title: 'Won by SMEs (%)', format: 'pct' },
        { field: 'vcse_share', title: 'Won by VCSEs (%)', format: 'pct' },
        { field: 'known_value_gbp', title: 'Contract value, lead supplier known (£)', format: 'gbp' },
      ],
      rows: [...groups.values()].sort(
        (a, b) => ((b.sme_share as number | null) ?? -1) - ((a.sme_share as number | null) ?? -1) || String(a.group_label).localeCompare(String(b.group_label)),
      ),
      empty: 'No contracts with a known lead supplier were awarded in this period for these filters.',
      note: 'Shares of the value of contracts awarded in the period whose lead supplier\'s size or VCSE status is known; a supplier can be both.',
    };
  }

  /** The largest deliveries by buyer and measure (aggregates: what the measures summary publishes). */
  private largestTable(result: SummaryResult): TableModel {
    const rows: Row[] = result.rows
      .filter((r) => r.value_gbp !== null && Number(r.value_gbp) > 0)
      .sort(
        (a, b) =>
          Number(b.value_gbp) - Number(a.value_gbp) || String(a.authority).localeCompare(String(b.authority)) || String(a.measure).localeCompare(String(b.measure)),
      )
      .slice(0, LARGEST_ROWS)
      .map((r) => ({
        authority: String(r.authority),
        buyer: String(r.authority_name),
        measure: String(r.measure),
        measure_name: String(r.measure_name),
        theme_name: String(r.theme_name),
        quantity: num(r.quantity),
        unit: String(r.unit),
        value_gbp: num(r.value_gbp),
        returns: num(r.returns),
      }));
    return {
      caption: `The ${LARGEST_ROWS} largest deliveries: buyer and measure`,
      columns: [
        { field: 'buyer', title: 'Buyer' },
        { field: 'measure_name', title: 'Measure' },
        { field: 'theme_name', title: 'Theme' },
        { field: 'quantity', title: 'Quantity', format: 'num' },
        { field: 'unit', title: 'Unit' },
        { field: 'value_gbp', title: '£ net', format: 'gbp' },
        { field: 'returns', title: 'Returns', format: 'int' },
      ],
      rows,
      empty: 'No social value valued in £ was delivered in this period for these filters.',
      note: 'Each row sums the outcome returns of one buyer\'s contracts for one measure (GET /api/v1/measures/summary with group_by=authority,theme,measure&basis=net); quantities in the measure\'s unit.',
    };
  }

  /**
   * Which measures count toward each theme (the default framework's, within the theme filter), a table per theme, with
   * what was returned against them.
   */
  private measureTables(framework: FrameworkDef, byMeasure: SummaryResult, names: FilterNames): Record<string, TableModel> {
    const counted = byKey(byMeasure, (r) => String(r.measure));
    const out: Record<string, TableModel> = {};
    for (const t of framework.themes) {
      if (names.themes.length > 0 && !names.themes.some((x) => x.code === t.code)) continue;
      const rows: Row[] = [];
      for (const o of t.outcomes) {
        for (const m of o.measures) {
          const r = counted.get(m.code);
          rows.push({
            measure: m.code,
            measure_name: m.name,
            policy_outcome: o.name,
            category: CATEGORY_LABELS[m.category as Category] ?? m.category,
            unit: m.unit,
            valuation: VALUATION_WORDS[m.valuation] ?? m.valuation,
            returns: num(r?.returns) ?? 0,
            value_gbp: num(r?.value_gbp),
          });
        }
      }
      out[`measures-${t.code}`] = {
        caption: `${t.code} ${t.name}: ${rows.length} measure${rows.length === 1 ? '' : 's'}`,
        columns: [
          { field: 'measure_name', title: 'Measure' },
          { field: 'category', title: 'Category' },
          { field: 'unit', title: 'Unit' },
          { field: 'valuation', title: 'Valued by' },
          { field: 'returns', title: 'Returns', format: 'int' },
          { field: 'value_gbp', title: '£ net', format: 'gbp' },
        ],
        rows,
        empty: 'This theme has no measures in the default framework.',
      };
    }
    return out;
  }

  /** The key holders' sections: contracts by what their suppliers returned in the period, and the top suppliers (within the scope). */
  private async supplierSections(scope: ReadScope, q: Record<string, string | undefined>, dashQ: DashboardQuery, totalNet: number | null) {
    const [contracts, top] = await Promise.all([
      this.suppliers.largestContracts({ ...q, basis: 'net', limit: SUPPLIER_ROWS }, scope),
      this.dashboards.chart('sectors', 'top-suppliers', dashQ, scope),
    ]);
    const contractRows: Row[] = contracts.rows.map((r) => ({
      reference: r.reference,
      contract: `${r.title} (${r.reference})`,
      buyer: r.buyer,
      buyer_code: r.buyer_code,
      supplier: r.supplier,
      supplier_kind: [r.scale === 'sme' ? 'SME' : null, r.vcse ? 'VCSE' : null].filter(Boolean).join(', ') || null,
      main_measure: `${r.top_measure_name} (${r.top_theme_name})`,
      measures: r.measures,
      value_gbp: r.value_gbp,
      share: totalNet ? Number((r.value_gbp / totalNet).toFixed(6)) : null,
    }));
    const scoped = scope.authorities === null ? 'every authority' : `the authorities this key reads (${scope.authorities.join(', ')})`;
    const contractsTable: TableModel = {
      caption: `The ${SUPPLIER_ROWS} contracts whose suppliers returned the most social value`,
      columns: [
        { field: 'contract', title: 'Contract (reference)' },
        { field: 'buyer', title: 'Buyer' },
        { field: 'supplier', title: 'Lead supplier' },
        { field: 'main_measure', title: 'Largest measure (theme)' },
        { field: 'measures', title: 'Measures', format: 'int' },
        { field: 'value_gbp', title: '£ net', format: 'gbp' },
        { field: 'share', title: 'Share of all £ net (%)', format: 'pct' },
      ],
      rows: contractRows,
      empty: 'No contract of these filters returned social value valued in £ in this period.',
      note: `Supplier-level data of ${scoped}. £ net of the latest outcome returns ending in the period; title, buyer and lead supplier as the contract's notices publish them.`,
    };
    const supplierTable: TableModel = {
      caption: `The ${SUPPLIER_ROWS} suppliers that delivered the most against their commitments`,
      columns: top.columns.filter((c) => c.field !== 'rank').map((c) => ({ field: c.field, title: c.title, format: c.format })),
      rows: top.rows.slice(0, SUPPLIER_ROWS),
      empty: 'No supplier delivered social value against commitments for these filters.',
      note: `Supplier-level data of ${scoped}. £ delivered and expected to date (net) of contracts awarded in the period: the first ${SUPPLIER_ROWS} of the chart's ${top.rows.length} (data.json holds them all).`,
    };
    const first = contracts.rows[0];
    const content = {
      scope: scoped,
      contracts_sentence: first
        ? `The contract whose suppliers returned the most was ${first.title} (${first.reference}), bought by ${first.buyer} from ${first.supplier ?? 'a supplier not named in its notice'}: ${await formatNumber(first.value_gbp, 'gbp')} net${totalNet ? `, ${await formatNumber(first.value_gbp / totalNet, 'pct')} of all the social value in this report` : ''}, most of it from ${first.top_measure_name.charAt(0).toLowerCase()}${first.top_measure_name.slice(1)}.`
        : 'No contract of these filters returned social value valued in £ in this period.',
    };
    return { chart: chartModel('sectors/top-suppliers', top), contracts: contractsTable, suppliers: supplierTable, content };
  }

  /** The sentences of the report, from its figures. */
  private async content(a: {
    ctx: BuildContext;
    names: FilterNames;
    total: Record<Basis, number | null>;
    baseYear: number;
    returns: SummaryResult['totals'];
    coverage: { contracts: number; authorities: number };
    ind: IndicatorRow;
    categoryTable: TableModel;
    themeRows: Row[];
    largest: Row[];
    framework: FrameworkDef;
    measureTables: string[];
    supplier: Record<string, unknown> | null;
    endpoints: { summary: string; indicators: string; suppliers: string | null };
    smeBy: 'sector' | 'region';
  }): Promise<Record<string, unknown>> {
    const gbp = (v: number | null) => formatNumber(v, 'gbp');
    const pct = (v: number | null) => formatNumber(v, 'pct');
    const int = (v: number | null) => formatNumber(v, 'int');
    const { total, names, ctx } = a;
    const where = filterWords(names);
    const period = periodWords(ctx.period);
    const hasValue = total.net !== null && total.net !== 0;
    const categories = a.categoryTable.rows.filter((r) => r.category !== null && r.net_gbp !== null).sort((x, y) => (y.net_gbp as number) - (x.net_gbp as number));
    const themes = a.themeRows.filter((r) => r.theme !== null && r.net_gbp !== null).sort((x, y) => (y.net_gbp as number) - (x.net_gbp as number));
    const sme = num(a.ind.sme_value_share);
    const vcse = num(a.ind.vcse_value_share);
    const smeSentence =
      sme === null
        ? `No contract with a known lead supplier was awarded in ${ctx.period.label} for these filters, so there is no SME or VCSE share of contract value to give.`
        : `SMEs won ${await pct(sme)} and VCSEs ${await pct(vcse)} of the ${await gbp(num(a.ind.sme_value_share_denominator))} of contracts awarded in ${ctx.period.label} whose lead supplier's size or status is known.`;

    let lede: string;
    const points: string[] = [];
    if (a.returns.returns === 0) {
      lede = `No outcome returns ending in ${period} match these filters (${where}): this report has no social value to show for them. The sections below say so where their figures would be.`;
    } else if (!hasValue) {
      lede = `In ${period}, for ${where}, ${await int(a.coverage.contracts)} contracts of ${await int(a.coverage.authorities)} buyers sent ${await int(a.returns.returns)} outcome returns, all of them of measures counted but not valued in £.`;
    } else {
      const top = categories[0];
      lede =
        `In ${period}, for ${where}, ${await int(a.coverage.contracts)} contracts of ${await int(a.coverage.authorities)} buyers returned ` +
        `${await int(a.returns.returns)} outcomes worth ${await gbp(total.net)} of social value net of deadweight, displacement and attribution ` +
        `(${await gbp(total.real)} in ${a.baseYear} prices before those adjustments, ${await gbp(total.nominal)} in the prices of the year delivered).` +
        (top ? ` ${top.category_label} outcomes made up ${await pct(top.share as number | null)} of it.` : '');
    }
    if (hasValue) {
      if (themes[0]) {
        points.push(`The largest theme was ${themes[0].theme_name} (${String(themes[0].category).toLowerCase()}), with ${await gbp(themes[0].net_gbp as number)} net${themes[1] ? `; next came ${themes[1].theme_name} (${String(themes[1].category).toLowerCase()}) with ${await gbp(themes[1].net_gbp as number)}` : ''}.`);
      }
      const parts: string[] = [];
      for (const c of categories) parts.push(`${String(c.category_label).toLowerCase()} ${await pct(c.share as number | null)}`);
      if (parts.length > 0) points.push(`By category, the net £ was ${parts.join(', ')}.`);
      if (total.real && total.net! / total.real < 0.9995) {
        points.push(`Net £ is ${await pct(total.net! / total.real)} of real £: the rest is what would have happened anyway, was displaced from elsewhere, or is owed to others (the framework's deadweight, displacement and attribution).`);
      } else if (total.real) {
        points.push('Net £ equal real £ here: the framework sets no deadweight, displacement or attribution for the measures delivered.');
      }
      const first = a.largest[0];
      if (first) points.push(`The largest single delivery was ${first.buyer}'s ${String(first.measure_name).charAt(0).toLowerCase()}${String(first.measure_name).slice(1)}: ${await gbp(first.value_gbp as number)} net.`);
    }
    points.push(smeSentence);
    if (a.returns.unvalued_returns > 0) {
      points.push(`${await int(a.returns.unvalued_returns)} of the ${await int(a.returns.returns)} returns are of measures the framework counts but does not value in £ (or of years without a proxy value): they are in the counts, never in the £.`);
    }

    const filters = [
      { label: 'Period', value: `${period}: outcomes whose reporting period ends in it (the SME and VCSE shares: contracts awarded in it)` },
      { label: 'Theme', value: names.themes.length ? names.themes.map((t) => `${t.code} ${t.name}`).join(', ') : 'every theme' },
      { label: 'Region', value: names.regions.length ? names.regions.join(', ') : 'every region (UK-wide bodies included)' },
      { label: 'Sector (CPV division)', value: names.sectors.length ? names.sectors.map((s) => `${s.code} ${s.label}`.trim()).join(', ') : 'every sector' },
      { label: 'Kind of authority', value: names.kinds.length ? names.kinds.map((k) => KIND_GROUP_LABELS[k] ?? k).join(', ') : 'every kind' },
    ];
    const monthNote = /^\d{4}-\d{2}$/.test(ctx.period.label)
      ? [`The measure rollups are kept by quarter: a month's figures are those of the quarter holding it (${ctx.period.label}).`]
      : [];
    return {
      lede,
      points,
      sme_sentence: smeSentence,
      sme_by: a.smeBy,
      theme_filtered: names.themes.length > 0,
      where,
      period_words: period,
      filters,
      counts: {
        returns: a.returns.returns,
        contract_returns: a.returns.contract_returns,
        unvalued_returns: a.returns.unvalued_returns,
        contracts: a.coverage.contracts,
        authorities: a.coverage.authorities,
        awarded_contracts: num(a.ind.awarded_contracts) ?? 0,
      },
      counts_sentence:
        a.returns.returns === 0
          ? 'No outcome return is behind these figures: none matches the filters in this period.'
          : `The £ figures come from ${await int(a.returns.returns)} outcome returns (the latest revision of each) in ${await int(a.returns.contract_returns)} contract, measure and quarter cells, from ${await int(a.coverage.contracts)} contracts of ${await int(a.coverage.authorities)} buyers. The SME and VCSE shares come from ${await int(num(a.ind.awarded_contracts))} contracts awarded in the period.`,
      endpoints: [
        { what: '£ nominal, real and net, returns, themes, categories, measures and the largest deliveries', call: `${a.endpoints.summary} (with basis=nominal or real, and group_by=theme,category, category, theme,measure or authority,theme,measure)` },
        { what: 'SME and VCSE shares of contract value', call: `${a.endpoints.indicators} (no theme: contract value is not split by theme)` },
        ...(a.endpoints.suppliers ? [{ what: 'Top suppliers (supplier-level, this copy only)', call: a.endpoints.suppliers }] : []),
      ],
      measure_tables: a.measureTables,
      framework: { code: a.framework.code, version: a.framework.version, name: a.framework.name, base_price_year: a.framework.base_price_year },
      notes: [
        'An outcome return counts in the quarter its reporting period ends, valued at its measure\'s proxy value for that year; only the latest revision of each return counts.',
        `Real £ are in ${a.baseYear} prices (the framework's base price year), by the GDP deflator; net £ are real £ times (1 - deadweight)(1 - displacement)(1 - attribution) as the framework sets them for each measure.`,
        'The SME and VCSE shares count contracts by their award date and their lead supplier as the award notice names it; they follow the region, sector and kind filters but not the theme.',
        'Outcomes recorded against another framework\'s measures are not counted here (the summary\'s crosswalk is off): the figures are the default framework\'s own.',
        ...monthNote,
      ],
      supplier: a.supplier,
      supplier_withheld:
        'The supplier-level sections (the contracts whose suppliers returned the most, and the top suppliers by delivery against their commitments) are in the key holders\' copy of this report: they are made from what suppliers send, which the service gives only to key holders.',
    };
  }
}

/** A dashboard's chart (or a report's own, named by its API call) as the report prints it. */
function chartModel(source: string, built: BuiltChart): ChartModel {
  const title = built.spec.title as { text: string } | undefined;
  return { source, title: title?.text ?? '', description: String(built.spec.description ?? ''), spec: built.spec, columns: built.columns, rows: built.rows };
}

/** The filters in words: "local authorities in North West, theme Fighting climate change, sector 45 Construction work". */
export function filterWords(names: FilterNames): string {
  const who = names.kinds.length ? names.kinds.map((k) => (KIND_GROUP_LABELS[k] ?? k).toLowerCase()).join(' and ') : 'all public bodies';
  const parts = [`${who}${names.regions.length ? ` in ${names.regions.join(' and ')}` : ''}`];
  parts.push(names.themes.length ? `theme ${names.themes.map((t) => t.name).join(' and ')}` : 'every theme');
  if (names.sectors.length) parts.push(`sector ${names.sectors.map((s) => `${s.code} ${s.label}`.trim()).join(' and ')}`);
  return parts.length > 1 ? `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}` : parts[0];
}

/** The subtitle: the filters and the period in words. */
function subtitle(names: FilterNames, period: ReportPeriod): string {
  const words = filterWords(names);
  return `${words.charAt(0).toUpperCase()}${words.slice(1)}: ${periodWords(period)}`;
}
