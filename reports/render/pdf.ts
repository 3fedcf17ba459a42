import { PDFArray, PDFDict, PDFDocument, PDFHexString, PDFName, PDFRef, PDFString } from 'pdf-lib';

/** A bookmark of a printed PDF: its title, its depth (0: top level) and the page it opens (1-based). */
export interface Bookmark {
  title: string;
  level: number;
  page: number;
}

export interface PdfFacts {
  pages: number;
  bookmarks: Bookmark[];
}

const text = (v: unknown): string | undefined => (v instanceof PDFString || v instanceof PDFHexString ? v.decodeText() : undefined);

/** The page a bookmark's destination names: `/Dest [page ...]` or an action `/A << /S /GoTo /D [page ...] >>`. */
function destinationPage(doc: PDFDocument, item: PDFDict, pageIndex: Map<string, number>): number | undefined {
  let dest: unknown = item.lookup(PDFName.of('Dest'));
  const action = item.lookup(PDFName.of('A'));
  if (!dest && action instanceof PDFDict) dest = action.lookup(PDFName.of('D'));
  if (dest instanceof PDFName || dest instanceof PDFString || dest instanceof PDFHexString) {
    // a named destination: look it up in the catalogue's /Dests or /Names tree
    const name = dest instanceof PDFName ? dest.decodeText() : dest.decodeText();
    dest = namedDestination(doc, name);
  }
  if (dest instanceof PDFDict) dest = dest.lookup(PDFName.of('D'));
  if (!(dest instanceof PDFArray)) return undefined;
  const ref = dest.get(0);
  return ref instanceof PDFRef ? pageIndex.get(ref.toString()) : undefined;
}

function namedDestination(doc: PDFDocument, name: string): unknown {
  const dests = doc.catalog.lookup(PDFName.of('Dests'));
  if (dests instanceof PDFDict) return dests.lookup(PDFName.of(name));
  const names = doc.catalog.lookup(PDFName.of('Names'));
  const tree = names instanceof PDFDict ? names.lookup(PDFName.of('Dests')) : undefined;
  const search = (node: unknown): unknown => {
    if (!(node instanceof PDFDict)) return undefined;
    const leaf = node.lookup(PDFName.of('Names'));
    if (leaf instanceof PDFArray) {
      for (let i = 0; i + 1 < leaf.size(); i += 2) if (text(leaf.lookup(i)) === name) return leaf.lookup(i + 1);
    }
    const kids = node.lookup(PDFName.of('Kids'));
    if (kids instanceof PDFArray) {
      for (let i = 0; i < kids.size(); i++) {
        const found = search(kids.lookup(i));
        if (found) return found;
      }
    }
    return undefined;
  };
  return search(tree);
}

/** The page count and the outline (bookmarks, in document order) of a PDF Chromium printed with `outline: true`. */
export async function readPdf(bytes: Uint8Array): Promise<PdfFacts> {
  const doc = await PDFDocument.load(bytes, { updateMetadata: false });
  const pageIndex = new Map(doc.getPages().map((p, i) => [p.ref.toString(), i + 1]));
  const bookmarks: Bookmark[] = [];
  const walk = (first: unknown, level: number) => {
    for (let item = first; item instanceof PDFDict; item = item.lookup(PDFName.of('Next'))) {
      const page = destinationPage(doc, item, pageIndex);
      const title = text(item.lookup(PDFName.of('Title')));
      if (title !== undefined && page !== undefined) bookmarks.push({ title: title.trim(), level, page });
      walk(item.lookup(PDFName.of('First')), level + 1);
    }
  };
  const outlines = doc.catalog.lookup(PDFName.of('Outlines'));
  if (outlines instanceof PDFDict) walk(outlines.lookup(PDFName.of('First')), 0);
  return { pages: doc.getPageCount(), bookmarks };
}

export interface PdfMetadata {
  title: string;
  subject: string;
  keywords: string[];
  author: string;
}

/** Sets the document's metadata (title, subject, keywords, author); everything else (tags, outline) is kept as printed. */
export async function withMetadata(bytes: Uint8Array, meta: PdfMetadata): Promise<Uint8Array> {
  const doc = await PDFDocument.load(bytes, { updateMetadata: false });
  doc.setTitle(meta.title, { showInWindowTitleBar: true });
  doc.setSubject(meta.subject);
  doc.setKeywords(meta.keywords);
  doc.setAuthor(meta.author);
  doc.setCreator('Social value monitor');
  return doc.save({ useObjectStreams: false });
}
