import Ajv from 'ajv';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BuiltChart, Row } from '../../dashboards/chart';
import { projectRoot } from '../../metrics/platform/project-root';

let validate: ReturnType<Ajv['compile']> | undefined;

/**
 * Checks a spec against the Vega-Lite JSON schema of the installed vega-lite (build/vega-lite-schema.json); returns
 * the errors (none: valid). The schema's own options: draft-07, formats and unknown keywords tolerated.
 */
export function vegaLiteErrors(spec: unknown): string[] {
  if (!validate) {
    const schema = JSON.parse(readFileSync(join(projectRoot(), 'node_modules', 'vega-lite', 'build', 'vega-lite-schema.json'), 'utf8'));
    const ajv = new Ajv({ allErrors: false, strict: false, validateFormats: false });
    validate = ajv.compile(schema);
  }
  if (validate(spec)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}

/**
 * What every built chart must be (the dashboards' integration tests): a valid Vega-Lite 6 spec with a description,
 * a title, its data inline (never a URL); and either its rows, each holding every column, inline as its data, or
 * (`empty`) no rows and the sentence that says so.
 */
export function expectWellFormedChart(b: BuiltChart, empty: boolean): void {
  expect(vegaLiteErrors(b.spec)).toEqual([]);
  expect(b.spec.$schema).toBe('https://vega.github.io/schema/vega-lite/v6.json');
  expect(typeof b.spec.description).toBe('string');
  expect(JSON.stringify(b.spec)).not.toMatch(/"url"\s*:/);
  expect((b.spec.title as { text: string }).text.length).toBeGreaterThan(0);
  const values = (b.spec.data as { values: Row[] }).values;
  if (empty) {
    expect(b.rows).toEqual([]);
    expect(values).toEqual([{ message: (b.spec.usermeta as { empty: string }).empty }]);
  } else {
    expect(b.rows.length).toBeGreaterThan(0);
    expect(values).toBe(b.rows);
    for (const r of b.rows) for (const c of b.columns) expect(r).toHaveProperty(c.field);
  }
}
