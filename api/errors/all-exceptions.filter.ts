import { ArgumentsHost, Catch, HttpException, Logger, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { isConnectionFailure } from '../../metrics/platform/database';
import { DomainError, type ErrorCode } from '../../metrics/platform/errors';
import { codeForStatus, HTTP_STATUS } from './error-codes';

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: unknown };
}

interface Classified {
  status: number;
  body: ErrorBody;
  /** Unexpected: logged with its stack. */
  unexpected?: boolean;
}

const body = (code: ErrorCode, message: string, details?: unknown): ErrorBody => ({
  error: details === undefined ? { code, message } : { code, message, details },
});

/** PostgreSQL's own words, without the SQL that knex puts in front of them. */
const dbReason = (message = '') => message.slice(message.lastIndexOf(' - ') + (message.includes(' - ') ? 3 : 0));

/** Every failure, whatever raised it, as `{ error: { code, message, details } }` with its status. */
export function classifyError(exception: unknown): Classified {
  if (exception instanceof DomainError) {
    return { status: HTTP_STATUS[exception.code], body: body(exception.code, exception.message, exception.details) };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const response = exception.getResponse();
    const message =
      typeof response === 'object' && response !== null && 'message' in response
        ? String((response as { message: unknown }).message)
        : exception.message;
    if (status === 404 && /^Cannot [A-Z]+ /.test(message)) {
      return { status, body: body('route_not_found', `No route ${message.replace(/^Cannot /, '')}`) };
    }
    return { status, body: body(codeForStatus(status), message), unexpected: status >= 500 };
  }
  const err = (exception ?? {}) as { status?: number; code?: string; message?: string };
  if (typeof err.status === 'number' && err.status >= 400 && err.status < 500) {
    return { status: err.status, body: body(codeForStatus(err.status), err.message ?? 'Bad request') };
  }
  // Constraint and data errors raised by PostgreSQL on a write: the input is at fault, not the service.
  if (err.code === '23505') {
    return { status: 409, body: body('conflict', 'The data conflicts with a record that already exists.') };
  }
  if (/^23[0-9A-Z]{3}$/.test(err.code ?? '')) {
    return { status: 422, body: body('unprocessable', 'The data breaks a rule of the data model.', { reason: dbReason(err.message) }) };
  }
  if (/^22[0-9A-Z]{3}$/.test(err.code ?? '')) {
    return { status: 400, body: body('invalid_parameter', 'A value is not valid for its field.', { reason: dbReason(err.message) }) };
  }
  if (isConnectionFailure(err)) {
    return { status: 503, body: body('database_unavailable', 'The database is unavailable; try again shortly.') };
  }
  return { status: 500, body: body('internal_error', 'An unexpected error occurred.'), unexpected: true };
}

/** An error as a page (for paths a person opens in a browser): the same classification, as HTML. */
export type ErrorPage = (error: { status: number; code: ErrorCode; message: string }) => string;

@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  constructor(
    private readonly isPage: (path: string) => boolean = () => false,
    private readonly page?: ErrorPage,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const request = host.switchToHttp().getRequest<Request>();
    const { status, body: payload, unexpected } = classifyError(exception);
    if (unexpected) this.logger.error({ err: exception, msg: 'unexpected error' });
    if (response.headersSent) {
      response.end();
      return;
    }
    if (this.page && this.isPage(request.path ?? '')) {
      try {
        response.status(status).type('html').send(this.page({ status, ...payload.error }));
        return;
      } catch (err) {
        this.logger.error({ err, msg: 'error page failed' });
      }
    }
    response.status(status).json(payload);
  }
}
