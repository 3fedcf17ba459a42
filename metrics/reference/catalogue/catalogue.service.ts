import { Injectable } from '@nestjs/common';
import { DomainError } from '../../platform/errors';
import { CatalogueRepository, type FrameworkSummary } from './catalogue.repository';
import type { FrameworkDef } from './framework-definition';

/** The measures catalogue as it is read: the frameworks loaded, one in full. (Loading one: metrics/ingest/frameworks.) */
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
}
