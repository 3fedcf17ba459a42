const Sequencer = require('@jest/test-sequencer').default;

/**
 * The order test files start in. Jest starts the files it timed before slowest first, but only with its cache; on a
 * clean clone (CI) it has none and goes by file size, so a long suite can start late and run alone at the end while
 * the other worker idles. These, the longest (60-85 s each on a 2-core machine, against 0.1-25 s for the others),
 * start first, longest first; the rest follow in Jest's own order. Only the order changes: every file still runs.
 */
const SLOWEST_FIRST = [
  'test/e2e/reports.browser.spec.ts',
  'test/e2e/service-process.e2e.spec.ts',
  'test/e2e/backup.e2e.spec.ts',
  'test/e2e/dashboards.browser.spec.ts',
  'test/e2e/measures.e2e.spec.ts',
  'test/e2e/exports.e2e.spec.ts',
];

class SlowestFirst extends Sequencer {
  sort(tests) {
    const rank = (test) => {
      const path = test.path.split('\\').join('/');
      const i = SLOWEST_FIRST.findIndex((suffix) => path.endsWith(`/${suffix}`));
      return i < 0 ? SLOWEST_FIRST.length : i;
    };
    const rest = super.sort(tests.filter((test) => rank(test) === SLOWEST_FIRST.length));
    const slow = tests.filter((test) => rank(test) < SLOWEST_FIRST.length).sort((a, b) => rank(a) - rank(b));
    return Promise.resolve(rest).then((sorted) => [...slow, ...sorted]);
  }
}

module.exports = SlowestFirst;
