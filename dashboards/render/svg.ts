import { subtitleLines, type VlSpec } from '../chart';

type Vega = typeof import('vega', { with: { 'resolution-mode': 'import' } });
type VegaLite = typeof import('vega-lite', { with: { 'resolution-mode': 'import' } });

let modules: Promise<[Vega, VegaLite]> | undefined;

/** vega and vega-lite are ES modules with a top-level await: loaded once, with a real import(). */
export function loadVega(): Promise<[Vega, VegaLite]> {
  // one after the other: Jest's ES module loader fails on two concurrent imports sharing modules
  modules ??= (async () => {
    const vega = await import('vega');
    return [vega, await import('vega-lite')] as [Vega, VegaLite];
  })();
  return modules;
}

/** A Vega-Lite logger that keeps its warnings (a spec that compiles with warnings has a defect: the tests look). */
function quietLogger(warnings: string[]) {
  const logger = {
    level: () => logger,
    error: (...args: unknown[]) => (warnings.push(args.join(' ')), logger),
    warn: (...args: unknown[]) => (warnings.push(args.join(' ')), logger),
    info: () => logger,
    debug: () => logger,
  };
  return logger as never;
}

/** What Vega-Lite warns about when it compiles a spec (none: clean). */
export async function compileWarnings(spec: VlSpec): Promise<string[]> {
  const [, vl] = await loadVega();
  const warnings: string[] = [];
  vl.compile({ ...spec, width: spec.width === 'container' ? SVG_WIDTH : spec.width } as never, { logger: quietLogger(warnings) });
  return warnings;
}

/** Width given to a chart drawn outside a page (`width: 'container'` has no container there). */
export const SVG_WIDTH = 720;

/**
 * The one renderer of a chart outside the browser (the API's `.svg`, the reports): Vega-Lite compiled, a headless
 * Vega view (`renderer: 'none'`), `toSVG()`, and the view finalized. Its loader refuses every URL and file: a spec's
 * data is inline, and a spec that names a URL fails rather than reach the network.
 */
export async function renderSvg(spec: VlSpec, width = SVG_WIDTH): Promise<string> {
  const [vega, vl] = await loadVega();
  const fixed: VlSpec = { ...spec, width: spec.width === 'container' ? width : spec.width };
  // outside a page the subtitle is drawn by Vega: in lines, so that a long one does not widen the chart
  const title = spec.title as { text: string; subtitle?: string } | undefined;
  if (title && typeof title.subtitle === 'string') fixed.title = { ...title, subtitle: subtitleLines(title.subtitle) };
  const compiled = vl.compile(fixed as never, { logger: quietLogger([]) }).spec;
  const loader = vega.loader();
  let refused: string | undefined;
  const refuse = async (uri: string) => {
    refused ??= uri;
    throw new Error(`charts are drawn from inline data only; refused to load ${uri}`);
  };
  loader.load = refuse;
  // a mark's link (href: the map's hexes open their council's page) is written into the SVG, never fetched
  loader.sanitize = (async (uri: string, options?: { context?: string }) => (options?.context === 'href' ? { href: uri } : refuse(uri))) as never;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', loader, logLevel: vega.None });
  try {
    const svg = await view.toSVG();
    // Vega logs a failed load and draws without the data: a chart missing its data is an error here
    if (refused !== undefined) throw new Error(`charts are drawn from inline data only; refused to load ${refused}`);
    return svg;
  } finally {
    view.finalize();
  }
}
