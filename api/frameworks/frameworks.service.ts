import { Injectable } from '@nestjs/common';
import { CatalogueService, type LoadResult } from '../../metrics/reference/catalogue/catalogue.service';
import { frameworkFromCsv, frameworkFromJson, type FrameworkDef } from '../../metrics/reference/catalogue/framework-definition';
import { DomainError } from '../../metrics/platform/errors';

export type FrameworkFormat = 'json' | 'csv';

/** Reads a framework in either of its formats (CSV takes its header fields separately). */
export function readFramework(format: FrameworkFormat, body: unknown, header: Record<string, unknown>): FrameworkDef {
  if (format === 'csv') {
    if (typeof body !== 'string') throw new DomainError('invalid_parameter', 'A CSV framework is sent as text/csv');
    return frameworkFromCsv(body, header);
  }
  return frameworkFromJson(body);
}

export function formatOf(contentType: string | undefined): FrameworkFormat {
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'application/json') return 'json';
  if (type === 'text/csv' || type === 'application/csv') return 'csv';
  throw new DomainError('unsupported_media_type', 'Send a framework as application/json or as text/csv', {
    content_type: contentType ?? null,
    accepted: ['application/json', 'text/csv'],
  });
}

@Injectable()
export class FrameworksService {
  constructor(private readonly catalogue: CatalogueService) {}

  list() {
    return this.catalogue.list();
  }

  get(code: string, version?: string) {
    return this.catalogue.get(code, version);
  }

  upload(contentType: string | undefined, body: unknown, header: Record<string, unknown>): Promise<LoadResult> {
    return this.catalogue.load(readFramework(formatOf(contentType), body, header));
  }
}
