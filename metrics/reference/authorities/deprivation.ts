/**
 * The IMD deprivation quintile of a council (1: the most deprived 20%, 5: the least) from its mySociety similarity
 * label ("1st IMD quintile"), or null. The same rule in SQL: DEPRIVATION_QUINTILE_SQL.
 */
export function deprivationQuintile(label: string | null | undefined): number | null {
  const m = /^([1-5])(st|nd|rd|th) IMD quintile$/i.exec((label ?? '').trim());
  return m ? Number(m[1]) : null;
}

/** deprivationQuintile in SQL, of a label column or expression. */
export const deprivationQuintileSql = (label: string): string =>
  `(substring(btrim(${label}) from '^([1-5])(?:st|nd|rd|th) IMD quintile$'))::int`;
