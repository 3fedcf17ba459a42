/** Escapes LIKE/ILIKE wildcards in user text, so that `%` and `_` match themselves (the default escape is `\`). */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
