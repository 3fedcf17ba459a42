/**
 * The one place where column values are turned into JavaScript values, the same for both drivers:
 * - int8 (counts, bigint ids) -> number; pg gives a string and PGlite a number, and every id and count fits in 2^53;
 * - numeric -> string, so money and quantities stay exact (decimal arithmetic happens on strings, never floats);
 * - date -> 'YYYY-MM-DD' string, so a calendar date never shifts with the process time zone.
 */
export const PG_OID = { INT8: 20, NUMERIC: 1700, DATE: 1082 } as const;

export function parseInt8(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new RangeError(`int8 value ${text} is outside the safe integer range`);
  return n;
}

const identity = (text: string): string => text;

/** Parsers by type OID, shared by the pg client (`types.getTypeParser`) and PGlite (`parsers`). */
export const TYPE_PARSERS: Readonly<Record<number, (text: string) => unknown>> = {
  [PG_OID.INT8]: parseInt8,
  [PG_OID.NUMERIC]: identity,
  [PG_OID.DATE]: identity,
};
