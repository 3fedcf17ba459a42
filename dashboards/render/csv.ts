import { csvCell } from '../../metrics/read/exports/export-writers';
import type { Column, Row } from '../chart';

/** A chart's rows as CSV (the exports' cells: RFC 4180, formula-safe text), its columns' titles as the header. */
export function toCsv(columns: readonly Column[], rows: readonly Row[]): string {
  const lines = [columns.map((c) => csvCell(c.title, 'text')).join(',')];
  for (const r of rows) lines.push(columns.map((c) => csvCell(r[c.field], typeof r[c.field] === 'number' ? 'decimal' : 'text')).join(','));
  return lines.join('\r\n') + '\r\n';
}
