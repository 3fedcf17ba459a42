import { Injectable } from '@nestjs/common';
import { IndicatorsService, type ImplementationQuery } from '../indicators/indicators.service';
import { MeasuresService, type SummaryQuery } from '../measures/measures.service';
import { DerivedDataService } from '../../derive/derived-data.service';
import { EVERYTHING, parseReadFilter, withinScope, type ReadFilterQuery, type ReadScope } from '../../reference/read-filter/read-filter';
import { ReadFilterRepository } from '../../reference/read-filter/read-filter.repository';
import { ROW_FILTERS } from '../row-filter';
import { inferColumns, type ColumnType, type ExportColumn, type ExportRow } from './export-writers';
import { DATASETS, ExportsRepository, type RowDataset } from './exports.repository';

/** Rows read per query: each chunk is one keyset page of the table (and one Arrow record batch). */
export const EXPORT_CHUNK_ROWS = 10_000;

/** An export ready to stream: its columns, and its rows chunk by chunk (stop iterating to stop reading). */
export interface PreparedExport {
  columns: ExportColumn[];
  chunks: AsyncGenerator<ExportRow[], void, undefined>;
}

/** Columns of aggregate rows whose values would be read as another type (a sector '85' is a code, not a number). */
const AGGREGATE_TYPES: Record<string, ColumnType> = {
  authority: 'code',
  authority_name: 'code',
  authority_code: 'code',
  kind: 'code',
  region: 'code',
  nation: 'code',
  sector: 'code',
  sector_label: 'code',
  theme: 'code',
  theme_name: 'code',
  measure: 'code',
  measure_name: 'code',
  unit: 'code',
  category: 'code',
  quarter: 'code',
  fy: 'code',
  year: 'int32',
  department: 'code',
  department_name: 'code',
  period: 'code',
};

async function* once(rows: ExportRow[]): AsyncGenerator<ExportRow[], void, undefined> {
  if (rows.length > 0) yield rows;
}

/**
 * The open data exports. Row-level datasets are read in keyset chunks (`id > last id of the previous chunk`, in id
 * order, EXPORT_CHUNK_ROWS at a time), so no more than one chunk is ever held and no cursor is needed (the embedded
 * database has none). Aggregates are the rows of their endpoints, already small.
 */
@Injectable()
export class ExportsService {
  /** Rows per chunk (tests make it small to see streaming at work). */
  chunkRows = EXPORT_CHUNK_ROWS;

  constructor(
    private readonly repo: ExportsRepository,
    private readonly filters: ReadFilterRepository,
    private readonly derived: DerivedDataService,
    private readonly measures: MeasuresService,
    private readonly implementation: IndicatorsService,
  ) {}

  /** Resolves the filters (400/404 before anything is streamed) and returns the chunks to stream. */
  async rows(dataset: RowDataset, query: ReadFilterQuery, scope: ReadScope = EVERYTHING): Promise<PreparedExport> {
    const chunkRows = this.chunkRows;
    const filter = await this.filters.resolve(withinScope(parseReadFilter(query, ROW_FILTERS), scope));
    if (dataset === 'outcomes') await this.derived.ensureOutliersCurrent();
    const repo = this.repo;
    async function* chunks(): AsyncGenerator<ExportRow[], void, undefined> {
      let after = 0;
      for (;;) {
        const rows = await repo.chunk(dataset, filter, after, chunkRows);
        if (rows.length > 0) yield rows;
        if (rows.length < chunkRows) return;
        after = Number(rows[rows.length - 1]._key);
      }
    }
    return { columns: DATASETS[dataset].columns, chunks: chunks() };
  }

  /** The rows of the measures summary, as GET /api/v1/measures/summary returns them for the same query. */
  async summary(query: SummaryQuery): Promise<PreparedExport> {
    const result = await this.measures.summary(query);
    const rows = result.rows as ExportRow[];
    return { columns: inferColumns(rows, AGGREGATE_TYPES), chunks: once(rows) };
  }

  /** The rows of the implementation indicators, as GET /api/v1/indicators/implementation returns them. */
  async indicators(query: ImplementationQuery): Promise<PreparedExport> {
    const result = await this.implementation.implementation(query);
    const rows = result.rows as ExportRow[];
    return { columns: inferColumns(rows, AGGREGATE_TYPES), chunks: once(rows) };
  }
}
