import { EXCHANGE_EVIDENCE_PREFIX } from '../../derive/quality/quality.refresher';
import { DomainError } from '../../platform/errors';
import type { MatchStatus } from '../../reference/exchange-vocabulary';

export { MATCH_STATUSES, REACHES, RESOURCE_KINDS, type MatchStatus, type ResourceKind } from '../../reference/exchange-vocabulary';

/** The moves a caller asks for (expired is the service's own, at a matching run or when a need or pledge closes). */
export const TRANSITIONS = ['accepted', 'declined', 'cancelled', 'delivered', 'confirmed'] as const;
export type Transition = (typeof TRANSITIONS)[number];

/** Who moves a match: the community organisation whose need it is, the supplier whose pledge it is, or a broker (an
 * admin, or a submitter for the need's authority) acting for either. */
export type Side = 'community' | 'supplier' | 'broker';

/** From which statuses each move may be made, and which sides may make it. */
export const MOVES: Record<Transition, { from: readonly MatchStatus[]; sides: readonly Side[] }> = {
  accepted: { from: ['proposed'], sides: ['community', 'supplier', 'broker'] },
  declined: { from: ['proposed'], sides: ['community', 'supplier', 'broker'] },
  cancelled: { from: ['proposed', 'accepted'], sides: ['community', 'supplier', 'broker'] },
  delivered: { from: ['accepted'], sides: ['supplier', 'broker'] },
  confirmed: { from: ['delivered'], sides: ['community', 'broker'] },
};

/** Statuses a match leaves no more. */
export const FINAL_STATUSES: readonly MatchStatus[] = ['confirmed', 'declined', 'cancelled', 'expired'];

/**
 * Whether `side` may move a match from `from` to `to`: a DomainError naming the field otherwise (409 when the match is
 * in the wrong state, 403 when the side may not make the move at all).
 */
export function checkMove(from: MatchStatus, to: Transition, side: Side): void {
  const move = MOVES[to];
  if (!move.sides.includes(side)) {
    throw new DomainError('role_not_allowed', `A ${side} key cannot mark a match ${to}: ${move.sides.join(' or ')} only.`, {
      field: 'to',
      value: to,
      side,
    });
  }
  if (!move.from.includes(from)) {
    const next = (Object.keys(MOVES) as Transition[]).filter((t) => MOVES[t].from.includes(from));
    throw new DomainError(
      'conflict',
      `The match is ${from}: it cannot be marked ${to}` +
        (next.length > 0 ? ` (from ${from} it can be marked ${next.join(', ')}).` : ` (${from} is final).`),
      { field: 'to', value: to, status: from, allowed: next },
    );
  }
}

/**
 * Where an acceptance leaves a proposal: accepted once both sides have (a broker accepts for the side it names, or for
 * both when it names none), else still proposed with one side's acceptance recorded.
 */
export function acceptance(
  match: { community_accepted: boolean; supplier_accepted: boolean },
  side: Side,
  onBehalfOf?: 'community' | 'supplier',
): { community: boolean; supplier: boolean; status: 'proposed' | 'accepted' } {
  const forCommunity = side === 'community' || (side === 'broker' && onBehalfOf !== 'supplier');
  const forSupplier = side === 'supplier' || (side === 'broker' && onBehalfOf !== 'community');
  const community = match.community_accepted || forCommunity;
  const supplier = match.supplier_accepted || forSupplier;
  return { community, supplier, status: community && supplier ? 'accepted' : 'proposed' };
}

/** The evidence reference a confirmed delivery's outcome carries: the match, so a supplier's own claim of it is seen. */
export const evidenceRefOf = (matchId: number): string => `${EXCHANGE_EVIDENCE_PREFIX}${matchId}`;
