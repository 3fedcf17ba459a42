import Ajv from 'ajv';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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
