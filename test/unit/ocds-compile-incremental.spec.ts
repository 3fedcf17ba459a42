import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compileReleases } from '../../metrics/ingest/ocds/ocds-compile';

/**
 * The import compiles a process incrementally when the releases it brings are no older than the compiled release it
 * holds: the compiled release (as stored, through JSON), then the new releases. That must give what compiling every
 * release gives, at every point the releases could have been split between batches.
 */
type Json = Record<string, any>;
const OCDS = join(__dirname, '..', 'fixtures', 'ocds');
const MERGE = join(OCDS, 'merge-1.1');
const readJson = (...p: string[]) => JSON.parse(readFileSync(join(...p), 'utf8'));

const CASES: Array<[string, Json[]]> = [
  ...readdirSync(MERGE)
    .filter((f) => f.endsWith('.json') && !f.endsWith('-compiled.json') && !f.endsWith('-versioned.json'))
    .sort()
    .map((f): [string, Json[]] => [f, readJson(MERGE, f)]),
  ['fictional-example-1.1', readJson(OCDS, 'samples', 'fictional-example-1.1', 'ocds-213czf-000-00001.json').releases],
  ['metrics-lifecycle', readJson(OCDS, 'metrics-lifecycle.json').releases.filter((r: Json) => r.ocid === 'ocds-svmtest-0001')],
  ['wirral-two-awards', readJson(OCDS, 'compiled', 'wirral-two-awards.json').releases],
];

describe('compiling incrementally (the stored compiled release, then newer releases)', () => {
  it.each(CASES.filter(([, releases]) => releases.length > 1))('%s: the same at every split', (_name, releases) => {
    const ordered = releases.map((r, i) => ({ r, i })).sort((a, b) => Date.parse(a.r.date) - Date.parse(b.r.date) || a.i - b.i).map(({ r }) => r);
    const whole = compileReleases(ordered);
    for (let k = 1; k < ordered.length; k++) {
      const stored = JSON.parse(JSON.stringify(compileReleases(ordered.slice(0, k))));
      expect(compileReleases([stored, ...ordered.slice(k)])).toStrictEqual(whole);
    }
  });
});
