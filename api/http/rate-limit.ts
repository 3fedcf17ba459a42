import { Injectable, SetMetadata, type ExecutionContext } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail, type ThrottlerOptions } from '@nestjs/throttler';
import { DomainError } from '../../metrics/platform/errors';
import type { AuthenticatedRequest } from '../auth/api-key.guard';
import type { AppConfig } from '../config/config';

const EXPENSIVE_KEY = 'svm:expensive-read';

/** A read that costs the database real work whatever the cache holds (a whole-table export): limited as RATE_LIMIT_READS says. */
export const ExpensiveRead = () => SetMetadata(EXPENSIVE_KEY, true);

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const isRead = (context: ExecutionContext) => READ_METHODS.has(context.switchToHttp().getRequest<AuthenticatedRequest>().method);
const isExpensive = (context: ExecutionContext) => Reflect.getMetadata(EXPENSIVE_KEY, context.getHandler()) === true;

/** The limits the configuration sets: `writes` on every write route, `reads` on expensive reads; none when both are off. */
export function rateLimits(config: AppConfig): ThrottlerOptions[] {
  const { rateLimitWrites: writes, rateLimitReads: reads } = config.http;
  return [
    ...(writes ? [{ name: 'writes', limit: writes.limit, ttl: writes.ttlMs, skipIf: isRead }] : []),
    ...(reads ? [{ name: 'reads', limit: reads.limit, ttl: reads.ttlMs, skipIf: (c: ExecutionContext) => !isRead(c) || !isExpensive(c) }] : []),
  ];
}

/**
 * Rate limits per caller: its API key when it sent one (the key guard runs first), else its address. Over the limit:
 * 429 rate_limited with Retry-After in seconds.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected override async getTracker(req: Record<string, unknown>): Promise<string> {
    const { principal, ip } = req as unknown as AuthenticatedRequest;
    return principal ? `key:${principal.keyId}` : `ip:${ip ?? 'unknown'}`;
  }

  protected override async throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const retryAfter = Math.max(1, Math.ceil(detail.timeToBlockExpire));
    context.switchToHttp().getResponse<{ setHeader(name: string, value: string): void }>().setHeader('Retry-After', String(retryAfter));
    throw new DomainError('rate_limited', `Too many requests: at most ${detail.limit} per ${detail.ttl / 1000} s for this caller; retry after ${retryAfter} s.`, {
      limit: detail.limit,
      window_s: detail.ttl / 1000,
      retry_after_s: retryAfter,
    });
  }
}
