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

import { NO_DATA, SEQUENTIAL } from './theme';

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

/** What differs between two hex maps of councils: the rest of the Vega-Lite spec is `hexMapSpec`'s. */
export interface HexMapOptions {
  features: HexFeature[];
  /** Vega expressions (of `datum`): the link of a hexagon, the value as shown, the label a screen reader reads. */
  href: string;
  shown: string;
  label: string;
  /** The five bands' labels (light to dark), their breaks (four), and the label of the grey band (no value). */
  bands: { labels: readonly string[]; breaks: readonly number[] };
  none: string;
  /** The legend's title and the tooltip's extra fields (after the council's name). */
  title: string;
  tooltip: ReadonlyArray<Record<string, unknown>>;
}

/**
 * The Vega-Lite spec of a hex map of councils: each row's `code` looked up in the hexagons, shaded by its `value` in
 * five bands light to dark (SEQUENTIAL; grey NO_DATA for no value), named in the legend, each hexagon a link.
 */
export function hexMapSpec(o: HexMapOptions): Record<string, unknown> {
  const bandOf = `!isValid(datum.value) ? ${JSON.stringify(o.none)} : ${o.bands.breaks.map((b, i) => `datum.value < ${b} ? ${JSON.stringify(o.bands.labels[i])} : `).join('')}${JSON.stringify(o.bands.labels[4])}`;
  return {
    height: 720,
    datasets: { hexes: o.features },
    projection: { type: 'identity', reflectY: true },
    transform: [
      { lookup: 'code', from: { data: { name: 'hexes' }, key: 'id' }, as: 'hex' },
      { calculate: o.href, as: 'href' },
      { calculate: o.shown, as: 'shown' },
      { calculate: o.label, as: 'label' },
      { calculate: bandOf, as: 'band' },
    ],
    mark: { type: 'geoshape', stroke: '#ffffff', strokeWidth: 0.75 },
    encoding: {
      shape: { field: 'hex', type: 'geojson' },
      // bands named in the legend, the grey one among them (the band field is computed: the CSV keeps the value)
      color: {
        field: 'band',
        type: 'ordinal',
        title: o.title,
        scale: { domain: [...o.bands.labels, o.none], range: [...SEQUENTIAL, NO_DATA] },
        legend: { direction: 'vertical', orient: 'bottom', columns: 1, titleLimit: 600, labelLimit: 340, symbolType: 'square', symbolSize: 180, symbolStrokeWidth: 0 },
      },
      href: { field: 'href', type: 'nominal' },
      description: { field: 'label', type: 'nominal' },
      tooltip: [{ field: 'name', type: 'nominal', title: 'Council' }, ...o.tooltip, { field: 'band', type: 'ordinal', title: 'Band' }],
    },
  };
}
