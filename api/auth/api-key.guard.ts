import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { DomainError } from '../../metrics/platform/errors';
import type { ReadScope } from '../../metrics/reference/read-filter/read-filter';
import type { AppConfig, SupplierDataMode } from '../config/config';
import { APP_CONFIG } from '../config/config.module';
import { ACCESS_KEY, ruleFor, type AccessRule, type DeclaredAccess } from './access.decorator';
import { ApiKeysService } from './api-keys.service';
import type { Principal, Role } from './principal';
import { SessionsService } from './sessions';

export type AuthenticatedRequest = Request & { principal?: Principal; scope?: ReadScope };

/** The rule a route declares (on its handler, else its controller); undefined when it declares none. */
export function accessRuleOf(reflector: Reflector, context: ExecutionContext): DeclaredAccess | undefined {
  return reflector.getAllAndOverride<DeclaredAccess | undefined>(ACCESS_KEY, [context.getHandler(), context.getClass()]);
}

/**
 * The one access rule, applied: what a caller (undefined: no key) may read under a route's rule, as the authorities
 * whose rows it sees (null: every one). Throws 401 without a needed key, 403 for a key whose role is not allowed.
 */
export function decideAccess(rule: AccessRule, principal: Principal | undefined, supplierData: SupplierDataMode): ReadScope {
  if (rule.audience === 'public') return { authorities: null };
  if (rule.audience === 'supplier-data' && supplierData === 'open') return { authorities: null };
  const roles: readonly Role[] = rule.audience === 'roles' ? rule.roles : ['analyst', 'admin', 'submitter'];
  if (!principal) {
    throw new DomainError(
      'missing_api_key',
      rule.audience === 'supplier-data'
        ? 'This route serves supplier-level data (commitments, returns, evidence, row-level quality flags): send Authorization: Bearer <key> with an analyst or admin key, or a submitter key for the authority.'
        : 'This route needs an API key: send Authorization: Bearer <key>.',
      { roles },
    );
  }
  if (!roles.includes(principal.role)) {
    throw new DomainError('role_not_allowed', `This route needs a key with role ${roles.join(' or ')}.`, { role: principal.role, roles });
  }
  return { authorities: principal.role === 'submitter' ? principal.authorityCodes : null };
}

/**
 * Runs before anything reads a request body: reads `Authorization: Bearer <key>` (a key that is sent must be valid,
 * 401 otherwise, even on a public route), else, on a GET or HEAD only, the session cookie a browser got by signing in
 * with a key on the dashboards (never on a write: a cookie is sent by the browser on its own, a header is not) and applies the route's access rule, leaving on the request the caller
 * (`principal`) and what it may read (`scope`, for supplier-level data).
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeysService,
    private readonly sessions: SessionsService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const declared = accessRuleOf(this.reflector, context);
    // every route declares one (AccessAudit refuses to start otherwise): a route that does not is closed
    if (!declared) throw new DomainError('role_not_allowed', 'This route declares no access rule.');
    const rule = ruleFor(declared, request.params as Record<string, string>);
    const header = request.headers.authorization;
    if (header !== undefined) request.principal = await this.keys.authenticate(header);
    else if (request.method === 'GET' || request.method === 'HEAD') request.principal = await this.sessions.principal(request);
    request.scope = decideAccess(rule, request.principal, this.config.access.supplierData);
    return true;
  }
}
