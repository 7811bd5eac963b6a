import { type CartTotals, cartTotals, type Discount, money, type SaleRequest, type SaleTender, type TaxRate } from '@keel/core';
import type { CatalogProduct } from './terminal-api.js';

export interface CartLine {
  readonly key: number;
  readonly product: CatalogProduct;
  readonly quantityMilli: number;
  readonly weighed: boolean;
  readonly discount?: Discount | undefined;
}

/** The sale being built: lines, discounts, totals from @keel/core exactly as the server computes them. */
export interface Cart {
  readonly id: string;
  readonly openedAt: string;
  readonly lines: readonly CartLine[];
  readonly orderDiscount?: Discount | undefined;
  /** A refund: the sale it returns and why (lines are negative). */
  readonly refund?: { of: string; reason: string } | undefined;
  /** Who approved a discount above the cashier's limit. */
  readonly approvedBy?: string | undefined;
}

let nextKey = 1;

export function newCart(id: string, now: Date): Cart {
  return { id, openedAt: now.toISOString(), lines: [] };
}

export function addLine(cart: Cart, product: CatalogProduct, quantityMilli: number, weighed: boolean): Cart {
  const last = cart.lines.at(-1);
  // The same piece item scanned again adds to the last line, like a cashier expects.
  if (!weighed && last && !last.weighed && last.product.id === product.id && !last.discount) {
    return { ...cart, lines: [...cart.lines.slice(0, -1), { ...last, quantityMilli: last.quantityMilli + quantityMilli }] };
  }
  return { ...cart, lines: [...cart.lines, { key: nextKey++, product, quantityMilli, weighed }] };
}

export function updateLine(cart: Cart, key: number, change: Partial<Pick<CartLine, 'quantityMilli' | 'discount'>>): Cart {
  return { ...cart, lines: cart.lines.map((l) => (l.key === key ? { ...l, ...change } : l)) };
}

export function voidLine(cart: Cart, key: number): Cart {
  return { ...cart, lines: cart.lines.filter((l) => l.key !== key) };
}

export function totalsOf(cart: Cart, taxes: ReadonlyMap<string, TaxRate>, unitPrice?: (line: CartLine) => number): CartTotals {
  return cartTotals({
    lines: cart.lines.map((l) => ({
      quantityMilli: l.quantityMilli,
      unitPrice: money(unitPrice ? unitPrice(l) : l.product.price),
      tax: taxes.get(l.product.taxClass) ?? { code: l.product.taxClass, basisPoints: 0, inclusive: true },
      discount: l.discount,
    })),
    orderDiscount: cart.orderDiscount,
    taxRounding: 'line',
  });
}

/** The largest discount in the cart, in basis points of what it applies to (for the approval check). */
export function largestDiscountBp(cart: Cart, totals: CartTotals): number {
  let bp = 0;
  const asBp = (d: Discount | undefined, base: number) => (!d ? 0 : d.kind === 'percent' ? d.basisPoints : base > 0 ? Math.ceil((d.amount * 10000) / base) : 0);
  cart.lines.forEach((l, i) => {
    bp = Math.max(bp, asBp(l.discount, totals.lines[i]?.gross ?? 0));
  });
  const afterLines = totals.lines.reduce((s, l) => s + l.gross - l.lineDiscount, 0);
  return Math.max(bp, asBp(cart.orderDiscount, afterLines));
}

export function saleRequest(cart: Cart, storeId: number, registerId: string, tenders: readonly SaleTender[], total: number): SaleRequest {
  return {
    id: cart.id,
    storeId,
    registerId,
    occurredAt: new Date().toISOString(),
    lines: cart.lines.map((l) => ({ productId: l.product.id, quantityMilli: l.quantityMilli, ...(l.discount ? { discount: l.discount } : {}) })),
    ...(cart.orderDiscount ? { orderDiscount: cart.orderDiscount } : {}),
    tenders,
    expectedTotal: total,
    ...(cart.refund ? { refund: cart.refund } : {}),
  };
}
