import fc from 'fast-check';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { HTTP_STATUS } from '../../../api/errors/error-codes';
import { ERROR_CODES } from '../../../metrics/platform/errors';

/**
 * What the fuzzers share: how many cases (a bounded sample in `npm test`, the long run under SVM_TRUST=full), one
 * request with a time bound, the properties every answer must hold, and the memory of the process the service runs in.
 */
export const FULL = process.env.SVM_TRUST === 'full';

/** How long one request may take before it counts as a hang. */
export const REQUEST_TIMEOUT_MS = Number(process.env.SVM_FUZZ_TIMEOUT_MS ?? 30_000);

/**
 * Cases of a property: `ci` in the normal test run, `full` under SVM_TRUST=full; SVM_FUZZ_RUNS overrides both (a
 * number of cases per property). The CI sample also stops after `ciSeconds` (a noisy machine must not fail it).
 */
export function fuzzParameters(ci: number, full: number, ciSeconds: number): fc.Parameters<unknown> {
  const override = Number(process.env.SVM_FUZZ_RUNS ?? NaN);
  return {
    numRuns: Number.isFinite(override) ? override : FULL ? full : ci,
    ...(FULL || Number.isFinite(override) ? {} : { interruptAfterTimeLimit: ciSeconds * 1000, markInterruptAsFailure: false }),
  };
}

/**
 * fast-check's global settings for the fuzzers: the seed and path of a failure are printed (fast-check's default);
 * SVM_FUZZ_SEED replays a seed. The number of cases is per property (fuzzParameters, per SVM_TRUST).
 */
export function configureFuzz(): void {
  const seed = process.env.SVM_FUZZ_SEED === undefined ? undefined : Number(process.env.SVM_FUZZ_SEED);
  fc.configureGlobal(seed === undefined ? {} : { seed });
}

export interface Request {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** What the request is, for the report of a failure (the body is shown cut). */
  label?: string;
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  ms: number;
}

/** Sends one request, and fails it as a hang when no full answer came within REQUEST_TIMEOUT_MS. */
export async function send(req: Request): Promise<Answer> {
  const started = performance.now();
  try {
    const res = await fetch(req.url, {
      method: req.method,
      headers: req.headers,
      body: req.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, ms: performance.now() - started };
  } catch (err) {
    const e = err as Error & { cause?: Error };
    if (e.name === 'TimeoutError') throw new FuzzFailure(`hang: no answer within ${REQUEST_TIMEOUT_MS} ms`, req);
    throw new FuzzFailure(`no answer: ${e.message}${e.cause ? ` (${e.cause.message})` : ''}`, req);
  }
}

export class FuzzFailure extends Error {
  constructor(problem: string, req: Request, answer?: Answer) {
    super(`${problem}\n  request: ${describe(req)}${answer ? `\n  answer: ${answer.status} ${cut(answer.text, 600)}` : ''}`);
    this.name = 'FuzzFailure';
  }
}

const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)}... (${s.length} chars)` : s);

function describe(req: Request): string {
  const body =
    req.body === undefined
      ? ''
      : typeof req.body === 'string'
        ? ` body ${JSON.stringify(cut(req.body, 400))}`
        : ` body ${req.body.length} bytes ${Buffer.from(req.body.subarray(0, 64)).toString('hex')}...`;
  const headers = Object.entries(req.headers ?? {})
    .map(([k, v]) => `${k}: ${k === 'authorization' ? 'Bearer <key>' : cut(v, 80)}`)
    .join('; ');
  return `${req.label ? `[${req.label}] ` : ''}${req.method} ${cut(req.url, 600)}${headers ? ` {${headers}}` : ''}${body}`;
}

/**
 * The properties of every answer: no 5xx; an error is `{ error: { code, message, details? } }` with a code of
 * ERROR_CODES, sent as JSON with the status its code maps to; a JSON success parses (a streamed file cut short by an
 * error after its headers would not).
 */
export function checkAnswer(req: Request, answer: Answer): void {
  const fail = (problem: string): never => {
    throw new FuzzFailure(problem, req, answer);
  };
  if (answer.status >= 500) fail(`a ${answer.status}`);
  const type = answer.headers.get('content-type') ?? '';
  if (answer.status >= 400) {
    if (!/^application\/json\b/.test(type)) fail(`an error answered as ${JSON.stringify(type)}, not JSON`);
    let body: unknown;
    try {
      body = JSON.parse(answer.text);
    } catch {
      fail('an error body that does not parse as JSON');
    }
    checkErrorShape(body, answer.status, fail);
    return;
  }
  if (answer.status >= 200 && answer.status < 300 && answer.text) {
    try {
      if (/^application\/json\b/.test(type)) JSON.parse(answer.text);
      if (/^application\/x-ndjson\b/.test(type)) for (const line of answer.text.split('\n')) if (line) JSON.parse(line);
    } catch {
      fail(`a ${answer.status} whose ${type} body does not parse (cut short?)`);
    }
  }
}

export function checkErrorShape(body: unknown, status: number, fail: (problem: string) => never): void {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) fail('an error body that is not an object');
  const top = Object.keys(body as object);
  if (top.length !== 1 || top[0] !== 'error') fail(`an error body with keys ${top.join(', ')}, not only "error"`);
  const error = (body as { error: unknown }).error as Record<string, unknown>;
  if (typeof error !== 'object' || error === null) fail('"error" is not an object');
  const extra = Object.keys(error).filter((k) => !['code', 'message', 'details'].includes(k));
  if (extra.length) fail(`"error" has keys outside code, message, details: ${extra.join(', ')}`);
  if (!(ERROR_CODES as readonly unknown[]).includes(error.code)) fail(`an error code ${JSON.stringify(error.code)} outside ERROR_CODES`);
  if (typeof error.message !== 'string' || !error.message) fail('an error without a message');
  const expected = HTTP_STATUS[error.code as keyof typeof HTTP_STATUS];
  if (expected !== status) fail(`code ${String(error.code)} maps to ${expected}, answered ${status}`);
}

/** Counts answers by route and status, and keeps the slowest, for the figures a run prints. */
export class FuzzStats {
  readonly started = performance.now();
  cases = 0;
  requests = 0;
  slowest = { ms: 0, what: '' };
  private readonly byStatus = new Map<string, number>();
  /** SVM_FUZZ_DEBUG=1: the error messages seen, to tune the arbitraries. */
  private readonly messages = new Map<string, number>();

  record(route: string, req: Request, answer: Answer): void {
    this.requests += 1;
    const key = `${route} ${answer.status}`;
    this.byStatus.set(key, (this.byStatus.get(key) ?? 0) + 1);
    if (process.env.SVM_FUZZ_DEBUG && answer.status >= 400) {
      let message = answer.text;
      try {
        message = JSON.parse(answer.text).error.message;
      } catch {
        // keep the text
      }
      const k = `${route} ${answer.status} ${cut(message.replace(/\d+/g, 'N'), 70)}`;
      this.messages.set(k, (this.messages.get(k) ?? 0) + 1);
    }
    if (answer.ms > this.slowest.ms) this.slowest = { ms: answer.ms, what: `${req.method} ${cut(req.url, 160)} -> ${answer.status}` };
  }

  summary(title: string): string {
    const seconds = (performance.now() - this.started) / 1000;
    const statuses = [...this.byStatus.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `    ${k}: ${n}`);
    return [
      `${title}: ${this.cases} cases, ${this.requests} requests in ${seconds.toFixed(1)} s (${process.env.SVM_FUZZ_RUNS ? `SVM_FUZZ_RUNS=${process.env.SVM_FUZZ_RUNS}` : FULL ? 'SVM_TRUST=full' : 'CI sample'}, ${process.env.DATABASE_URL || process.env.TEST_DATABASE_URL ? 'PostgreSQL' : 'embedded'})`,
      `  slowest answer: ${this.slowest.ms.toFixed(0)} ms (${this.slowest.what})`,
      '  answers by route and status:',
      ...statuses,
      ...[...this.messages.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `    ${n} x ${k}`),
    ].join('\n');
  }
}

let gcFn: (() => void) | undefined;
/** A full garbage collection (exposed at run time: NODE_OPTIONS may not carry --expose-gc). */
export function collectGarbage(): void {
  if (!gcFn) {
    setFlagsFromString('--expose-gc');
    gcFn = runInNewContext('gc') as () => void;
  }
  gcFn();
  gcFn();
}

export interface MemorySample {
  heapMb: number;
  rssMb: number;
}

/** Heap and RSS of this process (the service runs in it) after a full collection. */
export function memory(): MemorySample {
  collectGarbage();
  const m = process.memoryUsage();
  return { heapMb: m.heapUsed / 2 ** 20, rssMb: m.rss / 2 ** 20 };
}

export function memoryReport(title: string, before: MemorySample, after: MemorySample): string {
  const f = (n: number) => n.toFixed(1);
  return `${title} memory: heap ${f(before.heapMb)} -> ${f(after.heapMb)} MB (${after.heapMb >= before.heapMb ? '+' : ''}${f(after.heapMb - before.heapMb)}), RSS ${f(before.rssMb)} -> ${f(after.rssMb)} MB (${after.rssMb >= before.rssMb ? '+' : ''}${f(after.rssMb - before.rssMb)})`;
}

/**
 * Generous bounds on growth over a run: the heap must come back near where it was (a leak of a request's buffers or
 * of answers held would show); RSS may grow more (the embedded database's WebAssembly memory grows with its data and
 * never shrinks).
 */
export const MEMORY_BOUNDS = { heapGrowthMb: 256, rssGrowthMb: 1536 };

/** Prints a block of figures to stdout (jest's console adds a stack trace to each line). */
export function print(text: string): void {
  process.stdout.write(`\n${text}\n`);
}
