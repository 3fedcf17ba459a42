import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Where tests keep their database. `TEST_DATABASE_URL` (or `DATABASE_URL`) names a PostgreSQL server: each test file
 * gets its own database cloned from a migrated, seeded template. Otherwise each test file gets an embedded
 * database (PGlite) loaded from a dump of the same template.
 */
export const serverUrl: string | undefined = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL || undefined;

export const TEMPLATE_DB = 'svm_test_template';

/** The dump of the embedded template, written by the global setup. */
export const embeddedTemplatePath = join(tmpdir(), `svm-test-template-${process.getuid?.() ?? 0}.tar`);

/** The URL of another database on the same server. */
export function databaseUrl(base: string, database: string): string {
  const url = new URL(base);
  url.pathname = `/${database}`;
  return url.toString();
}
