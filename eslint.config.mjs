import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * The direction imports go (docs/architecture.md): api -> reports -> dashboards -> metrics, and inside metrics/ the
 * wings platform <- reference <- derive <- ingest, read. Each entry: the files, and the folders they must not import
 * (matched as a path segment of the import; every import of the project is relative).
 */
const APP = ['api', 'reports', 'dashboards'];
const DIRECTION = [
  ['migrations', ['api', 'reports', 'dashboards', 'metrics']],
  ['reports', ['api']],
  ['dashboards', ['api', 'reports']],
  ['metrics', APP, 'metrics/*.ts'],
  ['metrics/platform', [...APP, 'reference', 'derive', 'ingest', 'read']],
  ['metrics/reference', [...APP, 'derive', 'ingest', 'read']],
  ['metrics/derive', [...APP, 'ingest', 'read']],
  ['metrics/read', [...APP, 'ingest']],
  ['metrics/ingest', [...APP, 'read']],
].map(([folder, banned, files]) => ({
  files: [files ?? `${folder}/**/*.ts`],
  rules: {
    'no-restricted-imports': [
      'error',
      { patterns: [{ regex: `(^|/)(${banned.join('|')})/`, message: `${folder}/ imports none of ${banned.map((b) => `${b}/`).join(', ')} (the direction of docs/architecture.md)` }] },
    ],
  },
}));

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', '.data/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: globals.node },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='process'][property.name='env']",
          message: 'Read configuration through api/config/config.ts (loadConfig), once at boot.',
        },
      ],
    },
  },
  ...DIRECTION,
  {
    files: ['api/config/config.ts', 'test/**/*.ts', 'test/**/*.js', 'jest.config.js'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['jest.config.js', 'test/**/*.js'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // the dashboards' script, run by browsers: plain ES5-style JavaScript with the vendored libraries as globals
    files: ['dashboards/pages/assets/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: { ...globals.browser, vegaEmbed: 'readonly', vegaInterpreter: 'readonly', d3: 'readonly' },
    },
  },
  {
    // runs before node_modules exist (npm prestart/pretest): CommonJS, Node built-ins only, reads npm_execpath
    files: ['api/cli/ensure-ready.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off', 'no-restricted-syntax': 'off' },
  },
);
