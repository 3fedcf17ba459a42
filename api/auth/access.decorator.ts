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

export const ACCESS_KEY = 'svm:access';

/** Anyone, without a key. */
export const Public = () => SetMetadata(ACCESS_KEY, { audience: 'public' } satisfies AccessRule);

/** Supplier-level data: analyst, admin, or a submitter for the authorities it writes for (everyone with SUPPLIER_DATA=open). */
export const SupplierData = () =>
  applyDecorators(SetMetadata(ACCESS_KEY, { audience: 'supplier-data' } satisfies AccessRule), ApiBearerAuth());

/** A key with one of these roles. */
export const Roles = (...roles: Role[]) =>
  applyDecorators(SetMetadata(ACCESS_KEY, { audience: 'roles', roles } satisfies AccessRule), ApiBearerAuth());
