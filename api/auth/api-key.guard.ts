import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { DomainError } from '../../metrics/platform/errors';
import { ApiKeysService } from './api-keys.service';
import type { Principal, Role } from './principal';
import { ROLES_KEY } from './roles.decorator';

export type AuthenticatedRequest = Request & { principal?: Principal };

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Reads `Authorization: Bearer <key>` on every request. A key that is sent must be valid (401 otherwise), even on a
 * public route. Reads are public unless a route names its roles; writes need a key (401) with an allowed role (403).
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeysService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization;
    if (header !== undefined) request.principal = await this.keys.authenticate(header);

    const declared = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    const roles = declared ?? (READ_METHODS.has(request.method) ? undefined : (['admin'] as Role[]));
    if (!roles) return true;
    const principal = request.principal;
    if (!principal) {
      throw new DomainError('missing_api_key', 'This route needs an API key: send Authorization: Bearer <key>.', {
        roles,
      });
    }
    if (!roles.includes(principal.role)) {
      throw new DomainError('role_not_allowed', `This route needs a key with role ${roles.join(' or ')}.`, {
        role: principal.role,
        roles,
      });
    }
    return true;
  }
}
