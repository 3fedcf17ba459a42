/**
 * Errors the domain raises on purpose, each with a code from this closed list. The HTTP layer maps a code to a status
 * in one place (api/errors/error-codes.ts); the code and message reach the client as they are.
 */
export const ERROR_CODES = [
  'invalid_parameter',
  'malformed_json',
  'missing_api_key',
  'invalid_api_key',
  'role_not_allowed',
  'authority_not_allowed',
  'not_found',
  'route_not_found',
  'conflict',
  'payload_too_large',
  'headers_too_large',
  'malformed_request',
  'rate_limited',
  'unsupported_media_type',
  'unprocessable',
  'database_unavailable',
  'internal_error',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}
