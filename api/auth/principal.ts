import type { BatchViewer } from '../../metrics/ingest/imports/batches.service';
import type { ImportSender } from '../../metrics/ingest/imports/imports.service';

export const ROLES = ['admin', 'submitter', 'analyst', 'community', 'supplier'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling: the API key that authenticated the request. */
export interface Principal {
  keyId: number;
  prefix: string;
  role: Role;
  /** Authorities a submitter key may write for (codes). Admin keys write for every authority. */
  authorityCodes: string[];
  /** A community key's organisation on the exchange (its id), else null. */
  organisationId: number | null;
  /** A supplier key's supplier (its id), else null. */
  supplierId: number | null;
}

/** The caller as a sender of data: its key, and the authorities it may write for (null: every one, an admin key). */
export function senderOf(principal: Principal): ImportSender {
  return { keyId: principal.keyId, allowed: principal.role === 'admin' ? null : principal.authorityCodes };
}

/** The caller as a reader of import batches: a submitter sees the batches its key sent, the others every batch. */
export function viewerOf(principal: Principal): BatchViewer {
  return { keyId: principal.keyId, seesAll: principal.role !== 'submitter' };
}
