import type { CartTotals, SaleTender } from '@keel/core';
import type { Cart } from './cart.js';
import type { Receipt } from './keel-receipt-view.js';

/** Who and where a receipt is printed for. */
export interface ReceiptHeading {
  readonly storeName: string;
  readonly registerId: string;
  readonly cashier: string;
}

/** The receipt of a sale (or refund) just taken, from the cart and the totals the till computed. */
export function receiptFor(
  heading: ReceiptHeading,
  cart: Cart,
  saleId: string,
  t: CartTotals,
  tenders: readonly SaleTender[],
  change: number,
  offline: boolean,
  refundOf?: string,
): Receipt {
  return {
    saleId,
    storeName: heading.storeName,
    registerId: heading.registerId,
    cashier: heading.cashier,
    at: new Date().toISOString(),
    lines: cart.lines.map((l, i) => ({
      name: l.product.name,
      quantityMilli: l.quantityMilli,
      weighed: l.weighed,
      total: t.lines[i]?.total ?? 0,
      discount: t.lines[i]?.discount ?? 0,
      override: l.override ? { listPrice: l.product.price, ...l.override } : undefined,
    })),
    total: t.total,
    tax: t.tax,
    discount: t.discount,
    tenders: tenders.map((x) => ({ kind: x.kind, amount: x.amount, reference: x.reference })),
    change,
    refundOf,
    offline,
    customer: cart.customer?.name,
    note: cart.note?.trim() || undefined,
  };
}
