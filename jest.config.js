/** Jest: TypeScript through @swc/jest (decorator metadata on, dynamic import() kept for ESM-only packages). */
const swc = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
  },
  module: { type: 'commonjs', ignoreDynamic: true },
  sourceMaps: 'inline',
};

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/api', '<rootDir>/metrics', '<rootDir>/dashboards', '<rootDir>/reports'],
  testMatch: ['**/*.spec.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', swc] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  // the longest suites first, so none starts late and runs alone at the end (test/support/sequencer.js)
  testSequencer: '<rootDir>/test/support/sequencer.js',
  testTimeout: 60000,
  maxWorkers: 2,
};
