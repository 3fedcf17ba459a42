import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { parser } from 'stream-json';
import Assembler from 'stream-json/Assembler';
import { ignore } from 'stream-json/filters/Ignore';
import { pick } from 'stream-json/filters/Pick';
import { streamValues } from 'stream-json/streamers/StreamValues';
import { DomainError } from '../../platform/errors';

/** One release read from an OCDS document, with where it sits in it (for rejections: "releases[3].awards[0]..."). */
export interface SourceRelease {
  release: unknown;
  /** JSON path of the release in the document: `releases[3]`, `records[2].releases[0]`, `records[2].compiledRelease`, or `` for a bare release. */
  path: string;
  /** 1-based position of the release in the document, in reading order. */
  index: number;
}

export type OcdsDocumentKind = 'release_package' | 'record_package' | 'release' | 'record';

/** The items of a package's `releases` or `records` array: streamed one at a time, never the whole array in memory. */
const ITEM = /^(releases|records)\.\d+$/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A record's embedded releases in date order (linked releases, which carry only a url, are not releases to import). */
function recordReleases(record: Record<string, unknown>, path: string, next: () => number): SourceRelease[] {
  const embedded = Array.isArray(record.releases)
    ? record.releases
        .map((r, i) => ({ r, i }))
        .filter(({ r }) => isObject(r) && ('ocid' in r || 'id' in r)) // a linked release has only url, date and tag
    : [];
  if (embedded.length > 0) {
    return embedded
      .sort((a, b) => String((a.r as Record<string, unknown>).date ?? '').localeCompare(String((b.r as Record<string, unknown>).date ?? '')))
      .map(({ r, i }) => ({ release: r, path: `${path}.releases[${i}]`, index: next() }));
  }
  if (isObject(record.compiledRelease)) {
    return [{ release: record.compiledRelease, path: `${path}.compiledRelease`, index: next() }];
  }
  return [{ release: record, path, index: next() }]; // neither: the mapping names what is missing
}

const looksLikeRecord = (v: Record<string, unknown>) =>
  'compiledRelease' in v || 'versionedRelease' in v || ('releases' in v && !('tag' in v) && 'ocid' in v);

/**
 * Reads an OCDS document from a byte stream: a release package or record package (streamed, item by item), or a
 * single release or record (as Contracts Finder publishes them one per file). Throws `malformed_json` for bytes that
 * are not JSON and `unprocessable` for JSON that is not OCDS. `onKind` learns the kind of document once known;
 * `onPackage` gets a package's metadata (its releases or records emptied), such as the `links.next` of an API page.
 */
export async function* readOcds(
  input: Readable,
  onKind?: (kind: OcdsDocumentKind) => void,
  onPackage?: (meta: Record<string, unknown>) => void,
): AsyncGenerator<SourceRelease> {
  if (input.errored) throw asDomainError(input.errored);
  const tokens = parser({ streamValues: false });
  let bytes = 0;
  input.on('data', (chunk: Buffer | string) => (bytes += chunk.length)); // (the pipe below sets the pace) // packed keys, strings and numbers only: half the tokens, twice the speed
  const items = streamValues();
  const rest = ignore({ filter: ITEM });
  let failure: Error | undefined;
  const fail = (err: Error) => {
    failure ??= err;
    items.destroy(err);
  };
  input.on('error', fail);
  tokens.on('error', fail);
  rest.on('error', fail);
  input.pipe(tokens);
  tokens.pipe(pick({ filter: ITEM })).on('error', fail).pipe(items);
  tokens.pipe(rest);
  const top = Assembler.connectTo(rest);
  const restDone = once(rest, 'end').catch(() => undefined);

  let index = 0;
  const next = () => ++index;
  let fromRecords = false;
  let linkedOnly = 0; // items of a top-level `releases` that are links (url, date, tag): a single record's linked releases
  let yielded = 0;
  try {
    let n = 0;
    for await (const { value } of items as AsyncIterable<{ key: number; value: unknown }>) {
      const isRecord = isObject(value) && looksLikeRecord(value);
      const path = `${isRecord ? 'records' : 'releases'}[${n}]`;
      n += 1;
      if (isRecord) {
        fromRecords = true;
        for (const r of recordReleases(value, path, next)) {
          yielded += 1;
          yield r;
        }
      } else if (isObject(value) && !('ocid' in value) && !('id' in value) && 'url' in value) {
        linkedOnly += 1;
      } else {
        yielded += 1;
        yield { release: value, path, index: next() };
      }
    }
    await restDone;
  } catch (err) {
    throw asDomainError(failure ?? (err as Error), bytes);
  }
  if (failure) throw asDomainError(failure, bytes);
  const doc: unknown = top.current;
  if (!isObject(doc)) {
    throw new DomainError('unprocessable', 'The document is not an OCDS release package, record package, release or record: it is not a JSON object.');
  }
  if (looksLikeRecord(doc) && !Array.isArray(doc.records)) {
    // a single record (Contracts Finder publishes them one per file): its embedded releases were read above;
    // with only linked releases, its compiled release stands for them
    onKind?.('record');
    if (yielded === 0) {
      if (!isObject(doc.compiledRelease)) {
        throw new DomainError('unprocessable', 'The record lists its releases by link only (url, date, tag) and has no compiledRelease: send the releases themselves, or the compiled release.');
      }
      yield { release: doc.compiledRelease, path: 'compiledRelease', index: next() };
    }
    return;
  }
  if (Array.isArray(doc.records) || fromRecords) {
    onKind?.('record_package');
    onPackage?.(doc);
    return;
  }
  if (Array.isArray(doc.releases)) {
    onKind?.('release_package');
    onPackage?.(doc);
    if (linkedOnly > 0) {
      throw new DomainError('unprocessable', `The package lists ${linkedOnly} releases by link only (url, date, tag): send the releases themselves.`);
    }
    return;
  }
  if ('ocid' in doc || 'tag' in doc) {
    onKind?.('release');
    yield { release: doc, path: '', index: next() };
    return;
  }
  throw new DomainError(
    'unprocessable',
    'The document is not an OCDS release package, record package, release or record: it has no "releases", "records" or "ocid".',
    { keys: Object.keys(doc).slice(0, 20) },
  );
}

function asDomainError(err: Error, bytes = -1): Error {
  if (err instanceof DomainError) return err;
  if (bytes === 0) return new DomainError('malformed_json', 'The document is empty: send an OCDS release package, record package, release or record.');
  if (/parse|expected|unexpected|token/i.test(err.message)) {
    return new DomainError('malformed_json', `The document is not valid JSON: ${err.message}`);
  }
  return err;
}
