import type { FigureModel } from '../../reports/report';
import { http } from './http';

/**
 * A report's headline figures against the API: each figure's `source` names the call and the field it equals
 * (`GET <path>: rows[0].<field>`, or `indicators[<name>].value` of a benchmark), fetched from the running service.
 */
/** The value a figure's `source` names: `GET <path>: rows[0].<field>` or `indicators[<name>].value`, fetched. */
export async function apiValue(base: string, source: string): Promise<unknown> {
  const m = /^GET (\S+): (.+)$/.exec(source);
  if (!m) throw new Error(`a source that names no endpoint and field: ${source}`);
  // a kept-alive connection the server closed while idle resets once (ECONNRESET): ask again on a new one
  const res = await http(`${base}${m[1]}`).catch(() => http(`${base}${m[1]}`));
  expect(res.status).toBe(200);
  let at: unknown = res.body;
  for (const part of m[2].split('.')) {
    const p = /^(\w+)(?:\[([^\]]+)\])?$/.exec(part)!;
    if (at === undefined || at === null) return undefined; // a benchmark without data lists no indicator: the figure is none
    at = (at as Record<string, unknown>)[p[1]];
    if (p[2] !== undefined) {
      const list = at as Array<Record<string, unknown>>;
      at = /^\d+$/.test(p[2]) ? list[Number(p[2])] : list.find((x) => x.indicator === p[2]);
    }
  }
  return at;
}

/** A figure as the API gives it, compared: numbers as numbers, none as null. */
export async function expectFiguresFromApi(base: string, figures: FigureModel[]): Promise<void> {
  for (const f of figures) {
    const v = await apiValue(base, f.source);
    expect({ source: f.source, value: f.value }).toEqual({ source: f.source, value: v === null || v === undefined ? null : Number(v) });
  }
}

