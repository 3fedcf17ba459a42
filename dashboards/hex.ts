/**
 * Hex cartograms from HexJSON (Open Innovations' format: https://open-innovations.org/projects/hexmaps/hexjson): each
 * area one hexagon at column q and row r of an offset grid. Pure geometry: the polygons as GeoJSON in plain
 * coordinates (x to the right, y upward, one hex's centre-to-corner distance = 1), drawn by Vega-Lite's `geoshape`
 * under `projection: {type: 'identity', reflectY: true}`.
 *
 * Only the row layouts (pointy-top hexagons) are drawn: `odd-r` shifts odd rows right by half a hex, `even-r` even
 * rows. Rows count upward in the UK maps (Shetland has the highest r, the Isles of Scilly the lowest), so y = 1.5 r and
 * the projection's reflectY puts the north at the top.
 */

export type HexLayout = 'odd-r' | 'even-r';

export interface HexJson {
  layout: string;
  hexes: Record<string, { n?: string; q: number; r: number; region?: string } & Record<string, unknown>>;
}

export interface HexCell {
  code: string;
  name: string;
  region: string | null;
  q: number;
  r: number;
}

export interface HexFeature {
  type: 'Feature';
  /** The area's code (GSS for the UK maps): the key the chart's rows are matched on. */
  id: string;
  properties: Record<string, never>;
  geometry: { type: 'Polygon'; coordinates: [number, number][][] };
}

const SQRT3 = Math.sqrt(3);
const DIGITS = 1e4;
const round = (v: number) => Math.round(v * DIGITS) / DIGITS + 0; // + 0: no -0

/** Whether row r is shifted half a hex right (odd rows for odd-r, even rows for even-r; negative rows too). */
export function isShifted(r: number, layout: HexLayout): boolean {
  const odd = Math.abs(r) % 2 === 1;
  return layout === 'odd-r' ? odd : !odd;
}

/** Twice the column of the hex's centre: x = √3/2 × this, exact in integers (shifted rows: one more). */
const halfColumns = (q: number, r: number, layout: HexLayout) => 2 * q + (isShifted(r, layout) ? 1 : 0);

/** The centre of the hex at (q, r): columns √3 apart, rows 1.5 apart, shifted rows half a column right. */
export function hexCentre(q: number, r: number, layout: HexLayout = 'odd-r'): [number, number] {
  return [round((SQRT3 / 2) * halfColumns(q, r, layout)), 1.5 * r + 0];
}

/** The corners of a pointy-top hex from its centre, counter-clockwise from 30°: (half columns, rows) offsets. */
const CORNERS: ReadonlyArray<[number, number]> = [[1, 0.5], [0, 1], [-1, 0.5], [-1, -0.5], [0, -1], [1, -0.5]];

/**
 * The corners of the pointy-top hex at (q, r) as a closed GeoJSON ring, counter-clockwise from the upper right corner
 * (30°): upper right, top, upper left, lower left, bottom, lower right, and the first again. Computed in whole half
 * columns and half rows, so neighbouring hexes share their corners exactly (x rounded to 4 places).
 */
export function hexRing(q: number, r: number, layout: HexLayout = 'odd-r'): [number, number][] {
  const h = halfColumns(q, r, layout);
  const ring = CORNERS.map(([dx, dy]): [number, number] => [round((SQRT3 / 2) * (h + dx)), 1.5 * r + dy + 0]);
  ring.push(ring[0]);
  return ring;
}

/** A HexJSON's layout, checked: only the pointy-top row layouts are drawn. */
export function hexLayout(hexjson: HexJson): HexLayout {
  if (hexjson.layout !== 'odd-r' && hexjson.layout !== 'even-r') throw new Error(`hex layout ${hexjson.layout} is not drawn (odd-r or even-r only)`);
  return hexjson.layout;
}

/** The cells of a HexJSON, in its order: code, name, region, q and r. */
export function hexCells(hexjson: HexJson): HexCell[] {
  return Object.entries(hexjson.hexes).map(([code, h]) => {
    if (!Number.isInteger(h.q) || !Number.isInteger(h.r)) throw new Error(`hex ${code} has no integer q and r`);
    return { code, name: h.n ?? code, region: h.region ?? null, q: h.q, r: h.r };
  });
}

/** One GeoJSON polygon feature per hex, its id the hex's code. */
export function hexFeatures(hexjson: HexJson): HexFeature[] {
  const layout = hexLayout(hexjson);
  return hexCells(hexjson).map((c) => ({ type: 'Feature', id: c.code, properties: {}, geometry: { type: 'Polygon', coordinates: [hexRing(c.q, c.r, layout)] } }));
}
