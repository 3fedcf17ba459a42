import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { knexSession } from '../../platform/session';
import { DomainError } from '../../platform/errors';
import { RollupsService } from '../../derive/rollups/rollups.service';
import { CatalogueRepository, type FrameworkSummary } from './catalogue.repository';
import type { FrameworkDef } from './framework-definition';

export interface LoadResult {
  status: 'created' | 'unchanged';
  framework: FrameworkSummary;
}

export function definitionHash(def: FrameworkDef): string {
  return createHash('sha256').update(JSON.stringify(def)).digest('hex');
}

/**
 * The measures catalogue. A framework version is immutable once loaded: loading the same definition again changes
 * nothing, loading a different one under the same code and version is a conflict (publish it as a new version).
 */
@Injectable()
export class CatalogueService {
  constructor(private readonly frameworks: CatalogueRepository) {}

  list(): Promise<FrameworkSummary[]> {
    return this.frameworks.list();
  }

  async get(code: string, version?: string): Promise<FrameworkDef & { is_default: boolean; content_sha256: string }> {
    const found = await this.frameworks.find(code, version);
    if (!found) {
      throw new DomainError('not_found', `No framework ${code}${version ? ` version ${version}` : ''}`, { code, version });
    }
    const def = await this.frameworks.definition(found.id);
    return { ...def, is_default: found.is_default, content_sha256: found.content_sha256 };
  }

  /** Loads a framework in one transaction; `isDefault` makes it the framework £ totals use by default. */
  async load(def: FrameworkDef, options: { isDefault?: boolean } = {}): Promise<LoadResult> {
    const sha256 = definitionHash(def);
    return this.frameworks.transaction(async (trx) => {
      const existing = await this.frameworks.find(def.code, def.version, trx);
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
      const ids = await this.frameworks.crosswalkTargets(targets, trx);
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
      await this.frameworks.insert(def, sha256, options.isDefault ?? false, ids, trx);
      await new RollupsService().refreshFactors(knexSession(trx)); // its measures' £ per unit
      return { status: 'created' as const, framework: (await this.frameworks.find(def.code, def.version, trx))! };
    });
  }
}
