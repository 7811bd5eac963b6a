/** A cashier's change to a line's unit price, with why (the server keeps both prices and the reason). */
export interface PriceOverride {
  /** The unit price charged instead of the list price, minor units. */
  readonly unitPrice: number;
  readonly reason: string;
}

/** Longest reason and note the server accepts (characters). */
export const OVERRIDE_REASON_MAX = 200;
export const SALE_NOTE_MAX = 500;

/** The reasons a till offers; a cashier may also type another. */
export const OVERRIDE_REASONS: readonly string[] = ['Damaged item', 'Price match', 'Wrong shelf label', 'Short date'];

/**
 * How far an override lowers the list price, in basis points of it (rounded up, so a limit is never
 * passed by rounding); 0 when the price goes up or stays. A free item (override 0) is 10000.
 */
export function overrideReductionBp(listPrice: number, overridePrice: number): number {
  if (overridePrice >= listPrice) return 0;
  if (listPrice <= 0) return 0;
  return Math.ceil(((listPrice - overridePrice) * 10000) / listPrice);
}

/**
 * Whether an override needs a manager: always when the cashier may not override prices, else when
 * it lowers the price by more than their discount limit.
 */
export function overrideNeedsApproval(mayOverride: boolean, limitBp: number, listPrice: number, overridePrice: number): boolean {
  return !mayOverride || overrideReductionBp(listPrice, overridePrice) > limitBp;
}
