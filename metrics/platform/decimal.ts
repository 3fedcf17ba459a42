/**
 * The canonical text of an exact decimal: no padding zeros after the point, no point without digits after it.
 * '0.15000' -> '0.15', '12.000000' -> '12', '82.60' -> '82.6'. Numeric columns come back padded to their scale.
 */
export function trimDecimal(text: string): string {
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}
