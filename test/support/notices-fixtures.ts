import type { INestApplicationContext } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { OcdsImportService } from '../../metrics/ingest/ocds/ocds-import.service';

/**
 * The Procurement Act notices of test/fixtures/ocds/notices (Trafford, E08000009, is the buyer of every contract: UK7
 * KPIs on seven contracts, UK9 ratings on four), imported through the real OCDS import as an administrator would send
 * them: for the dashboards' and reports' panels of official ratings and KPI publication.
 */
export const NOTICE_FILES = ['uk7-contract-details.json', 'uk9-performance.json'] as const;

export async function importNotices(app: INestApplicationContext, files: readonly string[] = NOTICE_FILES): Promise<void> {
  const ocds = app.get(OcdsImportService);
  for (const name of files) {
    const body = readFileSync(join(__dirname, '..', 'fixtures', 'ocds', 'notices', name), 'utf8');
    const { batch } = await ocds.run({ stream: Readable.from([Buffer.from(body)]), fileName: name, contentType: 'application/json', sender: { keyId: null, allowed: null } });
    if (batch.status !== 'committed') throw new Error(`the notices of ${name} were not imported: ${batch.status}`);
  }
}
