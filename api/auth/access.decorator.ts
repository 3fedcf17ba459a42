import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth } from '@nestjs/swagger';
import type { Role } from './principal';

/**
 * Who may call a route: the one access rule of the service, declared on every route (a route without one does not
 * start) and enforced by one guard (ApiKeyGuard).
 * - `public`: what public bodies publish anyway: contract notice fields (as OCDS publishes them, buyer and awarded
 *   supplier included), every aggregate, the reference data. No key needed.
 * - `supplier-data`: what suppliers send: commitments, returns, evidence references, row-level quality flags. An
 *   analyst or admin key sees every authority; a submitter key sees the authorities it writes for. Open to everyone
 *   when the deployment sets SUPPLIER_DATA=open.
 * - `roles`: a key with one of these roles (writes, key management, batch records).
 */
export type AccessRule = { audience: 'public' } | { audience: 'supplier-data' } | { audience: 'roles'; roles: Role[] };

/**
 * A route serving items of different audiences under one path (the dashboards' charts: aggregates are public, a
 * contract's returns are supplier-level data): the rule of the item its path parameters name, resolved by the guard
 * before anything else runs, exactly as a declared rule.
 */
export type ItemAccessRule = { audience: 'by-item'; resolve: (params: Record<string, string>) => AccessRule };
export type DeclaredAccess = AccessRule | ItemAccessRule;

export const ACCESS_KEY = 'svm:access';

/** Anyone, without a key. */
export const Public = () => SetMetadata(ACCESS_KEY, { audience: 'public' } satisfies AccessRule);

/** Supplier-level data: analyst, admin, or a submitter for the authorities it writes for (everyone with SUPPLIER_DATA=open). */
export const SupplierData = () =>
  applyDecorators(SetMetadata(ACCESS_KEY, { audience: 'supplier-data' } satisfies AccessRule), ApiBearerAuth());

/** The rule of the item the route's path parameters name (public, supplier-data or roles, as above). */
export const AccessByItem = (resolve: (params: Record<string, string>) => AccessRule) =>
  applyDecorators(SetMetadata(ACCESS_KEY, { audience: 'by-item', resolve } satisfies ItemAccessRule), ApiBearerAuth());

/** The rule that applies to one request: the declared one, or the named item's. */
export function ruleFor(declared: DeclaredAccess, params: Record<string, string> | undefined): AccessRule {
  return declared.audience === 'by-item' ? declared.resolve(params ?? {}) : declared;
}

/** A key with one of these roles. */
export const Roles = (...roles: Role[]) =>
  applyDecorators(SetMetadata(ACCESS_KEY, { audience: 'roles', roles } satisfies AccessRule), ApiBearerAuth());
