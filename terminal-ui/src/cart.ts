import { type CartTotals, cartTotals, type Discount, money, type PriceOverride, type SaleRequest, type SaleTender, type TaxRate } from '@keel/core';
import type { CatalogProduct } from './terminal-api.js';

export interface CartLine {
  readonly key: number;
  readonly product: CatalogProduct;
  readonly quantityMilli: number;
  readonly weighed: boolean;
  readonly discount?: Discount | undefined;
  /** The cashier's unit price instead of the catalog's, with the reason. */
  readonly override?: PriceOverride | undefined;
}

/** The customer a sale is for, as the till shows them. */
export interface CartCustomer {
  readonly id: number;
  readonly name: string;
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
  readonly customer?: CartCustomer | undefined;
  /** Free text printed on the receipt. */
  readonly note?: string | undefined;
}

let nextKey = 1;

export function newCart(id: string, now: Date): Cart {
  return { id, openedAt: now.toISOString(), lines: [] };
}

export function addLine(cart: Cart, product: CatalogProduct, quantityMilli: number, weighed: boolean): Cart {
  const last = cart.lines.at(-1);
  // The same piece item scanned again adds to the last line, like a cashier expects.
  if (!weighed && last && !last.weighed && last.product.id === product.id && !last.discount && !last.override) {
    return { ...cart, lines: [...cart.lines.slice(0, -1), { ...last, quantityMilli: last.quantityMilli + quantityMilli }] };
  }
  return { ...cart, lines: [...cart.lines, { key: nextKey++, product, quantityMilli, weighed }] };
}

export function updateLine(cart: Cart, key: number, change: Partial<Pick<CartLine, 'quantityMilli' | 'discount' | 'override'>>): Cart {
  return { ...cart, lines: cart.lines.map((l) => (l.key === key ? { ...l, ...change } : l)) };
}

export function voidLine(cart: Cart, key: number): Cart {
  return { ...cart, lines: cart.lines.filter((l) => l.key !== key) };
}

export function totalsOf(cart: Cart, taxes: ReadonlyMap<string, TaxRate>, unitPrice?: (line: CartLine) => number): CartTotals {
  return cartTotals({
    lines: cart.lines.map((l) => ({
      quantityMilli: l.quantityMilli,
      unitPrice: money(unitPrice ? unitPrice(l) : (l.override?.unitPrice ?? l.product.price)),
      tax: lineTaxRate(l, taxes),
      discount: l.discount,
    })),
    orderDiscount: cart.orderDiscount,
    taxRounding: 'line',
  });
}

/** The tax rate the till applies to a line: its product's tax class as the till knows it. */
export function lineTaxRate(line: CartLine, taxes: ReadonlyMap<string, TaxRate>): TaxRate {
  return taxes.get(line.product.taxClass) ?? { code: line.product.taxClass, basisPoints: 0, inclusive: true };
}

const onlyRate = ({ code, basisPoints, inclusive }: TaxRate): TaxRate => ({ code, basisPoints, inclusive });

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

/**
 * The sale as the till sends (and journals) it. A sale's lines carry the list price the till showed
 * (and any override) and the tax rate it applied (`taxes`); one taken offline says so: the server
 * then accepts it at those prices and rates, flagging what changed.
 */
export function saleRequest(
  cart: Cart,
  storeId: number,
  registerId: string,
  tenders: readonly SaleTender[],
  total: number,
  { offline = false, taxes }: { offline?: boolean; taxes?: ReadonlyMap<string, TaxRate> } = {},
): SaleRequest {
  return {
    id: cart.id,
    storeId,
    registerId,
    occurredAt: new Date().toISOString(),
    lines: cart.lines.map((l) => ({
      productId: l.product.id,
      quantityMilli: l.quantityMilli,
      ...(l.discount ? { discount: l.discount } : {}),
      // A refund is priced by the server from the original sale: no list price to check.
      ...(cart.refund ? {} : { unitPrice: l.product.price }),
      ...(l.override ? { priceOverride: l.override } : {}),
      ...(taxes && !cart.refund ? { tax: onlyRate(lineTaxRate(l, taxes)) } : {}),
    })),
    ...(cart.orderDiscount ? { orderDiscount: cart.orderDiscount } : {}),
    tenders,
    expectedTotal: total,
    ...(cart.refund ? { refund: cart.refund } : {}),
    ...(cart.customer ? { customerId: cart.customer.id } : {}),
    ...(cart.note?.trim() ? { note: cart.note.trim() } : {}),
    ...(offline ? { offline: true } : {}),
  };
}
