import { DateUnit, tableFromIPC, Type, type DateDay, type Dictionary } from 'apache-arrow';
import {
  arrowWriter,
  csvCell,
  csvWriter,
  epochDays,
  inferColumns,
  jsonWriter,
  type ExportColumn,
  type ExportRow,
  type ExportWriter,
} from '../../metrics/read/exports/export-writers';

const COLUMNS: ExportColumn[] = [
  { name: 'id', type: 'int64' },
  { name: 'revision', type: 'int32' },
  { name: 'authority_code', type: 'code' },
  { name: 'title', type: 'text' },
  { name: 'quantity', type: 'decimal' },
  { name: 'period_end', type: 'date' },
  { name: 'is_demo', type: 'bool' },
];

const ROWS: ExportRow[] = [
  { id: 1, revision: 1, authority_code: 'E08000009', title: 'Care, at home', quantity: '2.500000', period_end: '2024-06-30', is_demo: false },
  { id: 2, revision: 2, authority_code: 'E08000003', title: '=HYPERLINK("http://x")', quantity: '-0.1', period_end: '2024-09-30', is_demo: true },
  { id: 9007199254740991, revision: null, authority_code: null, title: null, quantity: null, period_end: null, is_demo: null },
  { id: 4, revision: 1, authority_code: 'E08000009', title: 'Line\nbreak "quoted"', quantity: '1234567.890000', period_end: '1969-12-31', is_demo: false },
];

/** Runs a writer over rows split into chunks of `size`. */
function run(writer: ExportWriter, rows: ExportRow[], size: number): Buffer {
  const parts = [writer.start()];
  for (let i = 0; i < rows.length; i += size) parts.push(writer.chunk(rows.slice(i, i + size)));
  parts.push(writer.end());
  return Buffer.concat(parts);
}

describe('CSV cells', () => {
  it('guards text cells that a spreadsheet would run as formulas, with a leading apostrophe', () => {
    expect(csvCell('=1+1', 'text')).toBe("'=1+1");
    expect(csvCell('+44 161 000', 'text')).toBe("'+44 161 000");
    expect(csvCell('-5', 'text')).toBe("'-5");
    expect(csvCell('@SUM(A1:A2)', 'code')).toBe("'@SUM(A1:A2)");
    expect(csvCell('\tcmd', 'text')).toBe("'\tcmd");
    expect(csvCell('\rcmd', 'text')).toBe(`"'\rcmd"`); // guarded, then quoted for the CR
    expect(csvCell('=cmd|" /C calc"!A0', 'text')).toBe(`"'=cmd|"" /C calc""!A0"`);
    expect(csvCell('a=b', 'text')).toBe('a=b'); // only the first character matters
    expect(csvCell(' =x', 'text')).toBe(' =x');
  });

  it('writes numbers as numbers, negative ones too, and never guards them', () => {
    expect(csvCell('-5.250000', 'decimal')).toBe('-5.25');
    expect(csvCell('12.000000', 'decimal')).toBe('12');
    expect(csvCell(-3, 'int64')).toBe('-3');
    expect(csvCell('1250000.00', 'decimal')).toBe('1250000');
    // a number column holding something that is not a number is treated as text
    expect(csvCell('=1', 'decimal')).toBe("'=1");
  });

  it('quotes per RFC 4180: commas, quotes, CR and LF', () => {
    expect(csvCell('a,b', 'text')).toBe('"a,b"');
    expect(csvCell('say "hi"', 'text')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines', 'text')).toBe('"two\nlines"');
    expect(csvCell('plain', 'text')).toBe('plain');
    expect(csvCell(null, 'text')).toBe('');
    expect(csvCell(undefined, 'decimal')).toBe('');
    expect(csvCell(true, 'bool')).toBe('true');
    expect(csvCell('2024-06-30', 'date')).toBe('2024-06-30');
  });

  it('writes a header and CRLF-terminated rows', () => {
    const text = run(csvWriter(COLUMNS), ROWS, 3).toString('utf8');
    const lines = text.split('\r\n');
    expect(lines[0]).toBe('id,revision,authority_code,title,quantity,period_end,is_demo');
    expect(lines[1]).toBe('1,1,E08000009,"Care, at home",2.5,2024-06-30,false');
    expect(lines[2]).toBe(`2,2,E08000003,"'=HYPERLINK(""http://x"")",-0.1,2024-09-30,true`);
    expect(lines[3]).toBe('9007199254740991,,,,,,');
    expect(lines[4]).toBe('4,1,E08000009,"Line\nbreak ""quoted""",1234567.89,1969-12-31,false');
    expect(lines[5]).toBe('');
    expect(lines).toHaveLength(6);
  });
});

describe('JSON', () => {
  it('streams one array whatever the chunking, decimals as exact strings', () => {
    for (const size of [1, 2, 10]) {
      const parsed = JSON.parse(run(jsonWriter(COLUMNS), ROWS, size).toString('utf8'));
      expect(parsed).toHaveLength(4);
      expect(parsed[0]).toEqual({ id: 1, revision: 1, authority_code: 'E08000009', title: 'Care, at home', quantity: '2.5', period_end: '2024-06-30', is_demo: false });
      expect(parsed[2]).toEqual({ id: 9007199254740991, revision: null, authority_code: null, title: null, quantity: null, period_end: null, is_demo: null });
    }
    expect(JSON.parse(run(jsonWriter(COLUMNS), [], 10).toString('utf8'))).toEqual([]);
  });

  it('NDJSON: one object per line', () => {
    const lines = run(jsonWriter(COLUMNS, true), ROWS, 3).toString('utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(JSON.parse(lines[3])).toMatchObject({ id: 4, title: 'Line\nbreak "quoted"' });
  });
});

describe('Arrow IPC stream', () => {
  it('round-trips types and values, one record batch per chunk, dictionaries sent as deltas', () => {
    const bytes = run(arrowWriter(COLUMNS), ROWS, 2);
    const table = tableFromIPC(bytes);
    expect(table.batches).toHaveLength(2);
    expect(table.numRows).toBe(4);
    const type = (name: string) => table.schema.fields.find((f) => f.name === name)!.type;
    expect(String(type('id'))).toBe('Int64');
    expect(String(type('revision'))).toBe('Int32');
    expect(type('authority_code').typeId).toBe(Type.Dictionary);
    expect((type('authority_code') as Dictionary).dictionary.typeId).toBe(Type.Utf8);
    expect((type('authority_code') as Dictionary).indices.bitWidth).toBe(32);
    expect((type('authority_code') as Dictionary).indices.isSigned).toBe(true);
    expect(type('title').typeId).toBe(Type.Utf8);
    expect(String(type('quantity'))).toBe('Float64');
    expect(type('period_end').typeId).toBe(Type.Date);
    expect((type('period_end') as DateDay).unit).toBe(DateUnit.DAY);
    expect(type('is_demo').typeId).toBe(Type.Bool);

    expect(Array.from(table.getChild('id')!, (v) => v)).toEqual([1n, 2n, 9007199254740991n, 4n]);
    expect([...table.getChild('revision')!]).toEqual([1, 2, null, 1]);
    expect([...table.getChild('authority_code')!]).toEqual(['E08000009', 'E08000003', null, 'E08000009']);
    expect([...table.getChild('title')!]).toEqual(['Care, at home', '=HYPERLINK("http://x")', null, 'Line\nbreak "quoted"']);
    expect([...table.getChild('quantity')!]).toEqual([2.5, -0.1, null, 1234567.89]);
    // DateDay values read back as epoch milliseconds
    expect([...table.getChild('period_end')!]).toEqual([Date.UTC(2024, 5, 30), Date.UTC(2024, 8, 30), null, Date.UTC(1969, 11, 31)]);
    expect([...table.getChild('is_demo')!]).toEqual([false, true, null, false]);
  });

  it('writes a valid empty stream (schema and end marker) when there are no rows', () => {
    const table = tableFromIPC(run(arrowWriter(COLUMNS), [], 10));
    expect(table.numRows).toBe(0);
    expect(table.schema.fields.map((f) => f.name)).toEqual(COLUMNS.map((c) => c.name));
  });

  it('keeps a dictionary across many batches', () => {
    const rows = Array.from({ length: 1000 }, (_, i) => ({ id: i, revision: 1, authority_code: `A${i % 37}`, title: 't', quantity: String(i / 4), period_end: '2025-03-31', is_demo: false }));
    const table = tableFromIPC(run(arrowWriter(COLUMNS), rows, 64));
    expect(table.batches).toHaveLength(16);
    expect([...table.getChild('authority_code')!]).toEqual(rows.map((r) => r.authority_code));
    expect([...table.getChild('quantity')!]).toEqual(rows.map((r) => r.id / 4));
  });

  it('counts days from 1970-01-01', () => {
    expect(epochDays('1970-01-01')).toBe(0);
    expect(epochDays('1970-01-02')).toBe(1);
    expect(epochDays('1969-12-31')).toBe(-1);
    expect(epochDays('2024-03-01')).toBe(19783); // 54 years, 13 of them leap: 54 x 365 + 13 = 19723, + Jan 31 + Feb 29 = 19783
  });
});

describe('column types of aggregate rows', () => {
  it('reads types from the values; named codes stay codes', () => {
    const rows = [
      { sector: '85', quarter: '2024-04-01', quantity: '12.5', outcome_count: 3, authority: 'E08000009', flag: true },
      { sector: '45', quarter: '2024-07-01', quantity: null, outcome_count: 1, authority: null, flag: false },
    ];
    expect(inferColumns(rows, { sector: 'code' })).toEqual([
      { name: 'sector', type: 'code' },
      { name: 'quarter', type: 'date' },
      { name: 'quantity', type: 'decimal' },
      { name: 'outcome_count', type: 'decimal' },
      { name: 'authority', type: 'code' },
      { name: 'flag', type: 'bool' },
    ]);
  });
});
