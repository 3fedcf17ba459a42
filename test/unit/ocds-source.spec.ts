import { Readable } from 'node:stream';
import { DomainError } from '../../metrics/platform/errors';
import { readOcds, type OcdsDocumentKind, type SourceRelease } from '../../metrics/ingest/ocds/ocds-source';

type Json = Record<string, any>;

interface Read {
  items: SourceRelease[];
  kinds: OcdsDocumentKind[];
  packages: Array<Record<string, unknown>>;
}

async function read(chunks: Array<string | Buffer>, into: Read = { items: [], kinds: [], packages: [] }): Promise<Read> {
  for await (const item of readOcds(
    Readable.from(chunks),
    (k) => into.kinds.push(k),
    (m) => into.packages.push(m),
  )) {
    into.items.push(item);
  }
  return into;
}

/** What was read before the document failed, and the error. */
async function failure(chunks: Array<string | Buffer>): Promise<Read & { error: DomainError }> {
  const got: Read = { items: [], kinds: [], packages: [] };
  try {
    await read(chunks, got);
  } catch (err) {
    expect(err).toBeInstanceOf(DomainError);
    return { ...got, error: err as DomainError };
  }
  throw new Error(`expected the document to fail; read ${JSON.stringify(got)}`);
}

/** The bytes of a text in pieces of `size` bytes (which cut multi-byte characters). */
const pieces = (text: string, size: number): Buffer[] => {
  const bytes = Buffer.from(text, 'utf8');
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
};

const rel = (ocid: string, id: string, date: string, extra: Json = {}): Json => ({ ocid, id, date, tag: ['tender'], ...extra });

const summary = (items: SourceRelease[]) => items.map((x) => ({ id: (x.release as Json).id, path: x.path, index: x.index }));

describe('readOcds', () => {
  const releasePackage = {
    uri: 'https://example.org/api/releases?page=1',
    version: '1.1',
    publishedDate: '2024-06-01T00:00:00Z',
    publisher: { name: 'Sell2Wales' },
    releases: [
      rel('ocds-kuma6s-1', 'r1', '2024-05-01T00:00:00Z', { buyer: { name: 'Cyngor Sir Ynys Môn' }, tender: { title: 'Gofal cartref — £2m' } }),
      rel('ocds-kuma6s-2', 'r2', '2024-05-02T00:00:00Z', { tender: { title: 'Road works', items: [{ id: '1', classification: { scheme: 'CPV', id: '45233130' } }] } }),
      rel('ocds-kuma6s-3', 'r3', '2024-05-03T00:00:00Z'),
    ],
    links: { next: 'https://example.org/api/releases?page=2' },
  };

  describe('release packages', () => {
    it('streams the releases with their paths and 1-based positions', async () => {
      const { items, kinds, packages } = await read([JSON.stringify(releasePackage)]);
      expect(summary(items)).toEqual([
        { id: 'r1', path: 'releases[0]', index: 1 },
        { id: 'r2', path: 'releases[1]', index: 2 },
        { id: 'r3', path: 'releases[2]', index: 3 },
      ]);
      expect(items.map((x) => x.release)).toEqual(releasePackage.releases);
      expect(kinds).toEqual(['release_package']);
      expect(packages).toHaveLength(1);
    });

    it('gives onPackage the package metadata, its releases emptied, with links.next', async () => {
      const { packages } = await read([JSON.stringify(releasePackage)]);
      const { releases: _releases, ...meta } = releasePackage;
      expect(packages).toEqual([{ ...meta, releases: [] }]);
      expect((packages[0].links as Json).next).toBe('https://example.org/api/releases?page=2');
    });

    it('reads the same from a package split into many small chunks, multi-byte characters cut in two', async () => {
      const text = JSON.stringify(releasePackage, null, 2);
      const whole = await read([text]);
      for (const size of [1, 3, 7, 64]) {
        const split = await read(pieces(text, size));
        expect(split).toEqual(whole);
      }
      expect((whole.items[0].release as Json).tender.title).toBe('Gofal cartref — £2m');
      expect((whole.items[0].release as Json).buyer.name).toBe('Cyngor Sir Ynys Môn');
    });

    it('streams a large package read in small chunks', async () => {
      const big = {
        releases: Array.from({ length: 3000 }, (_, i) => rel(`ocds-x-${i}`, `r${i}`, '2024-01-01T00:00:00Z', { tender: { title: `Môn ${i} ${'x'.repeat(100)}` } })),
        links: { next: 'n' },
      };
      const { items, kinds, packages } = await read(pieces(JSON.stringify(big), 4096));
      expect(items).toHaveLength(3000);
      expect(items[2999]).toMatchObject({ path: 'releases[2999]', index: 3000, release: { id: 'r2999' } });
      expect(items.every((x, i) => (x.release as Json).tender.title.startsWith(`Môn ${i} `))).toBe(true);
      expect(kinds).toEqual(['release_package']);
      expect(packages).toEqual([{ releases: [], links: { next: 'n' } }]);
    });

    it('reads an empty package', async () => {
      expect(await read(['{"releases": [], "links": {"next": null}}'])).toEqual({
        items: [],
        kinds: ['release_package'],
        packages: [{ releases: [], links: { next: null } }],
      });
    });

    it('refuses a package whose releases are only links', async () => {
      const linked = {
        uri: 'u',
        releases: [
          { url: 'https://example.org/r/1.json', date: '2024-01-01T00:00:00Z', tag: ['tender'] },
          { url: 'https://example.org/r/2.json', date: '2024-02-01T00:00:00Z', tag: ['award'] },
        ],
      };
      const { error, items, kinds } = await failure([JSON.stringify(linked)]);
      expect(error.code).toBe('unprocessable');
      expect(error.message).toMatch(/2 releases by link only/);
      expect(items).toEqual([]);
      expect(kinds).toEqual(['release_package']);
    });

    it('passes a release without ocid, id or url on, for the mapping to reject', async () => {
      const { items } = await read([JSON.stringify({ releases: [{ date: '2024-01-01' }, 'text'] })]);
      expect(items).toEqual([
        { release: { date: '2024-01-01' }, path: 'releases[0]', index: 1 },
        { release: 'text', path: 'releases[1]', index: 2 },
      ]);
    });
  });

  describe('single releases and records', () => {
    it('reads a single release (as Contracts Finder publishes them, one per file)', async () => {
      const single = rel('ocds-b5fd17-2c330cf9', 'ocds-b5fd17-2c330cf9-59429', '2014-12-17T16:44:56Z', {
        parties: [{ id: '8130c4', name: 'Met Office', roles: ['buyer'] }],
        tender: { title: ' Climate Science ', milestones: [{ id: 1, title: 'Contract start', dueDate: '2015-04-01T00:00:00Z' }] },
        buyer: { id: '8130c4', name: 'Met Office' },
      });
      const { items, kinds, packages } = await read(pieces(JSON.stringify(single), 5));
      expect(items).toEqual([{ release: single, path: '', index: 1 }]);
      expect(kinds).toEqual(['release']);
      expect(packages).toEqual([]);
    });

    it('reads the embedded releases of a single record, not its compiled release', async () => {
      const record = {
        ocid: 'ocds-213czf-1',
        releases: [rel('ocds-213czf-1', 'ocds-213czf-1-tender', '2024-01-01T00:00:00Z'), rel('ocds-213czf-1', 'ocds-213czf-1-award', '2024-03-01T00:00:00Z', { tag: ['award'] })],
        compiledRelease: rel('ocds-213czf-1', 'ocds-213czf-1-compiled', '2024-03-01T00:00:00Z', { tag: ['compiled'] }),
      };
      const { items, kinds, packages } = await read([JSON.stringify(record)]);
      expect(summary(items)).toEqual([
        { id: 'ocds-213czf-1-tender', path: 'releases[0]', index: 1 },
        { id: 'ocds-213czf-1-award', path: 'releases[1]', index: 2 },
      ]);
      expect(kinds).toEqual(['record']);
      expect(packages).toEqual([]);
    });

    it('falls back to the compiled release of a single record whose releases are only links', async () => {
      const compiled = rel('ocds-b5fd17-1', 'ocds-b5fd17-1-compiled', '2024-03-01T00:00:00Z', { tag: ['compiled'], tender: { title: 'T' } });
      const record = {
        ocid: 'ocds-b5fd17-1',
        releases: [
          { url: 'https://www.contractsfinder.service.gov.uk/Published/Notice/releases/1.json', date: '2024-01-01T00:00:00Z', tag: ['tender'] },
          { url: 'https://www.contractsfinder.service.gov.uk/Published/Notice/releases/2.json', date: '2024-03-01T00:00:00Z', tag: ['award'] },
        ],
        compiledRelease: compiled,
      };
      const { items, kinds, packages } = await read(pieces(JSON.stringify(record), 11));
      expect(items).toEqual([{ release: compiled, path: 'compiledRelease', index: 1 }]);
      expect(kinds).toEqual(['record']);
      expect(packages).toEqual([]);
    });
  });

  describe('record packages', () => {
    const recordPackage = {
      uri: 'https://example.org/records',
      publisher: { name: 'Example' },
      records: [
        {
          ocid: 'ocds-a-1',
          releases: [
            rel('ocds-a-1', 'a-award', '2024-03-01T00:00:00Z', { tag: ['award'] }),
            rel('ocds-a-1', 'a-tender', '2024-01-01T00:00:00Z'),
            { url: 'https://example.org/r/a-planning.json', date: '2023-12-01T00:00:00Z', tag: ['planning'] },
          ],
          compiledRelease: rel('ocds-a-1', 'a-compiled', '2024-03-01T00:00:00Z'),
        },
        {
          ocid: 'ocds-a-2',
          releases: [{ url: 'https://example.org/r/b.json', date: '2024-01-01T00:00:00Z', tag: ['tender'] }],
          compiledRelease: rel('ocds-a-2', 'b-compiled', '2024-02-01T00:00:00Z'),
        },
        { ocid: 'ocds-a-3', versionedRelease: { ocid: [{ value: 'ocds-a-3' }] } },
      ],
      links: { next: 'https://example.org/records?cursor=abc' },
    };

    it('reads each record: its embedded releases in date order, else its compiled release, else the record itself', async () => {
      const { items, kinds } = await read([JSON.stringify(recordPackage)]);
      expect(items.map((x) => ({ path: x.path, index: x.index }))).toEqual([
        { path: 'records[0].releases[1]', index: 1 },
        { path: 'records[0].releases[0]', index: 2 },
        { path: 'records[1].compiledRelease', index: 3 },
        { path: 'records[2]', index: 4 },
      ]);
      expect(items.map((x) => (x.release as Json).id ?? (x.release as Json).ocid)).toEqual(['a-tender', 'a-award', 'b-compiled', 'ocds-a-3']);
      expect(items[3].release).toEqual(recordPackage.records[2]);
      expect(kinds).toEqual(['record_package']);
    });

    it('gives onPackage the record package metadata, its records emptied', async () => {
      const { packages } = await read(pieces(JSON.stringify(recordPackage), 13));
      expect(packages).toEqual([{ uri: 'https://example.org/records', publisher: { name: 'Example' }, records: [], links: { next: 'https://example.org/records?cursor=abc' } }]);
    });

    it('reads an empty record package', async () => {
      expect(await read(['{"records": []}'])).toEqual({ items: [], kinds: ['record_package'], packages: [{ records: [] }] });
    });
  });

  describe('documents that are not OCDS', () => {
    it.each([
      ['text', 'this is not json'],
      ['a truncated package', '{"releases": [{"ocid": "a", "id": "1"}, {"ocid": '],
      ['a truncated release', '{"ocid": "a", "id": "1"'],
      ['trailing text', '{"ocid": "a", "id": "1"} and more'],
      ['two documents', '{"ocid": "a"}{"ocid": "b"}'],
      ['a single quote', "{'ocid': 'a'}"],
    ])('refuses %s as malformed JSON', async (_what, text) => {
      const { error, kinds } = await failure(pieces(text, 4));
      expect(error.code).toBe('malformed_json');
      expect(error.message).toMatch(/not valid JSON/);
      expect(kinds).toEqual([]);
    });

    it('says so when the document is empty', async () => {
      const { error, kinds } = await failure(pieces('', 4));
      expect(error.code).toBe('malformed_json');
      expect(error.message).toMatch(/^The document is empty/);
      expect(kinds).toEqual([]);
    });

    it('refuses malformed JSON after the first releases of a package', async () => {
      const text = JSON.stringify(releasePackage).replace(/\]\s*,\s*"links".*$/, ', {"ocid": "x", "id": }');
      const { error } = await failure(pieces(text, 16));
      expect(error.code).toBe('malformed_json');
    });

    it.each([
      ['an object without releases, records or ocid', '{"name": "a contract register", "rows": []}'],
      ['an array', '[{"ocid": "a", "id": "1"}]'],
      ['a number', '42'],
      ['a string', '"releases"'],
      ['a package whose releases are not a list', '{"releases": {"r1": {"ocid": "a"}}}'],
    ])('refuses %s as unprocessable', async (_what, text) => {
      const { error, items, kinds } = await failure([text]);
      expect(error.code).toBe('unprocessable');
      expect(error.message).toMatch(/not an OCDS/);
      expect(items).toEqual([]);
      expect(kinds).toEqual([]);
    });

    it('names the keys of a JSON object that is not OCDS', async () => {
      const { error } = await failure(['{"name": "register", "rows": [1, 2]}']);
      expect(error.details).toEqual({ keys: ['name', 'rows'] });
    });
  });

  describe('streams that fail', () => {
    it('passes a read error on as it is, not as malformed JSON', async () => {
      const broken = Readable.from(
        (async function* () {
          yield '{"releases": [{"ocid": "a", "id": "1"},';
          throw new Error('socket hang up');
        })(),
      );
      let caught: unknown;
      try {
        for await (const _item of readOcds(broken)) {
          // reading on until the stream fails
        }
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(Error);
      expect(caught).not.toBeInstanceOf(DomainError);
      expect((caught as Error).message).toBe('socket hang up');
    });

    it('refuses a stream that has already failed', async () => {
      const gone = new Readable({ read() {} });
      gone.on('error', () => undefined);
      gone.destroy(new Error('connection reset'));
      await new Promise((resolve) => setImmediate(resolve));
      const gen = readOcds(gone);
      await expect(gen.next()).rejects.toThrow('connection reset');
    });
  });
});
