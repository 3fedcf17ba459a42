import { SetMetadata } from '@nestjs/common';
import { json, text, urlencoded, type Request, type Response } from 'express';
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

export type RequestWithRawBody = Request & { rawBody?: { sha256: string; bytes: number } };

/**
 * How a route takes its body:
 * - `small`: a JSON setting, up to SMALL_BODY_LIMIT (keys, peer groups, mappings, harvest sources): the default;
 * - `rows`: JSON rows read whole up to BODY_LIMIT (their checksum kept); CSV and Arrow left unread, for the route to stream;
 * - `document`: JSON or CSV text read whole up to BODY_LIMIT (a framework);
 * - `streamed`: nothing read here (OCDS packages, read release by release).
 */
export type BodyKind = 'small' | 'rows' | 'document' | 'streamed' | 'form';

export const BODY_KEY = 'svm:body';

/** The largest body of a route that takes a small one (keys, peer groups, mappings, harvest sources). */
export const SMALL_BODY_LIMIT = 1024 * 1024;

/** Declares how a route takes its body; a route that declares nothing takes a small JSON body. */
export const TakesBody = (kind: BodyKind) => SetMetadata(BODY_KEY, kind);

type Parser = (req: Request, res: Response, next: (err?: unknown) => void) => void;

/**
 * The body parsers of each kind of route (the SHA-256 and length of the raw bytes of JSON rows are kept: an import
 * batch records the checksum of what was sent). Each parser reads only its own content type: another one is left
 * unread (a streamed upload, or a 415 from the route).
 */
export function bodyParsers(documentLimit: number): Record<Exclude<BodyKind, 'streamed'>, Parser[]> {
  const keepRaw = (req: unknown, _res: unknown, buf: Buffer) => {
    (req as RequestWithRawBody).rawBody = { sha256: createHash('sha256').update(buf).digest('hex'), bytes: buf.length };
  };
  const limit = Math.min(SMALL_BODY_LIMIT, documentLimit);
  return {
    small: [json({ limit })],
    rows: [json({ limit: documentLimit, verify: keepRaw })],
    document: [json({ limit: documentLimit }), text({ limit: documentLimit, type: ['text/csv', 'application/csv'] })],
    // an HTML form of the pages (signing in): a few fields
    form: [urlencoded({ limit: '16kb', extended: false, parameterLimit: 10 })],
  };
}

/** Runs a route's parsers in turn; an error of theirs becomes the domain error the client should see. */
export async function readBody(parsers: Parser[], req: Request, res: Response): Promise<void> {
  for (const parse of parsers) {
    await new Promise<void>((resolve, reject) =>
      parse(req, res, (err?: unknown) => (err ? reject(bodyParserError(err as BodyParserError)) : resolve())),
    );
  }
}
