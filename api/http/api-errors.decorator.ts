import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiResponse } from '@nestjs/swagger';
import { ERROR_CODES } from '../../metrics/platform/errors';

class ErrorDetailDto {
  @ApiProperty({ enum: ERROR_CODES }) code!: string;
  @ApiProperty() message!: string;
  @ApiPropertyOptional({ description: 'Structured detail: fields, rows, limits' }) details?: unknown;
}

export class ErrorResponseDto {
  @ApiProperty({ type: ErrorDetailDto }) error!: ErrorDetailDto;
}

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid parameters or body (each problem named by field)',
  401: 'No API key, or an unknown, malformed or revoked one',
  403: 'The key may not do this (role, or authority it writes for)',
  404: 'Not found',
  409: 'Conflicts with existing data',
  413: 'Body larger than the configured limit',
  503: 'Database unavailable',
};

/** Documents the error responses of a route, all in the one error shape. */
export const ApiErrors = (...statuses: number[]) =>
  applyDecorators(
    ...statuses.map((status) => ApiResponse({ status, description: DESCRIPTIONS[status], type: ErrorResponseDto })),
  );
