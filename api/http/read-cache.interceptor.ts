import {
  Inject,
  Injectable,
  SetMetadata,
  StreamableFile,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
  type NestMiddleware,
} from '@nestjs/common';
import { REDIRECT_METADATA, RENDER_METADATA, ROUTE_ARGS_METADATA, SSE_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import { Reflector } from '@nestjs/core';
import type { NextFunction, Request, Response } from 'express';
import { createHash } from 'node:crypto';
import { from, lastValueFrom, map, mergeMap, of, type Observable } from 'rxjs';
import { DataVersionService } from '../../metrics/platform/data-version';
import { ACCESS_KEY, ruleFor, type DeclaredAccess } from '../auth/access.decorator';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';

const NO_READ_CACHE = 'svm:no-read-cache';

/** A public read whose answer is not a function of the data (health, anything live): never cached, no ETag of ours. */
export const NoReadCache = () => SetMetadata(NO_READ_CACHE, true);

/** Most bytes of answers kept, whatever READ_CACHE_ENTRIES allows; an answer above a sixteenth of it is not kept. */
export const READ_CACHE_MAX_BYTES = 128 * 1024 * 1024;

/**
 * Clients may keep an answer but must ask again before each use (a conditional request, answered 304 while the data
 * gives the same answer): the data changes whenever a batch commits, and an answer kept for any max-age would be
 * stale after an import that has already been answered.
 */
export const READ_CACHE_CONTROL = 'no-cache';

const JSON_TYPE = 'application/json; charset=utf-8';

/** What a route's answer may depend on: the path and the query, nothing of the caller or of the request's other parts. */
const ALLOWED_ARGS = new Set<number>([RouteParamtypes.QUERY, RouteParamtypes.PARAM]);

interface Entry {
  version: number;
  body: Buffer;
  etag: string;
  type: string;
}

/**
 * An answer that is not JSON (a page, an SVG, a CSV) with its content type: cached like JSON answers on public routes,
 * and sent as it is everywhere.
 */
export class Rendered {
  constructor(
    readonly contentType: string,
    readonly body: string | Buffer,
  ) {}

  toFile(): StreamableFile {
    const body = Buffer.isBuffer(this.body) ? this.body : Buffer.from(this.body);
    return new StreamableFile(body, { type: this.contentType, length: body.length });
  }
}

const asFile = (value: unknown) => (value instanceof Rendered ? value.toFile() : value);

/** What a handler answered: JSON, made into an entry, or anything else (left as it is). */
type Computed = { entry: Entry } | { raw: unknown };

/**
 * The answers kept, for the data version they were computed at: least recently used first out, within
 * READ_CACHE_ENTRIES answers and READ_CACHE_MAX_BYTES. A newer version empties it (nothing older can be served again).
 */
@Injectable()
export class ReadCache {
  private readonly entries = new Map<string, Entry>();
  /** Answers being computed, by version and key: asked for again meanwhile, they are waited for, not recomputed. */
  readonly computing = new Map<string, Promise<Computed>>();
  private readonly maxEntries: number;
  private bytes = 0;
  private version = 0;

  constructor(
    private readonly versions: DataVersionService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.maxEntries = config.http.readCacheEntries;
  }

  /** The data version now (DataVersionService: exact across instances). Rejects when the database cannot say. */
  async currentVersion(): Promise<number> {
    const version = await this.versions.current();
    if (version > this.version) {
      this.version = version;
      this.entries.clear();
      this.bytes = 0;
    }
    return version;
  }

  /** The answer kept for `key` at `version`, if any (it becomes the most recently used). */
  get(key: string, version: number): Entry | undefined {
    const entry = this.entries.get(key);
    if (!entry || entry.version !== version) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry;
  }

  keep(key: string, entry: Entry): void {
    if (this.maxEntries === 0 || entry.version < this.version || entry.body.length > READ_CACHE_MAX_BYTES / 16) return;
    const old = this.entries.get(key);
    if (old) {
      this.entries.delete(key);
      this.bytes -= old.body.length;
    }
    this.entries.set(key, entry);
    this.bytes += entry.body.length;
    while (this.entries.size > this.maxEntries || this.bytes > READ_CACHE_MAX_BYTES) {
      const [oldestKey, oldest] = this.entries.entries().next().value as [string, Entry];
      this.entries.delete(oldestKey);
      this.bytes -= oldest.body.length;
    }
  }

  /** Whether answers are kept at all (READ_CACHE_ENTRIES > 0); when not, each request computes its own. */
  get keeps(): boolean {
    return this.maxEntries > 0;
  }

  /** Answers kept now. */
  get size(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.bytes };
  }
}

/**
 * Public reads (GET, access rule `public`) answered from memory while the data version stays the same, with a strong
 * ETag (a hash of the body: the same on every instance, and unchanged by a commit that leaves the answer as it was),
 * `Cache-Control: no-cache`, and 304 (no body) to an If-None-Match that names it.
 *
 * - The key is the path and the query, its parameters in order of name (the values of one name kept in their order).
 * - The version is asked for on each request; an answer is computed once per key and version however many ask for it
 *   at once (the others wait for it), unless nothing is kept.
 * - Only a route whose handler takes nothing but path and query parameters (no @Req, @Res, @Headers, or a decorator of
 *   its own such as @CurrentScope), with no @Render, @Redirect or @Sse, and that answers 200 with JSON. So the streamed
 *   exports (`@Res`), the supplier-data and the keyed routes are left alone: computed for each caller (Express's own
 *   weak ETag still applies to their JSON). `@NoReadCache()` opts a public route out (health).
 * - With READ_CACHE_ENTRIES=0 nothing is kept and every request computes its answer (as without this cache), still
 *   with its ETag and 304.
 * - When the version cannot be read (the database is down), the request goes to its handler, which answers as it would.
 * - An anonymous request for an answer already kept is served before routing (ReadCacheMiddleware); a caller that sends
 *   a key comes through here, after the guard has checked the key.
 */
@Injectable()
export class ReadCacheInterceptor implements NestInterceptor {
  private readonly routes = new WeakMap<object, boolean | 'by-item'>();

  constructor(
    private readonly reflector: Reflector,
    private readonly cache: ReadCache,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<Request>();
    if ((request.method !== 'GET' && request.method !== 'HEAD') || !this.cacheable(context, request)) return next.handle().pipe(map(asFile));
    const response = context.switchToHttp().getResponse<Response>();
    return from(this.serve(request, response, next, context.getHandler())).pipe(mergeMap((answer) => answer));
  }

  private async serve(request: Request, response: Response, next: CallHandler, handler: object): Promise<Observable<unknown>> {
    let version: number;
    try {
      version = await this.cache.currentVersion();
    } catch {
      return next.handle(); // the handler meets the same failure and answers it as it does
    }
    const key = cacheKey(request.originalUrl ?? request.url);
    let entry = this.cache.get(key, version);
    if (!entry) {
      const flight = `${version} ${key}`;
      let computing = this.cache.keeps ? this.cache.computing.get(flight) : undefined;
      if (!computing) {
        computing = compute(version, next);
        if (this.cache.keeps) this.cache.computing.set(flight, computing);
        const done = () => this.cache.computing.delete(flight);
        computing.then(done, done);
      }
      const computed = await computing;
      if ('raw' in computed) {
        this.routes.set(handler, false); // not JSON after all: left alone from now on
        return of(computed.raw);
      }
      entry = computed.entry;
      if (response.statusCode === 200) this.cache.keep(key, entry);
    }
    if (!prepare(request, response, entry)) return of(undefined); // 304, no body
    return of(new StreamableFile(entry.body, { type: entry.type, length: entry.body.length }));
  }

  private cacheable(context: ExecutionContext, request: Request): boolean {
    const handler = context.getHandler();
    let known = this.routes.get(handler);
    if (known === undefined) {
      known = this.routeIsCacheable(context);
      this.routes.set(handler, known);
    }
    if (known !== 'by-item') return known;
    // a route serving items of several audiences: only the public ones are kept
    const declared = this.reflector.getAllAndOverride<DeclaredAccess>(ACCESS_KEY, [handler, context.getClass()]);
    return ruleFor(declared, request.params as Record<string, string>).audience === 'public';
  }

  private routeIsCacheable(context: ExecutionContext): boolean | 'by-item' {
    const targets = [context.getHandler(), context.getClass()];
    const rule = this.reflector.getAllAndOverride<DeclaredAccess | undefined>(ACCESS_KEY, targets);
    if ((rule?.audience !== 'public' && rule?.audience !== 'by-item') || this.reflector.getAllAndOverride<boolean>(NO_READ_CACHE, targets)) return false;
    const handler = context.getHandler();
    if ([RENDER_METADATA, REDIRECT_METADATA, SSE_METADATA].some((k) => Reflect.getMetadata(k, handler) !== undefined)) return false;
    const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, context.getClass(), handler.name) ?? {}) as Record<string, unknown>;
    // a by-item route may read the caller's scope: for the public items it caches, that scope is always everything
    const custom = (k: string) => k.includes('__customRouteArgs__') && rule.audience === 'by-item';
    const plain = Object.keys(args).every((k) => custom(k) || (!k.includes('__customRouteArgs__') && ALLOWED_ARGS.has(Number(k.split(':')[0]))));
    return plain && rule.audience === 'by-item' ? 'by-item' : plain;
  }
}

/**
 * Serves an anonymous GET or HEAD whose answer is kept for the current version, before routing, guards and
 * interceptors: an answer is kept only from a route ReadCacheInterceptor caches (public, a function of path and query
 * alone), and the same URL reaches the same route. Anything else (a key sent, nothing kept, the version unreadable)
 * goes on as usual. Registered after the logger, so these requests are logged like the others.
 */
@Injectable()
export class ReadCacheMiddleware implements NestMiddleware {
  constructor(private readonly cache: ReadCache) {}

  use(request: Request, response: Response, next: NextFunction): void {
    if ((request.method !== 'GET' && request.method !== 'HEAD') || request.headers.authorization !== undefined || this.cache.size.entries === 0) {
      return next();
    }
    this.cache.currentVersion().then(
      (version) => {
        const entry = this.cache.get(cacheKey(request.originalUrl ?? request.url), version);
        if (!entry) return next();
        response.statusCode = 200;
        if (!prepare(request, response, entry)) return void response.end();
        response.setHeader('Content-Type', entry.type);
        response.setHeader('Content-Length', entry.body.length);
        response.end(entry.body);
      },
      () => next(),
    ).catch(next);
  }
}

/** The ETag and Cache-Control of an answer; false (the status set to 304) when If-None-Match names it. */
function prepare(request: Request, response: Response, entry: Entry): boolean {
  response.setHeader('ETag', entry.etag);
  response.setHeader('Cache-Control', READ_CACHE_CONTROL);
  if (response.statusCode !== 200 || !noneMatch(request.headers['if-none-match'], entry.etag)) return true;
  response.statusCode = 304;
  return false;
}

async function compute(version: number, next: CallHandler): Promise<Computed> {
  const value: unknown = await lastValueFrom(next.handle(), { defaultValue: undefined });
  if (value instanceof Rendered) {
    const body = Buffer.isBuffer(value.body) ? value.body : Buffer.from(value.body);
    return { entry: { version, body, etag: `"${createHash('sha1').update(body).digest('base64url')}"`, type: value.contentType } };
  }
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value) || isStream(value)) return { raw: value };
  const body = Buffer.from(JSON.stringify(value));
  return { entry: { version, body, etag: `"${createHash('sha1').update(body).digest('base64url')}"`, type: JSON_TYPE } };
}

/** The path and the query, its parameters sorted by name (a stable sort: the values of one name keep their order). */
export function cacheKey(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = [...new URLSearchParams(url.slice(q + 1))].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return params.length === 0 ? url.slice(0, q) : `${url.slice(0, q)}?${new URLSearchParams(params).toString()}`;
}

/**
 * Whether If-None-Match names this ETag (weak comparison, or `*`), RFC 9110 13.1.2. Evaluated here rather than by
 * Express, which ignores the condition when the request also says `Cache-Control: no-cache` (as fetch() adds to a
 * request with conditions of its own): that directive asks the caches on the way to revalidate, which this is.
 */
export function noneMatch(header: string | string[] | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const opaque = etag.replace(/^W\//, '');
  return [header].flat().some((h) =>
    h.split(',').some((t) => {
      const tag = t.trim();
      return tag === '*' || tag.replace(/^W\//, '') === opaque;
    }),
  );
}

const isStream = (value: object) =>
  typeof (value as { pipe?: unknown }).pipe === 'function' || typeof (value as { getStream?: unknown }).getStream === 'function';
