import { benchmark, percentileRank, quantileSorted } from '../../metrics/read/benchmarks/statistics';
import { distance, meanAndSd, nearest, standardise, transformValue } from '../../metrics/read/peers/nearest-neighbours';
import { featureValues, ruralityClass, tierOf } from '../../metrics/read/peers/peer-features';
import { deprivationQuintile } from '../../metrics/reference/authorities/deprivation';
import { parseClusters } from '../../metrics/reference/reference-files';

const close = (x: number | null | undefined, y: number, digits = 6) => expect(x).toBeCloseTo(y, digits);

describe('standardisation and distance (worked example of four councils)', () => {
  /*
   * Features: population (log scale) and deprivation quintile (as is).
   *   A: 100 people, quintile 1;  B: 1,000, 1;  C: 10,000, 3;  D: 100,000, 3
   * log population = 2, 3, 4, 5 x ln 10. Its z-scores do not depend on the base: with k = 2, 3, 4, 5,
   *   mean 3.5, sample sd sqrt((1.5² + 0.5² + 0.5² + 1.5²) / 3) = sqrt(5/3) = 1.290994,
   *   z = (k - 3.5) / 1.290994 = -1.161895, -0.387298, 0.387298, 1.161895; one step apart = 0.774597, squared 0.6.
   * deprivation 1, 1, 3, 3: mean 2, sd sqrt(4 x 1² / 3) = 1.154701, z = -0.866025, -0.866025, 0.866025, 0.866025;
   *   1 and 3 apart: 1.732051, squared 3.
   * d(A,B) = sqrt(0.6) = 0.774597   d(A,C) = sqrt(2.4 + 3) = sqrt(5.4) = 2.323790   d(A,D) = sqrt(5.4 + 3) = sqrt(8.4) = 2.898275
   * d(B,C) = sqrt(0.6 + 3) = sqrt(3.6) = 1.897367   d(B,D) = sqrt(5.4) = 2.323790   d(C,D) = sqrt(0.6) = 0.774597
   * Largest pair distance: d(A,D) = sqrt(8.4), so B's neighbours rescaled are sqrt(0.6/8.4) = 0.267261 (A),
   *   sqrt(3.6/8.4) = 0.654654 (C), sqrt(5.4/8.4) = 0.801784 (D).
   */
  const specs = [
    { name: 'population', transform: 'log' as const },
    { name: 'deprivation', transform: 'none' as const },
  ];
  const councils = [
    { code: 'A', values: { population: 100, deprivation: 1 } },
    { code: 'B', values: { population: 1000, deprivation: 1 } },
    { code: 'C', values: { population: 10000, deprivation: 3 } },
    { code: 'D', values: { population: 100000, deprivation: 3 } },
  ];
  const set = standardise(councils, specs);

  it('z-scores each feature across the candidates (log first for population)', () => {
    expect(set.features.map((f) => [f.name, f.n, f.used])).toEqual([
      ['population', 4, true],
      ['deprivation', 4, true],
    ]);
    close(set.features[0].mean, 3.5 * Math.log(10));
    close(set.features[0].sd, Math.sqrt(5 / 3) * Math.log(10));
    close(set.features[1].mean, 2);
    close(set.features[1].sd, 1.154701);
    const zA = set.z.get('A')!;
    close(zA[0], -1.161895);
    close(zA[1], -0.866025);
    close(set.z.get('D')![0], 1.161895);
    expect(set.used).toBe(2);
    close(set.maxDistance, Math.sqrt(8.4));
  });

  it('ranks the nearest by distance, with distances rescaled to 0..1', () => {
    const peers = nearest(set, 'B', 3);
    expect(peers.map((p) => p.code)).toEqual(['A', 'C', 'D']);
    close(peers[0].distance, 0.774597);
    close(peers[1].distance, 1.897367);
    close(peers[2].distance, 2.32379);
    close(peers[0].distance_scaled, 0.267261);
    close(peers[1].distance_scaled, 0.654654);
    close(peers[2].distance_scaled, 0.801784);
    expect(peers.every((p) => p.features_shared === 2)).toBe(true);
  });

  it('honours k, leaves the council itself out, and ties go by code', () => {
    expect(nearest(set, 'A', 1).map((p) => p.code)).toEqual(['B']);
    expect(nearest(set, 'A', 10)).toHaveLength(3);
    expect(nearest(set, 'nobody', 3)).toEqual([]);
    // a tie: Y and Z are identical, so at the same distance from X
    const tie = standardise(
      [
        { code: 'X', values: { population: 10, deprivation: 1 } },
        { code: 'Z', values: { population: 100, deprivation: 2 } },
        { code: 'Y', values: { population: 100, deprivation: 2 } },
      ],
      specs,
    );
    expect(nearest(tie, 'X', 2).map((p) => p.code)).toEqual(['Y', 'Z']);
  });
});

describe('missing values', () => {
  it('computes the distance over the features both have, scaled up to all features', () => {
    // a = [1, null, 0], b = [0, 2, 2], 3 features in use: shared are the 1st and 3rd,
    // sum of squares (1 - 0)² + (0 - 2)² = 5, scaled by F/S = 3/2: sqrt(7.5) = 2.738613
    const d = distance([1, null, 0], [0, 2, 2], 3)!;
    close(d.distance, 2.738613);
    expect(d.shared).toBe(2);
    expect(distance([null, 1], [1, null], 2)).toBeNull(); // nothing shared: no distance, never a neighbour
  });

  it('standardises a feature over the councils that have it, and a council missing one is still ranked', () => {
    // deprivation of 1, 3 and missing: mean 2, sd sqrt(((1-2)² + (3-2)²) / 1) = 1.414214
    const set = standardise(
      [
        { code: 'P', values: { population: 100, deprivation: 1 } },
        { code: 'Q', values: { population: 1000, deprivation: 3 } },
        { code: 'R', values: { population: 1000, deprivation: null } },
      ],
      [
        { name: 'population', transform: 'log' },
        { name: 'deprivation', transform: 'none' },
      ],
    );
    expect(set.features[1]).toMatchObject({ n: 2, mean: 2, used: true });
    close(set.features[1].sd, Math.SQRT2);
    expect(set.z.get('R')![1]).toBeNull();
    // R has Q's population and no deprivation: distance 0 over the one shared feature
    const fromR = nearest(set, 'R', 2);
    expect(fromR[0]).toMatchObject({ code: 'Q', distance: 0, features_shared: 1 });
  });

  it('leaves out a feature that cannot tell councils apart, and a log of a non-positive value', () => {
    const set = standardise(
      [
        { code: 'P', values: { population: 100, rurality: 1 } },
        { code: 'Q', values: { population: 1000, rurality: 1 } },
      ],
      [
        { name: 'population', transform: 'log' },
        { name: 'rurality', transform: 'none' },
      ],
    );
    expect(set.features[1]).toMatchObject({ used: false, sd: 0 });
    expect(set.used).toBe(1);
    expect(transformValue(0, 'log')).toBeNull();
    expect(transformValue(-3, 'log')).toBeNull();
    expect(transformValue(null, 'none')).toBeNull();
    expect(meanAndSd([5])).toEqual({ mean: 5, sd: null });
  });
});

describe('area features and tiers', () => {
  it('derives density, deprivation quintile and rurality class', () => {
    // Trafford: 237,579 people on 106 km² -> 2,241.3 per km²; "4th IMD quintile" -> 4; "Urban" -> 1
    const f = featureValues({ population: 237579, area_km2: 106, imd_label: '4th IMD quintile', ruc_label: 'Urban' });
    close(f.density, 2241.311, 3);
    expect(f).toMatchObject({ population: 237579, area: 106, deprivation: 4, rurality: 1 });
    expect(deprivationQuintile('1st IMD quintile')).toBe(1);
    expect(deprivationQuintile('nonsense')).toBeNull();
    expect(['Urban', 'Urban with rural areas', 'Rural', 'Sparse and rural'].map(ruralityClass)).toEqual([1, 2, 3, 4]);
    expect(featureValues({ population: 10, area_km2: null, imd_label: null, ruc_label: null })).toMatchObject({ density: null, deprivation: null });
  });

  it('puts councils in comparable tiers', () => {
    const t = (subtype: string | null, code: string, kind = 'local_authority') => tierOf({ kind, subtype, code });
    expect(t('Metropolitan district', 'E08000009')).toBe('upper');
    expect(t('County', 'E10000032')).toBe('upper');
    expect(t('Welsh unitary authority', 'W06000015')).toBe('upper');
    expect(t('Non-metropolitan district', 'E07000223')).toBe('district');
    expect(t('NI district', 'N09000003')).toBe('district');
    expect(t('Combined authority', 'E47000001')).toBe('strategic');
    expect(t(null, 'E06000001')).toBe('upper'); // by GSS code when the subtype is unknown
    expect(t('Ministerial department', 'GB-GOR-D10', 'central_department')).toBeNull();
  });

  it('parses mySociety cluster files, describing composite labels by their parts', () => {
    const rows = parseClusters(
      {
        composite: 'local-authority-code,label\nTRF,North West; Emissions: Urban Mainstream; 4th IMD quintile; Urban\n',
        emissions: 'local-authority-code,label\nTRF,Urban Mainstream\n',
        imd: 'local-authority-code,label\nTRF,4th IMD quintile\n',
        ruc: 'local-authority-code,label\nTRF,Urban\n',
        physical: 'local-authority-code,label\nTRF,North West\n',
      },
      {
        emissions: 'label,desc\nUrban Mainstream,Below average for all emissions scores\n',
        imd: 'label,desc\n4th IMD quintile,Councils in second least deprived quintile (20%)\n',
        ruc: 'label,desc\nUrban,Local authority predominately made up of urban neighbourhoods\n',
        physical: 'label,desc\nNorth West,Local authorities in North West\n',
      },
    );
    expect(rows).toHaveLength(5);
    expect(rows[0]).toEqual({
      local_code: 'TRF',
      scheme: 'composite',
      label: 'North West; Emissions: Urban Mainstream; 4th IMD quintile; Urban',
      description:
        'Local authorities in North West; Below average for all emissions scores; Councils in second least deprived quintile (20%); Local authority predominately made up of urban neighbourhoods',
    });
    expect(rows.find((r) => r.scheme === 'imd')).toMatchObject({ label: '4th IMD quintile', description: 'Councils in second least deprived quintile (20%)' });
  });
});

describe('benchmark statistics (worked arithmetic)', () => {
  /*
   * Peers 1, 2, 4, 7 (n = 4), type 7: h = (n - 1) p = 3p
   *   lower quartile: h = 0.75 -> 1 + 0.75 x (2 - 1) = 1.75
   *   median:         h = 1.5  -> 2 + 0.5  x (4 - 2) = 3
   *   upper quartile: h = 2.25 -> 4 + 0.25 x (7 - 4) = 4.75
   * The authority's value 4: 2 peers below, 1 equal -> 100 x (2 + 0.5) / 4 = 62.5; gap 4 - 3 = 1.
   */
  it('computes quartiles by linear interpolation (R type 7, as d3.quantile)', () => {
    const sorted = [1, 2, 4, 7];
    expect(quantileSorted(sorted, 0.25)).toBe(1.75);
    expect(quantileSorted(sorted, 0.5)).toBe(3);
    expect(quantileSorted(sorted, 0.75)).toBe(4.75);
    expect(quantileSorted(sorted, 0)).toBe(1);
    expect(quantileSorted(sorted, 1)).toBe(7);
    expect(quantileSorted([5], 0.25)).toBe(5);
    expect(quantileSorted([], 0.5)).toBeNull();
    // odd n: 0.1, 0.2, 0.3, 0.4, 0.9 -> median x[2] = 0.3; quartiles x[1] = 0.2 and x[3] = 0.4
    expect(quantileSorted([0.1, 0.2, 0.3, 0.4, 0.9], 0.5)).toBe(0.3);
  });

  it('ranks the value: the share of peers below plus half the ties', () => {
    expect(percentileRank(4, [1, 2, 4, 7])).toBe(62.5);
    expect(percentileRank(0, [1, 2, 4, 7])).toBe(0);
    expect(percentileRank(8, [1, 2, 4, 7])).toBe(100);
    expect(percentileRank(2, [2, 2])).toBe(50); // all tied: the middle
    expect(percentileRank(1, [])).toBeNull();
  });

  it('summarises one indicator, leaving out peers without a value', () => {
    expect(benchmark(4, [7, null, 1, 4, undefined, 2, Number.NaN])).toEqual({
      value: 4,
      peer_median: 3,
      peer_lower_quartile: 1.75,
      peer_upper_quartile: 4.75,
      percentile_rank: 62.5,
      gap_to_median: 1,
      n_peers: 4,
    });
    expect(benchmark(null, [1, 2])).toMatchObject({ value: null, peer_median: 1.5, percentile_rank: null, gap_to_median: null, n_peers: 2 });
    expect(benchmark(0.3, [])).toMatchObject({ peer_median: null, percentile_rank: null, gap_to_median: null, n_peers: 0 });
  });
});
