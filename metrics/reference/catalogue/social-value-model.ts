import type { AppliesToDef } from './framework-definition';

/**
 * Which of the government's Social Value Models a contract reports against. The 2025 model (PPN 002, published
 * 13 February 2025) is mandatory for in-scope central government bodies from 1 October 2025; contracts let before
 * then stay on the 2020 model (PPN 06/20). The rule goes by the contract's award date. (PPN 002 allowed the new model
 * during a transition from 24 February 2025, so a contract awarded in the transition may in fact have used it: the
 * buyer's tender documents decide, the award date is the default.)
 */
export const SVM_2025_FROM = '2025-10-01';

/** The catalogue codes of the two models' frameworks (metrics/reference/catalogue/data/svm-2020-model.json, svm-2025-model.json). */
export const SVM_FRAMEWORKS = { 2020: 'svm-2020', 2025: 'svm-2025' } as const;

export type SocialValueModel = keyof typeof SVM_FRAMEWORKS;

/** The model for a contract awarded on this date (yyyy-mm-dd); null when the date is unknown or not a date. */
export function socialValueModelFor(awardDate: string | null | undefined): SocialValueModel | null {
  if (!awardDate || !/^\d{4}-\d{2}-\d{2}$/.test(awardDate)) return null;
  return awardDate < SVM_2025_FROM ? 2020 : 2025;
}

/** Whether a framework's `applies_to` window holds this award date (no window: it applies to any). */
export function appliesToAward(window: AppliesToDef | null | undefined, awardDate: string): boolean {
  if (!window) return true;
  return (window.awarded_from === null || awardDate >= window.awarded_from)
    && (window.awarded_before === null || awardDate < window.awarded_before);
}
