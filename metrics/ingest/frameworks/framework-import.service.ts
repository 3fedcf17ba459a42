import { Inject, Injectable } from '@nestjs/common';
import type { Knex } from 'knex';
import { createHash } from 'node:crypto';
import { DerivedDataService } from '../../derive/derived-data.service';
import { DomainError } from '../../platform/errors';
import { knexSession } from '../../platform/session';
import { KNEX } from '../../platform/tokens';
import { CatalogueRepository, type FrameworkSummary } from '../../reference/catalogue/catalogue.repository';
import { frameworkFormat, readFramework, type FrameworkDef } from '../../reference/catalogue/framework-definition';

export interface LoadResult {
  status: 'created' | 'unchanged';
  framework: FrameworkSummary;
}

export function definitionHash(def: FrameworkDef): string {
  return createHash('sha256').update(JSON.stringify(def)).digest('hex');
}

/**
 * Loading a framework of measures. A framework version is immutable once loaded: loading the same definition again
 * changes nothing, loading a different one under the same code and version is a conflict (publish it as a new
 * version). Its measures' £ per unit are computed in the same transaction (DerivedDataService.revalue).
 */
@Injectable()
export class FrameworkImportService {
  constructor(
    @Inject(KNEX) private readonly knex: Knex,
    private readonly frameworks: CatalogueRepository,
    private readonly derived: DerivedDataService,
  ) {}

  /** A framework as sent over HTTP or by the CLI: JSON, or CSV with the framework's own fields in `header`. */
  upload(contentType: string | undefined, body: unknown, header: Record<string, unknown>): Promise<LoadResult> {
    return this.load(readFramework(frameworkFormat(contentType), body, header));
  }

  /** Loads a framework in one transaction; `isDefault` makes it the framework £ totals use by default. */
  load(def: FrameworkDef, options: { isDefault?: boolean } = {}): Promise<LoadResult> {
    return this.knex.transaction((trx) => this.loadIn(trx, def, options));
  }

  /** The same, in the caller's transaction (the reference data loader). */
  async loadIn(trx: Knex.Transaction, def: FrameworkDef, options: { isDefault?: boolean } = {}): Promise<LoadResult> {
    const sha256 = definitionHash(def);
    const existing = await this.frameworks.findIn(trx, def.code, def.version);
    if (existing) {
      if (existing.content_sha256 === sha256) return { status: 'unchanged' as const, framework: existing };
      throw new DomainError(
        'conflict',
        `Framework ${def.code} version ${def.version} is already loaded with different content; versions are immutable, so load it as a new version.`,
        { code: def.code, version: def.version, loaded_sha256: existing.content_sha256, sent_sha256: sha256 },
      );
    }
    const targets = def.crosswalk.map((c) => ({
      from_measure_code: c.measure,
      to_framework: c.to_framework,
      to_version: c.to_version,
      to_measure: c.to_measure,
    }));
    const ids = await this.frameworks.crosswalkTargets(trx, targets);
    const unknown = def.crosswalk
      .map((c, i) => ({ c, i }))
      .filter(({ c }) => !ids.has(`${c.to_framework}@${c.to_version ?? ''}:${c.to_measure}`));
    if (unknown.length > 0) {
      throw new DomainError(
        'invalid_parameter',
        `The crosswalk names measures that are not loaded: ${unknown.map(({ c }) => `${c.to_framework}${c.to_version ? `@${c.to_version}` : ''}:${c.to_measure}`).join(', ')}`,
        unknown.map(({ c, i }) => ({ path: `crosswalk[${i}].to_measure`, message: `${c.to_measure} is not a measure of ${c.to_framework}` })),
      );
    }
    await this.frameworks.insert(trx, def, sha256, options.isDefault ?? false, ids);
    await this.derived.revalue(knexSession(trx)); // its measures' £ per unit
    return { status: 'created' as const, framework: (await this.frameworks.findIn(trx, def.code, def.version))! };
  }
}
