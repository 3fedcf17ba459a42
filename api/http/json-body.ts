import { json, text, type Request, type RequestHandler } from 'express';
import { createHash } from 'node:crypto';
import { DomainError } from '../../metrics/platform/errors';

interface BodyParserError extends Error {
  type?: string;
  limit?: number;
  length?: number;
}

/** Turns an error of Express's body parser into the domain error the client should see. */
export function bodyParserError(err: BodyParserError): DomainError | BodyParserError {
  switch (err.type) {
    case 'entity.parse.failed':
      return new DomainError('malformed_json', `The request body is not valid JSON: ${err.message}`);
    case 'entity.too.large':
      return new DomainError('payload_too_large', `The request body is larger than the limit of ${err.limit} bytes.`, {
        limit: err.limit,
        length: err.length,
      });
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new DomainError('unsupported_media_type', err.message);
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return new DomainError('invalid_parameter', err.message);
    default:
      return err;
  }
}

function withDomainErrors(parse: RequestHandler): RequestHandler {
  return (req, res, next) => parse(req, res, (err?: unknown) => next(err ? bodyParserError(err as BodyParserError) : undefined));
}

export type RequestWithRawBody = Request & { rawBody?: { sha256: string; bytes: number } };

/**
 * JSON bodies up to the configured limit; its failures reach the exception filter as domain errors. The SHA-256 and
 * length of the raw bytes are kept for imports (a batch records the checksum of what was sent).
 */
export function jsonBody(limit: number): RequestHandler {
  const parse = withDomainErrors(
    json({
      limit,
      verify: (req, _res, buf) => {
        if (req.url?.startsWith('/api/v1/imports')) {
          (req as RequestWithRawBody).rawBody = { sha256: createHash('sha256').update(buf).digest('hex'), bytes: buf.length };
        }
      },
    }),
  );
  // OCDS packages stream to their importer, read release by release: never parsed whole here
  // (Express routes ignore case and a trailing slash: so does this test)
  return (req, res, next) =>
    req.method === 'POST' && req.path.replace(/\/+$/, '').toLowerCase() === STREAMED_JSON_PATH ? next() : parse(req, res, next);
}

/** The one JSON route whose body is streamed rather than parsed whole. */
export const STREAMED_JSON_PATH = '/api/v1/imports/ocds';

/** Small CSV documents read whole as text (frameworks), under the same limit. Bulk imports stream instead. */
export function csvTextBody(limit: number): RequestHandler {
  return withDomainErrors(text({ limit, type: ['text/csv', 'application/csv'] }));
}
