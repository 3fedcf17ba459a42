import { Injectable } from '@nestjs/common';
import { BatchesService } from '../../metrics/ingest/imports/batches.service';
import { IndicatorsService, type IndicatorRow } from '../../metrics/read/indicators/indicators.service';
import { QualityService } from '../../metrics/read/quality/quality.service';
import type { ReadScope } from '../../metrics/reference/read-filter/read-filter';
import type { Board, Tile } from '../board';
import { buildChart, filterOf, fmt, single, type BuiltChart, type ChartContext, type DashboardQuery, type Row } from '../chart';
import { dayLabel, quarterLabel } from '../contract-periods';
import { describePlace } from '../describe';
import { PALETTE } from '../theme';

const num = (v: unknown): number | null => (v === null || v === undefined || v === '' ? null : Number(v));
const int = (n: number) => Math.round(n).toLocaleString('en-GB');
const pct = (n: number) => `${(n * 100).toLocaleString('en-GB', { maximumFractionDigits: 1 })}%`;

/** The outcome checks of GET /api/v1/quality, as the charts name them. */
const FLAG_CHECKS = ['outlier', 'duplicate_evidence', 'outside_contract'] as const;
const FLAG_LABELS: Record<(typeof FLAG_CHECKS)[number], string> = {
  outlier: 'Outlier',
  duplicate_evidence: 'Double claim (evidence reused)',
  outside_contract: "Outside the contract's term",
};
const FLAG_COLOURS = [PALETTE.darkBlue, PALETTE.darkPink, PALETTE.orange];

/** Import batch statuses: each its colour and its shape (the shape is the cue that is not colour). */
const BATCH_STATUSES = ['committed', 'rejected', 'failed', 'running', 'received'] as const;
const BATCH_COLOURS = [PALETTE.darkBlue, PALETTE.darkPink, PALETTE.orange, PALETTE.turquoise, PALETTE.darkGrey];
const BATCH_SHAPES = ['circle', 'cross', 'triangle-up', 'square', 'diamond'];
/** How many of the latest batches the chart shows. */
export const RECENT_BATCHES = 50;

/** The scope in words, for a subtitle: nothing for a caller who reads every authority. */
const scopeNote = (scope: ReadScope) => (scope.authorities === null ? '' : `; authorities this key reads: ${scope.authorities.join(', ')}`);

/** The read filter of a chart with single-valued periods (the quality and indicators reads take one from and one to). */
function readFilter(ctx: ChartContext): Record<string, string | string[]> {
  const f = filterOf(ctx);
  for (const p of ['from', 'to'] as const) {
    const v = single(f[p]);
    if (v === undefined) delete f[p];
    else f[p] = v;
  }
  return f;
}

/**
 * Data quality: how complete and trustworthy the returns are. Reporting compliance from the indicators endpoint
 * (public); missing returns and flags from GET /api/v1/quality, counted by quarter (supplier-level: within the
 * caller's authorities); import batches from GET /api/v1/imports (analyst and admin keys).
 */
@Injectable()
export class QualityBoard implements Board {
  readonly name = 'quality';

  constructor(
    private readonly indicators: IndicatorsService,
    private readonly quality: QualityService,
    private readonly batches: BatchesService,
  ) {}

  /** Reporting compliance and its numerator and denominator: one row of GET /api/v1/indicators/implementation. */
  async tiles(query: DashboardQuery): Promise<Tile[]> {
    const { kind, region, nation, sector, from, to } = query;
    const result = await this.indicators.implementation({ kind, region, nation, sector, from: single(from), to: single(to) });
    const r: IndicatorRow = result.rows[0] ?? {};
    const src = (field: string) => `GET /api/v1/indicators/implementation: ${field} (as of ${result.as_of})`;
    return [
      { name: 'reporting_compliance', label: 'Reporting compliance', value: num(r.reporting_compliance), format: 'pct', note: src('reporting_compliance') },
      {
        name: 'reporting_compliance_numerator',
        label: 'Active contracts that sent a return for the quarter',
        value: num(r.reporting_compliance_numerator),
        format: 'int',
        note: src('reporting_compliance_numerator'),
      },
      {
        name: 'reporting_compliance_denominator',
        label: 'Active contracts with commitments',
        value: num(r.reporting_compliance_denominator),
        format: 'int',
        note: src('reporting_compliance_denominator'),
      },
    ];
  }

  readonly charts: Readonly<Record<string, (ctx: ChartContext) => Promise<BuiltChart>>> = {
    compliance: (ctx) => this.compliance(ctx),
    'missing-returns': (ctx) => this.missingReturns(ctx),
    flags: (ctx) => this.flags(ctx),
    batches: (ctx) => this.recentBatches(ctx),
  };

  /** Reporting compliance by quarter of contract award (GET /api/v1/indicators/implementation?group_by=period). */
  private async compliance(ctx: ChartContext) {
    const result = await this.indicators.implementation({ ...readFilter(ctx), group_by: 'period', period_type: 'quarter' });
    const rows = result.rows
      .filter((r) => r.period !== null && (num(r.reporting_compliance_denominator) ?? 0) > 0)
      .map((r) => ({
        quarter: String(r.period),
        compliance: num(r.reporting_compliance),
        returned: num(r.reporting_compliance_numerator) ?? 0,
        active: num(r.reporting_compliance_denominator) ?? 0,
      }));
    const returned = rows.reduce((s, r) => s + r.returned, 0);
    const active = rows.reduce((s, r) => s + r.active, 0);
    const asOf = quarterLabel(result.as_of);
    const lowest = rows.reduce<(typeof rows)[number] | undefined>((lo, r) => (lo === undefined || (r.compliance ?? 1) < (lo.compliance ?? 1) ? r : lo), undefined);
    return buildChart({
      title: active > 0 ? `${pct(returned / active)} of active contracts with commitments sent a return for ${asOf}` : `No active contracts with commitments in ${asOf}`,
      subtitle: `Reporting compliance (share of active contracts with commitments that sent a return for ${asOf}) by quarter of contract award, ${describePlace(ctx.query)}; as of ${dayLabel(result.as_of)}`,
      description:
        `Bars by quarter of contract award: the share of active contracts with commitments that sent a return for ${asOf}, labelled with the percentage. ` +
        `In all ${int(returned)} of ${int(active)} contracts sent one` +
        (lowest && lowest.compliance !== null ? `; the lowest share is ${pct(lowest.compliance)}, for contracts awarded in ${lowest.quarter}.` : '.'),
      columns: [
        { field: 'quarter', title: 'Quarter of contract award' },
        { field: 'compliance', title: 'Reporting compliance', format: 'pct' },
        { field: 'returned', title: 'Contracts that sent a return', format: 'int' },
        { field: 'active', title: 'Active contracts with commitments', format: 'int' },
      ],
      rows,
      empty: `No contract active in ${asOf} has commitments for these filters.`,
      spec: {
        height: 260,
        encoding: {
          x: { field: 'quarter', type: 'ordinal', title: 'Quarter of contract award', axis: { labelAngle: -45 } },
          y: { field: 'compliance', type: 'quantitative', title: 'Reporting compliance (% of contracts)', scale: { domain: [0, 1] }, axis: { format: fmt('pctAxis'), tickCount: 6 } },
          tooltip: [
            { field: 'quarter', type: 'ordinal', title: 'Quarter of contract award' },
            { field: 'compliance', type: 'quantitative', title: 'Reporting compliance', format: fmt('pct') },
            { field: 'returned', type: 'quantitative', title: 'Contracts that sent a return', format: fmt('int') },
            { field: 'active', type: 'quantitative', title: 'Active contracts with commitments', format: fmt('int') },
          ],
        },
        layer: [
          { mark: { type: 'bar', color: PALETTE.darkBlue } },
          { mark: { type: 'text', dy: -8, baseline: 'bottom' }, encoding: { text: { field: 'compliance', type: 'quantitative', format: '.0%' } } },
        ],
      },
    });
  }

  /** Contract quarters without a return, by quarter (GET /api/v1/quality?check=missing_return, counted in full). */
  private async missingReturns(ctx: ChartContext) {
    const result = await this.quality.countsByQuarter({ ...readFilter(ctx), check: 'missing_return' }, ctx.scope);
    const rows = result.rows.map((r) => ({ quarter: r.quarter, missing: r.n }));
    const total = result.counts.missing_return ?? 0;
    const most = Math.max(0, ...rows.map((r) => r.missing));
    const peaks = rows.filter((r) => r.missing === most).map((r) => r.quarter);
    const peak = rows.length < 2 || peaks.length === rows.length ? '' : `; the most, ${int(most)}, in ${peaks.length <= 3 ? peaks.join(', ') : `${peaks.length} quarters`}`;
    return buildChart({
      title:
        total === 0
          ? 'No returns are missing'
          : `${int(total)} contract ${total === 1 ? 'quarter has' : 'quarters have'} no return${peak}`,
      subtitle: `Missing returns (contract quarters without a return) by quarter, ${describePlace(ctx.query)}; quarters closed by ${dayLabel(result.last_closed_quarter_end)}${scopeNote(ctx.scope)}`,
      description: `Bars by calendar quarter: how many quarters of awarded contracts with commitments have no return. ${int(total)} in all over ${rows.length} quarters.`,
      columns: [
        { field: 'quarter', title: 'Quarter' },
        { field: 'missing', title: 'Missing returns', format: 'int' },
      ],
      rows,
      empty: 'No returns are missing for these filters: every closed quarter of every contract with commitments has a return.',
      spec: {
        height: 260,
        mark: { type: 'bar', tooltip: true, color: PALETTE.darkPink },
        encoding: {
          x: { field: 'quarter', type: 'ordinal', title: 'Quarter', axis: { labelAngle: -45 } },
          y: { field: 'missing', type: 'quantitative', title: 'Missing returns (contract quarters)', axis: { format: fmt('int'), tickMinStep: 1 } },
          tooltip: [
            { field: 'quarter', type: 'ordinal', title: 'Quarter' },
            { field: 'missing', type: 'quantitative', title: 'Missing returns', format: fmt('int') },
          ],
        },
      },
    });
  }

  /** Flagged returns by check and quarter of the return's period end (GET /api/v1/quality, counted in full). */
  private async flags(ctx: ChartContext) {
    const result = await this.quality.countsByQuarter({ ...readFilter(ctx), check: FLAG_CHECKS.join(',') }, ctx.scope);
    const rows = result.rows.map((r) => ({ check: FLAG_LABELS[r.check as (typeof FLAG_CHECKS)[number]], quarter: r.quarter, flags: r.n }));
    const count = (c: (typeof FLAG_CHECKS)[number]) => result.counts[c] ?? 0;
    const total = FLAG_CHECKS.reduce((n, c) => n + count(c), 0);
    const parts = `${int(count('outlier'))} outliers, ${int(count('duplicate_evidence'))} double claims and ${int(count('outside_contract'))} outside the contract's term`;
    return buildChart({
      title: total === 0 ? 'No returns are flagged' : `${int(total)} flags on returns: ${parts}`,
      subtitle: `Flags on the latest returns by check and quarter of the return's period end, ${describePlace(ctx.query)}${scopeNote(ctx.scope)}`,
      description: `Bar charts, one per check (outlier, double claim, outside the contract's term), of how many returns it flagged in each quarter. In all: ${parts}.`,
      columns: [
        { field: 'check', title: 'Check' },
        { field: 'quarter', title: 'Quarter of period end' },
        { field: 'flags', title: 'Returns flagged', format: 'int' },
      ],
      rows,
      empty: 'No returns are flagged for these filters.',
      spec: {
        width: 560,
        height: 90,
        mark: { type: 'bar', tooltip: true },
        encoding: {
          row: {
            field: 'check',
            type: 'nominal',
            title: null,
            sort: FLAG_CHECKS.map((c) => FLAG_LABELS[c]),
            header: { labelAngle: 0, labelAlign: 'left', labelAnchor: 'start', labelOrient: 'top', labelFontSize: 13, labelFontWeight: 'bold' },
          },
          x: { field: 'quarter', type: 'ordinal', title: "Quarter of the return's period end", axis: { labelAngle: -45 } },
          y: { field: 'flags', type: 'quantitative', title: 'Returns flagged', axis: { format: fmt('int'), tickMinStep: 1 } },
          color: { field: 'check', type: 'nominal', legend: null, scale: { domain: FLAG_CHECKS.map((c) => FLAG_LABELS[c]), range: FLAG_COLOURS } },
          tooltip: [
            { field: 'check', type: 'nominal', title: 'Check' },
            { field: 'quarter', type: 'ordinal', title: 'Quarter of period end' },
            { field: 'flags', type: 'quantitative', title: 'Returns flagged', format: fmt('int') },
          ],
        },
      },
    });
  }

  /**
   * The latest import batches and the share of their rows rejected (GET /api/v1/imports). A batch is not of one
   * authority (a file may hold rows of several), so the chart is for callers who read every authority: analyst and
   * admin keys (or everyone when supplier-level data is open); a submitter's scope gets a sentence instead.
   */
  private async recentBatches(ctx: ChartContext) {
    const columns = [
      { field: 'batch', title: 'Batch' },
      { field: 'kind', title: 'Kind' },
      { field: 'status', title: 'Status' },
      { field: 'created', title: 'Received at (UTC)' },
      { field: 'file', title: 'File' },
      { field: 'received', title: 'Rows received', format: 'int' as const },
      { field: 'rejected', title: 'Rows rejected', format: 'int' as const },
      { field: 'rejection_rate', title: 'Rejection rate', format: 'pct' as const },
    ];
    const head = { title: 'Import batches', subtitle: `Rows rejected as a share of rows received, the latest import batches (up to ${RECENT_BATCHES})` };
    if (ctx.scope.authorities !== null) {
      return buildChart({
        ...head,
        description: 'Import batches are shown to analyst and admin keys.',
        columns,
        rows: [],
        empty: 'Import batches are shown to analyst and admin keys; a submitter key sees the batches it sent at GET /api/v1/imports.',
        spec: {},
      });
    }
    const listed = await this.batches.list({ keyId: null, seesAll: true }, { limit: RECENT_BATCHES, offset: 0 });
    const all = [...listed.data].sort((a, b) => a.id - b.id);
    const rows: Row[] = all
      .filter((b) => b.rows_total > 0)
      .map((b) => ({
        batch: b.id,
        kind: b.kind,
        status: b.status,
        created: new Date(b.created_at).toISOString().slice(0, 16).replace('T', ' '),
        file: b.file_name,
        received: b.rows_total,
        rejected: b.rows_rejected,
        rejection_rate: b.rows_rejected / b.rows_total,
      }));
    const received = rows.reduce((s, r) => s + Number(r.received), 0);
    const rejected = rows.reduce((s, r) => s + Number(r.rejected), 0);
    const withRejections = rows.filter((r) => Number(r.rejected) > 0).length;
    const noRows = all.length - rows.length;
    return buildChart({
      title:
        rows.length === 0
          ? 'No import batch has received rows'
          : withRejections === 0
            ? `None of the last ${rows.length} import batches rejected a row`
            : `${withRejections} of the last ${rows.length} import batches rejected rows: ${pct(rejected / received)} of all rows received`,
      subtitle: `${head.subtitle} that received rows, oldest first; shape and colour show the batch's status${noRows > 0 ? `; ${noRows} ${noRows === 1 ? 'batch' : 'batches'} with no rows not shown` : ''}`,
      description:
        `Points by import batch, oldest first: the share of the batch's rows that were rejected, shaped by its status (committed, rejected, failed, running). ` +
        `${int(rejected)} of ${int(received)} rows were rejected across ${rows.length} batches; ${withRejections} batches rejected at least one row.`,
      columns,
      rows,
      empty: 'No import batch has received rows yet.',
      spec: {
        height: 260,
        mark: { type: 'point', tooltip: true, filled: true, size: 90, opacity: 1 },
        encoding: {
          x: { field: 'batch', type: 'ordinal', title: 'Import batch (number, oldest first)', axis: { labelAngle: 0, labelOverlap: true } },
          y: {
            field: 'rejection_rate',
            type: 'quantitative',
            title: 'Rows rejected (% of rows received)',
            scale: { domain: [0, Math.max(0.05, ...rows.map((r) => Number(r.rejection_rate)))] },
            axis: { format: fmt('pctAxis'), tickCount: 6 },
          },
          color: { field: 'status', type: 'nominal', title: 'Status', scale: { domain: [...BATCH_STATUSES], range: BATCH_COLOURS } },
          shape: { field: 'status', type: 'nominal', title: 'Status', scale: { domain: [...BATCH_STATUSES], range: BATCH_SHAPES } },
          tooltip: [
            { field: 'batch', type: 'ordinal', title: 'Batch' },
            { field: 'kind', type: 'nominal', title: 'Kind' },
            { field: 'status', type: 'nominal', title: 'Status' },
            { field: 'created', type: 'nominal', title: 'Received at (UTC)' },
            { field: 'received', type: 'quantitative', title: 'Rows received', format: fmt('int') },
            { field: 'rejected', type: 'quantitative', title: 'Rows rejected', format: fmt('int') },
            { field: 'rejection_rate', type: 'quantitative', title: 'Rejection rate', format: fmt('pct') },
          ],
        },
      },
    });
  }
}
