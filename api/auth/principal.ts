import { DomainError } from '../../metrics/platform/errors';

export const ROLES = ['admin', 'submitter', 'analyst'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling: the API key that authenticated the request. */
export interface Principal {
  keyId: number;
  prefix: string;
  role: Role;
  /** Authorities a submitter key may write for (codes). Admin keys write for every authority. */
  authorityCodes: string[];
}

export function mayWriteFor(principal: Principal, authorityCode: string): boolean {
  return principal.role === 'admin' || (principal.role === 'submitter' && principal.authorityCodes.includes(authorityCode));
}

/** Throws the 403 that tells a caller which authorities its key may write for. */
export function assertMayWriteFor(principal: Principal, authorityCode: string): void {
  if (mayWriteFor(principal, authorityCode)) return;
  throw new DomainError(
    'authority_not_allowed',
    principal.role === 'submitter'
      ? `This key may write only for ${principal.authorityCodes.join(', ')}, not for ${authorityCode}.`
      : `A ${principal.role} key may not write data for an authority.`,
    { authority: authorityCode, key: principal.prefix, role: principal.role, allowed: principal.authorityCodes },
  );
}
