import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Where tests keep their database. `TEST_DATABASE_URL` (or `DATABASE_URL`) names a PostgreSQL server: each test file
 * gets its own database cloned from a migrated, seeded template. Otherwise each test file gets an embedded
 * database (PGlite) loaded from a dump of the same template.
 */
export const serverUrl: string | undefined = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL || undefined;

/** The PostgreSQL template database of this run (named in the environment like the embedded dump). */
export function templateDb(): string {
  process.env.SVM_TEST_TEMPLATE_DB ??= `svm_test_template_${process.pid}`;
  return process.env.SVM_TEST_TEMPLATE_DB;
}

/**
 * The dump of the embedded template, written by the global setup. Each run has its own (the setup names it in the
 * environment its workers inherit), so two runs at once on one machine never read each other's template.
 */
export function embeddedTemplatePath(): string {
  process.env.SVM_TEST_TEMPLATE ??= join(tmpdir(), `svm-test-template-${process.getuid?.() ?? 0}-${process.pid}.tar`);
  return process.env.SVM_TEST_TEMPLATE;
}

/** The URL of another database on the same server. */
export function databaseUrl(base: string, database: string): string {
  const url = new URL(base);
  url.pathname = `/${database}`;
  return url.toString();
}
