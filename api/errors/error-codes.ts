import type { ErrorCode } from '../../metrics/platform/errors';

/** The HTTP status of each domain error code: the one mapping, used by the exception filter. */
export const HTTP_STATUS: Readonly<Record<ErrorCode, number>> = {
  invalid_parameter: 400,
  malformed_json: 400,
  missing_api_key: 401,
  invalid_api_key: 401,
  role_not_allowed: 403,
  authority_not_allowed: 403,
  not_found: 404,
  route_not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  headers_too_large: 431,
  malformed_request: 400,
  rate_limited: 429,
  unsupported_media_type: 415,
  unprocessable: 422,
  database_unavailable: 503,
  internal_error: 500,
};

/** Codes for statuses raised by Nest or Express itself rather than by the domain. */
export function codeForStatus(status: number): ErrorCode {
  switch (status) {
    case 400:
      return 'invalid_parameter';
    case 401:
      return 'missing_api_key';
    case 403:
      return 'role_not_allowed';
    case 404:
      return 'not_found';
    case 409:
      return 'conflict';
    case 413:
      return 'payload_too_large';
    case 415:
      return 'unsupported_media_type';
    case 429:
      return 'rate_limited';
    case 431:
      return 'headers_too_large';
    case 422:
      return 'unprocessable';
    case 503:
      return 'database_unavailable';
    default:
      return status >= 500 ? 'internal_error' : 'invalid_parameter';
  }
}
