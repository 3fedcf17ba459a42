import {
  Bool,
  DateDay,
  Dictionary,
  Field,
  Float64,
  Int32,
  Int64,
  makeData,
  RecordBatch,
  RecordBatchStreamWriter,
  Schema,
  Struct,
  Utf8,
  vectorFromArray,
  type Data,
  type DataType,
  type Vector,
} from 'apache-arrow';
import { trimDecimal } from '../../platform/decimal';

/**
 * How a column is typed in every format:
 *
 * | type    | CSV                         | JSON                         | Arrow                                  |
 * |---------|-----------------------------|------------------------------|----------------------------------------|
 * | int64   | digits                      | number                       | Int64                                  |
 * | int32   | digits                      | number                       | Int32                                  |
 * | decimal | exact decimal text          | exact decimal as a string*   | Float64 (nearest double)               |
 * | date    | YYYY-MM-DD                  | "YYYY-MM-DD"                 | DateDay (days since 1970-01-01)        |
 * | bool    | true / false                | true / false                 | Bool                                   |
 * | code    | text (guarded)              | string                       | Dictionary<Utf8, Int32>                |
 * | text    | text (guarded)              | string                       | Utf8                                   |
 *
 * Null is an empty CSV cell, JSON null and an Arrow null. *A value that is already a JS number (aggregates computed in
 * TypeScript) is written as a JSON number, so an aggregate export holds what its endpoint returns.
 */
export type ColumnType = 'int64' | 'int32' | 'decimal' | 'date' | 'bool' | 'code' | 'text';

export interface ExportColumn {
  name: string;
  type: ColumnType;
}

export type ExportRow = Record<string, unknown>;

export type ExportFormat = 'csv' | 'json' | 'ndjson' | 'arrow';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['csv', 'json', 'ndjson', 'arrow'];

export const CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8; header=present',
  json: 'application/json; charset=utf-8',
  ndjson: 'application/x-ndjson; charset=utf-8',
  arrow: 'application/vnd.apache.arrow.stream',
};

/** Encodes rows of fixed columns into a file, chunk by chunk: start, any number of chunks, end. */
export interface ExportWriter {
  start(): Buffer;
  chunk(rows: readonly ExportRow[]): Buffer;
  end(): Buffer;
}

const NUMBER = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
/** Characters that make a spreadsheet read a cell as a formula (OWASP CSV injection), at the start of a text cell. */
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

function asNumberText(value: unknown): string | null {
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : null;
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string' && NUMBER.test(value)) return value.includes('e') || value.includes('E') ? value : trimDecimal(value);
  return null;
}

function asDateText(value: unknown): string | null {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString().slice(0, 10);
  if (typeof value === 'string' && DATE.test(value)) return value;
  return null;
}

/**
 * One CSV cell (RFC 4180). Typed cells (numbers, dates, booleans) are written as they are: a number stays a number,
 * negative ones included. Text and code cells starting with =, +, -, @, a tab or a carriage return get a leading
 * apostrophe, so a spreadsheet shows them as text instead of running them as formulas ('-5 stays the text -5).
 * A cell holding a comma, a double quote, CR or LF is quoted, its quotes doubled.
 */
export function csvCell(value: unknown, type: ColumnType): string {
  if (value === null || value === undefined) return '';
  if (type === 'int64' || type === 'int32' || type === 'decimal') {
    const n = asNumberText(value);
    if (n !== null) return n;
  } else if (type === 'date') {
    const d = asDateText(value);
    if (d !== null) return d;
  } else if (type === 'bool' && typeof value === 'boolean') {
    return value ? 'true' : 'false';
  }
  let text = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const CRLF = '\r\n';

export function csvWriter(columns: readonly ExportColumn[]): ExportWriter {
  const line = (cells: string[]) => cells.join(',') + CRLF;
  return {
    start: () => Buffer.from(line(columns.map((c) => csvCell(c.name, 'text')))),
    chunk: (rows) => Buffer.from(rows.map((r) => line(columns.map((c) => csvCell(r[c.name], c.type)))).join('')),
    end: () => Buffer.alloc(0),
  };
}

/** A value as JSON: ints as numbers, decimals as exact strings, dates as YYYY-MM-DD strings. */
function jsonValue(value: unknown, type: ColumnType): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'int64':
    case 'int32':
      return typeof value === 'string' && NUMBER.test(value) ? Number(value) : typeof value === 'bigint' ? Number(value) : value;
    case 'decimal':
      // exact decimal text stays text; a number computed as a number (aggregates) stays a number
      return typeof value === 'number' ? (Number.isFinite(value) ? value : null) : (asNumberText(value) ?? String(value));
    case 'date':
      return asDateText(value) ?? String(value);
    case 'bool':
      return value;
    default:
      return typeof value === 'string' ? value : String(value);
  }
}

function jsonRow(row: ExportRow, columns: readonly ExportColumn[]): string {
  const out: Record<string, unknown> = {};
  for (const c of columns) out[c.name] = jsonValue(row[c.name], c.type);
  return JSON.stringify(out);
}

/** `.json`: one JSON array, streamed (a row per line); `.ndjson`: one JSON object per line. */
export function jsonWriter(columns: readonly ExportColumn[], ndjson = false): ExportWriter {
  if (ndjson) {
    return {
      start: () => Buffer.alloc(0),
      chunk: (rows) => Buffer.from(rows.map((r) => jsonRow(r, columns) + '\n').join('')),
      end: () => Buffer.alloc(0),
    };
  }
  let first = true;
  return {
    start: () => Buffer.from('['),
    chunk: (rows) => {
      if (rows.length === 0) return Buffer.alloc(0);
      const text = rows.map((r) => jsonRow(r, columns)).join(',\n');
      const prefix = first ? '\n' : ',\n';
      first = false;
      return Buffer.from(prefix + text);
    },
    end: () => Buffer.from(first ? ']\n' : '\n]\n'),
  };
}

// ---- Arrow ----

const DAY_MS = 86_400_000;

/** 'YYYY-MM-DD' into days since 1970-01-01 (the Arrow DateDay value). */
export function epochDays(date: string): number {
  const [y, m, d] = date.split('-').map(Number);
  return Math.round(Date.UTC(y, m - 1, d) / DAY_MS);
}

function arrowType(type: ColumnType, id: number): DataType {
  switch (type) {
    case 'int64':
      return new Int64();
    case 'int32':
      return new Int32();
    case 'decimal':
      return new Float64();
    case 'date':
      return new DateDay();
    case 'bool':
      return new Bool();
    case 'code':
      return new Dictionary(new Utf8(), new Int32(), id);
    case 'text':
      return new Utf8();
  }
}

function validity(values: readonly unknown[]): { nullBitmap: Uint8Array; nullCount: number } {
  const nullBitmap = new Uint8Array((values.length + 7) >> 3);
  let nullCount = 0;
  values.forEach((v, i) => {
    if (v === null || v === undefined) nullCount++;
    else nullBitmap[i >> 3] |= 1 << (i & 7);
  });
  return { nullBitmap, nullCount };
}

const asText = (v: unknown): string | null =>
  v === null || v === undefined ? null : typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);

/** A dictionary kept across the batches of one stream: new values are sent as dictionary deltas. */
class RunningDictionary {
  private readonly index = new Map<string, number>();
  vector: Vector<Utf8> = vectorFromArray([] as string[], new Utf8());

  indices(values: readonly unknown[]): Int32Array {
    const fresh: string[] = [];
    const out = new Int32Array(values.length);
    values.forEach((v, i) => {
      const text = asText(v);
      if (text === null) return;
      let at = this.index.get(text);
      if (at === undefined) {
        at = this.index.size;
        this.index.set(text, at);
        fresh.push(text);
      }
      out[i] = at;
    });
    // the same chunks as before plus one new chunk: the stream writer sends only the new chunk, as a delta
    if (fresh.length > 0) this.vector = this.vector.concat(vectorFromArray(fresh, new Utf8()));
    return out;
  }
}

function columnData(column: ExportColumn, type: DataType, values: readonly unknown[], dictionary?: RunningDictionary): Data {
  const length = values.length;
  const { nullBitmap, nullCount } = validity(values);
  switch (column.type) {
    case 'int64': {
      const data = new BigInt64Array(length);
      values.forEach((v, i) => {
        if (v !== null && v !== undefined) data[i] = BigInt(v as number | string | bigint);
      });
      return makeData({ type: type as Int64, length, nullCount, nullBitmap, data });
    }
    case 'int32': {
      const data = new Int32Array(length);
      values.forEach((v, i) => {
        if (v !== null && v !== undefined) data[i] = Number(v);
      });
      return makeData({ type: type as Int32, length, nullCount, nullBitmap, data });
    }
    case 'decimal': {
      const data = new Float64Array(length);
      values.forEach((v, i) => {
        if (v !== null && v !== undefined) data[i] = Number(v);
      });
      return makeData({ type: type as Float64, length, nullCount, nullBitmap, data });
    }
    case 'date': {
      const data = new Int32Array(length);
      values.forEach((v, i) => {
        const d = asDateText(v);
        if (d !== null) data[i] = epochDays(d);
      });
      const dates = values.map((v) => (asDateText(v) === null ? null : v));
      return makeData({ type: type as DateDay, length, ...validity(dates), data });
    }
    case 'bool':
      return vectorFromArray(values.map((v) => (v === null || v === undefined ? null : Boolean(v))), type as Bool).data[0];
    case 'code': {
      const data = dictionary!.indices(values);
      return makeData({ type: type as Dictionary<Utf8, Int32>, length, nullCount, nullBitmap, data, dictionary: dictionary!.vector });
    }
    case 'text':
      return vectorFromArray(values.map(asText), type as Utf8).data[0];
  }
}

/** The stream writer of apache-arrow, giving back the bytes of each message as it is written. */
class ChunkedStreamWriter extends RecordBatchStreamWriter {
  private out: Uint8Array[] = [];

  protected override _write(chunk: ArrayBufferView): this {
    if (this._started) {
      const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      if (bytes.byteLength > 0) {
        this.out.push(bytes.slice());
        this._position += bytes.byteLength;
      }
    }
    return this;
  }

  take(): Buffer {
    const bytes = Buffer.concat(this.out);
    this.out = [];
    return bytes;
  }
}

/**
 * An Arrow IPC stream: the schema first, then one record batch per chunk, each preceded by the dictionary deltas its
 * code columns need (each value is sent once per stream), and the end-of-stream marker.
 */
export function arrowWriter(columns: readonly ExportColumn[]): ExportWriter {
  const types = columns.map((c, i) => arrowType(c.type, i));
  const schema = new Schema(columns.map((c, i) => new Field(c.name, types[i], true)));
  const dictionaries = columns.map((c) => (c.type === 'code' ? new RunningDictionary() : undefined));
  const writer = new ChunkedStreamWriter();
  return {
    start: () => {
      writer.reset(undefined, schema);
      return writer.take();
    },
    chunk: (rows) => {
      if (rows.length === 0) return Buffer.alloc(0);
      const children = columns.map((c, i) =>
        columnData(
          c,
          types[i],
          rows.map((r) => r[c.name]),
          dictionaries[i],
        ),
      );
      const data = makeData({ type: new Struct(schema.fields), length: rows.length, nullCount: 0, children });
      writer.write(new RecordBatch(schema, data));
      return writer.take();
    },
    end: () => {
      writer.finish();
      return writer.take();
    },
  };
}

export function exportWriter(format: ExportFormat, columns: readonly ExportColumn[]): ExportWriter {
  switch (format) {
    case 'csv':
      return csvWriter(columns);
    case 'json':
      return jsonWriter(columns);
    case 'ndjson':
      return jsonWriter(columns, true);
    case 'arrow':
      return arrowWriter(columns);
  }
}

/**
 * Column types of rows computed elsewhere (aggregates), read from their values: all numbers (or decimal text) ->
 * decimal (Float64 is exact for whole counts), all YYYY-MM-DD -> date, all booleans -> bool, other text -> code; a
 * column of nulls only is text. `known` names the type of columns whose values could mislead (sector '85' is a code).
 */
export function inferColumns(rows: readonly ExportRow[], known: Readonly<Record<string, ColumnType>> = {}): ExportColumn[] {
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return keys.map((name) => {
    if (known[name]) return { name, type: known[name] };
    const values = rows.map((r) => r[name]).filter((v) => v !== null && v !== undefined);
    let type: ColumnType = 'text';
    if (values.length > 0) {
      if (values.some((v) => typeof v === 'object')) type = 'text';
      else if (values.every((v) => typeof v === 'boolean')) type = 'bool';
      else if (values.every((v) => typeof v === 'number' || (typeof v === 'string' && NUMBER.test(v)))) type = 'decimal';
      else if (values.every((v) => typeof v === 'string' && DATE.test(v))) type = 'date';
      else type = 'code';
    }
    return { name, type };
  });
}
