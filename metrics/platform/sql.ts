/** Escapes LIKE/ILIKE wildcards in user text, so that `%` and `_` match themselves (the default escape is `\`). */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * The normalised form of a supplier's name, as SQL over column `col`: every run of characters other than ASCII
 * letters and digits a space, then lower case. Suppliers without an identifier are deduplicated by it.
 */
export const supplierNameSql = (col: string): string => `lower(regexp_replace(${col}, '[^A-Za-z0-9]+', ' ', 'g'))`;

/** The same normalisation in JavaScript (keys that must meet the SQL's). */
export const supplierName = (name: string): string => name.replace(/[^A-Za-z0-9]+/g, ' ').toLowerCase();
