/** The kinds of authority and the nations, as the authorities table constrains them (one list for every filter). */
export const AUTHORITY_KINDS = [
  'local_authority',
  'central_department',
  'executive_agency',
  'ndpb',
  'nhs_body',
  'housing_association',
  'police',
  'fire',
  'other',
] as const;

export const NATIONS = ['England', 'Scotland', 'Wales', 'Northern Ireland'] as const;
