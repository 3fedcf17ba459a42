/** The exchange's closed lists, shared by its writes (ingest/exchange) and its reads (read/exchange). */

/** What a community organisation may ask for, and a supplier offer. */
export const RESOURCE_KINDS = ['volunteer_hours', 'skilled_hours', 'equipment', 'cash', 'placement_weeks', 'venue_hours'] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

/** How far a pledge reaches from its places: those authorities only, their neighbours too, their region, anywhere. */
export const REACHES = ['authority', 'neighbours', 'region', 'national'] as const;

export const MATCH_STATUSES = ['proposed', 'accepted', 'delivered', 'confirmed', 'declined', 'cancelled', 'expired'] as const;
export type MatchStatus = (typeof MATCH_STATUSES)[number];
