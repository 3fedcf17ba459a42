import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DomainError } from '../../platform/errors';
import type { BatchRecord } from '../imports/imports.repository';

/** What importing one file gave: its batch, or why it could not be read. */
export interface FileImport {
  file: string;
  batch?: BatchRecord;
  error?: { code: string; message: string };
}

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
