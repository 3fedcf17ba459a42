import { Inject, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AppConfig } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { ApiKeysService } from './api-keys.service';
import type { Principal } from './principal';

/** The dashboards' session cookie: HTTP-only, same-site strict, for the whole service's paths. */
export const SESSION_COOKIE = 'svm_session';

/** The value of one cookie of a request's Cookie header (no library needed for one name). */
export function cookieValue(request: Pick<Request, 'headers'>, name: string): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

/**
 * Signing in on the dashboards: a person gives an API key once, in a form; the service answers with a session
 * cookie that names the key (its id), when it ends, and a signature (HMAC-SHA256 under SESSION_SECRET). The key itself
 * is never in a cookie, a URL or the browser's storage. The cookie is honoured on GET and HEAD only (ApiKeyGuard), as
 * the key it names, while that key is not revoked.
 */
@Injectable()
export class SessionsService {
  private readonly secret: Buffer;
  readonly maxAgeMs: number;

  constructor(
    private readonly keys: ApiKeysService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.secret = config.access.sessionSecret ? Buffer.from(config.access.sessionSecret) : randomBytes(32);
    this.maxAgeMs = config.access.sessionHours * 3600_000;
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.secret).update(payload).digest('base64url');
  }

  /** A key checked as the API checks it (401 for a wrong one); the cookie value of its session. */
  async signIn(key: string): Promise<{ token: string; principal: Principal }> {
    const principal = await this.keys.authenticate(`Bearer ${key.trim()}`);
    const payload = `${principal.keyId}.${Date.now() + this.maxAgeMs}`;
    return { token: `${payload}.${this.sign(payload)}`, principal };
  }

  /** The caller a request's session cookie names; undefined without one, or when it is forged, expired or revoked. */
  async principal(request: Pick<Request, 'headers'>): Promise<Principal | undefined> {
    const token = cookieValue(request, SESSION_COOKIE);
    const m = token === undefined ? null : /^(\d{1,12})\.(\d{1,15})\.([A-Za-z0-9_-]{43})$/.exec(token);
    if (!m) return undefined;
    const expected = Buffer.from(this.sign(`${m[1]}.${m[2]}`));
    const given = Buffer.from(m[3]);
    if (expected.length !== given.length || !timingSafeEqual(expected, given) || Number(m[2]) < Date.now()) return undefined;
    return this.keys.principalOfId(Number(m[1]));
  }
}
