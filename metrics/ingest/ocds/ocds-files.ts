import { createReadStream, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { DomainError } from '../../platform/errors';
import type { BatchRecord } from '../imports/imports.repository';
import type { ImportSender } from '../imports/imports.service';
import type { OcdsImportService } from './ocds-import.service';

/** The .json files a path names: the file itself, or every .json file under a folder, in name order. */
export function ocdsFiles(path: string): string[] {
  const full = resolve(path);
  let stat;
  try {
    stat = statSync(full);
  } catch {
    throw new DomainError('not_found', `No file or folder ${path}`, { path });
  }
  if (stat.isFile()) return [full];
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.isFile() && /\.json$/i.test(entry.name)) files.push(p);
    }
  };
  walk(full);
  if (files.length === 0) throw new DomainError('not_found', `No .json files in ${path}`, { path });
  return files;
}

export interface FileImport {
  file: string;
  batch?: BatchRecord;
  error?: { code: string; message: string };
}

/** Imports OCDS files one batch each, streamed from disk; a file that fails is reported and the next one goes on. */
export async function importOcdsFiles(
  importer: OcdsImportService,
  paths: string[],
  options: { mode?: string; sender: ImportSender; limitBytes: number },
): Promise<FileImport[]> {
  const files = paths.flatMap(ocdsFiles);
  const results: FileImport[] = [];
  for (const file of files) {
    try {
      const { batch } = await importer.run(
        { stream: createReadStream(file), mode: options.mode, fileName: basename(file), contentType: 'application/json', sender: options.sender },
        options.limitBytes,
      );
      results.push({ file, batch });
    } catch (err) {
      // reported, and the next file goes on
      const code = err instanceof DomainError ? err.code : 'failed';
      results.push({ file, error: { code, message: (err as Error).message } });
    }
  }
  return results;
}
