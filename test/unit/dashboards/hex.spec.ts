import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hexCells, hexCentre, hexFeatures, hexLayout, hexRing, isShifted, type HexJson } from '../../../dashboards/hex';
import { projectRoot } from '../../../metrics/platform/project-root';

const SQRT3 = Math.sqrt(3);
const key = ([x, y]: [number, number]) => `${x},${y}`;
const corners = (q: number, r: number, layout: 'odd-r' | 'even-r' = 'odd-r') => new Set(hexRing(q, r, layout).slice(0, 6).map(key));
const shared = (a: Set<string>, b: Set<string>) => [...a].filter((p) => b.has(p)).length;

/** The six neighbours of (q, r) on an odd-r grid (Red Blob Games' offset coordinates: odd rows shoved right). */
function oddRNeighbours(q: number, r: number): Array<[number, number]> {
  const odd = Math.abs(r) % 2 === 1;
  const diag = odd ? [0, 1] : [-1, 0];
  return [[q - 1, r], [q + 1, r], ...diag.flatMap((d): Array<[number, number]> => [[q + d, r - 1], [q + d, r + 1]])];
}

describe('hex geometry (pointy-top, offset rows)', () => {
  it('shifts odd rows right for odd-r and even rows for even-r, negative rows included', () => {
    expect([-3, -2, -1, 0, 1, 2, 3].map((r) => isShifted(r, 'odd-r'))).toEqual([true, false, true, false, true, false, true]);
    expect([-3, -2, -1, 0, 1, 2, 3].map((r) => isShifted(r, 'even-r'))).toEqual([false, true, false, true, false, true, false]);
  });

  it('puts columns √3 apart, rows 1.5 apart (upward), odd rows half a column right', () => {
    expect(hexCentre(0, 0)).toEqual([0, 0]);
    expect(hexCentre(1, 0)[0]).toBeCloseTo(SQRT3, 4);
    expect(hexCentre(0, 1)[0]).toBeCloseTo(SQRT3 / 2, 4);
    expect(hexCentre(0, 1)[1]).toBe(1.5);
    expect(hexCentre(0, -1)[0]).toBeCloseTo(SQRT3 / 2, 4);
    expect(hexCentre(0, -1)[1]).toBe(-1.5);
    expect(hexCentre(2, 2)[0]).toBeCloseTo(2 * SQRT3, 4);
    expect(hexCentre(0, 1, 'even-r')[0]).toBe(0);
    expect(hexCentre(0, 0, 'even-r')[0]).toBeCloseTo(SQRT3 / 2, 4);
  });

  it('draws a closed ring of six corners one unit from the centre, pointy at top and bottom, counter-clockwise', () => {
    const ring = hexRing(3, 5);
    expect(ring).toHaveLength(7);
    expect(ring[6]).toEqual(ring[0]);
    const [cx, cy] = hexCentre(3, 5);
    for (const [x, y] of ring) expect(Math.hypot(x - cx, y - cy)).toBeCloseTo(1, 3);
    const ys = ring.map(([, y]) => y);
    expect(Math.max(...ys)).toBeCloseTo(cy + 1, 4); // a corner straight up: pointy top
    expect(Math.min(...ys)).toBeCloseTo(cy - 1, 4);
    let area = 0;
    for (let i = 0; i < 6; i += 1) area += ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1];
    expect(area / 2).toBeCloseTo((3 * SQRT3) / 2, 3); // positive: counter-clockwise, the area of a unit hexagon
  });

  it('makes each hex share an edge (two corners) with exactly its six odd-r neighbours, on even and odd rows', () => {
    for (const [q, r] of [[4, 2], [4, 3], [0, -3], [-2, -2]] as Array<[number, number]>) {
      const me = corners(q, r);
      const neighbours = oddRNeighbours(q, r);
      for (const [nq, nr] of neighbours) expect(shared(me, corners(nq, nr))).toBe(2);
      for (let dq = -3; dq <= 3; dq += 1) {
        for (let dr = -3; dr <= 3; dr += 1) {
          const [oq, or] = [q + dq, r + dr];
          if ((dq === 0 && dr === 0) || neighbours.some(([a, b]) => a === oq && b === or)) continue;
          expect(shared(me, corners(oq, or))).toBe(0);
        }
      }
    }
  });

  it('refuses the column layouts (flat-top), which it does not draw', () => {
    expect(() => hexLayout({ layout: 'odd-q', hexes: {} })).toThrow(/odd-q/);
    expect(hexLayout({ layout: 'odd-r', hexes: {} })).toBe('odd-r');
  });

  describe('the shipped UK district map', () => {
    const hexjson = JSON.parse(readFileSync(join(projectRoot(), 'metrics', 'reference', 'data', 'maps', 'uk-local-authority-districts-2023.hexjson'), 'utf8')) as HexJson;
    const features = hexFeatures(hexjson);
    const centre = (code: string) => {
      const c = hexCells(hexjson).find((x) => x.code === code)!;
      return hexCentre(c.q, c.r, 'odd-r');
    };

    it('gives one feature per hex, keyed by GSS code, no two in the same place', () => {
      expect(hexjson.layout).toBe('odd-r');
      expect(features).toHaveLength(361);
      expect(new Set(features.map((f) => f.id)).size).toBe(361);
      expect(features.every((f) => /^[ENSW]\d{8}$/.test(f.id))).toBe(true);
      expect(new Set(features.map((f) => key(f.geometry.coordinates[0][0]))).size).toBe(361);
    });

    it('has the north at the top once y points up (Shetland highest, the Isles of Scilly lowest) and the east on the right', () => {
      const [, shetland] = centre('S12000027');
      const [, scilly] = centre('E06000053');
      const [, hartlepool] = centre('E06000001');
      const [, cornwall] = centre('E06000052');
      const ys = hexCells(hexjson).map((c) => hexCentre(c.q, c.r)[1]);
      expect(shetland).toBe(Math.max(...ys));
      expect(scilly).toBe(Math.min(...ys));
      expect(hartlepool).toBeGreaterThan(cornwall);
      expect(centre('E07000148')[0]).toBeGreaterThan(centre('W06000015')[0]); // Norwich east of Cardiff
    });

    it('places Hartlepool on the row above Stockton-on-Tees and Middlesbrough, touching both', () => {
      const hartlepool = corners(8, 18);
      expect(shared(hartlepool, corners(7, 17))).toBe(2); // Stockton-on-Tees
      expect(shared(hartlepool, corners(8, 17))).toBe(2); // Middlesbrough
    });
  });
});
