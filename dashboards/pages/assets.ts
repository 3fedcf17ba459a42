import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../metrics/platform/project-root';

/** A file the pages load: served by the service itself (a page makes no request outside it). */
export interface Asset {
  name: string;
  contentType: string;
  body: Buffer;
  /** The first characters of its SHA-256: the version in its URL, so it can be cached for good. */
  hash: string;
}

const JS = 'text/javascript; charset=utf-8';
const root = projectRoot();
const own = (file: string) => join(root, 'dashboards', 'pages', 'assets', file);
const dep = (...parts: string[]) => join(root, 'node_modules', ...parts);

/** The vendored files: pinned by the lockfile (vega 6.4, vega-lite 6.4, vega-embed 7.3, d3 7), read from node_modules. */
const FILES: Record<string, { path: string; type: string }> = {
  'vega.min.js': { path: dep('vega', 'build', 'vega.min.js'), type: JS },
  'vega-lite.min.js': { path: dep('vega-lite', 'build', 'vega-lite.min.js'), type: JS },
  'vega-embed.min.js': { path: dep('vega-embed', 'build', 'vega-embed.min.js'), type: JS },
  'd3.min.js': { path: dep('d3', 'dist', 'd3.min.js'), type: JS },
  'dashboards.js': { path: own('dashboards.js'), type: JS },
  'dashboards.css': { path: own('dashboards.css'), type: 'text/css; charset=utf-8' },
  'favicon.svg': { path: own('favicon.svg'), type: 'image/svg+xml' },
};

function asset(name: string, contentType: string, body: Buffer): Asset {
  return { name, contentType, body, hash: createHash('sha256').update(body).digest('hex').slice(0, 12) };
}

/**
 * vega-interpreter (Vega's expression interpreter, so that pages need no `unsafe-eval`) ships as an ES module that
 * imports vega-util: bundled once, at start, into a script defining `vegaInterpreter` (esbuild, from node_modules).
 */
async function interpreter(): Promise<Asset> {
  const esbuild = await import('esbuild');
  const out = await esbuild.build({
    entryPoints: [dep('vega-interpreter', 'build', 'vega-interpreter.js')],
    bundle: true,
    format: 'iife',
    globalName: 'vegaInterpreter',
    minify: true,
    write: false,
    logLevel: 'silent',
    absWorkingDir: root,
  });
  return asset('vega-interpreter.js', JS, Buffer.from(out.outputFiles[0].contents));
}

/** Every asset, read and hashed once. */
export async function loadAssets(): Promise<Map<string, Asset>> {
  const assets = new Map<string, Asset>();
  for (const [name, f] of Object.entries(FILES)) assets.set(name, asset(name, f.type, readFileSync(f.path)));
  const interp = await interpreter();
  assets.set(interp.name, interp);
  return assets;
}
