import { randomUUID } from 'node:crypto';

export { seededRandom } from '@keel/core';

import { type CartLineInput, cartTotals, money, type SaleRequest, type TaxRate } from '@keel/core';

export interface TestProduct {
  readonly id: number;
  readonly price: number;
  readonly tax: TaxRate;
}

export const TAX: Readonly<Record<string, TaxRate>> = {
  standard: { code: 'standard', basisPoints: 2000, inclusive: true },
  reduced: { code: 'reduced', basisPoints: 550, inclusive: true },
  zero: { code: 'zero', basisPoints: 0, inclusive: true },
};

/**
 * A sale as a till builds it: lines from the catalog, discounts sometimes, totals computed with
 * core exactly as the terminal does, paid in cash (rounded up) or card plus cash.
 */
export function makeSale(rand: () => number, products: readonly TestProduct[], storeId: number, occurredAt: Date): SaleRequest {
  const n = 1 + Math.floor(rand() * 4);
  const lines = Array.from({ length: n }, () => {
    const p = products[Math.floor(rand() * products.length)] as TestProduct;
    const weighed = rand() < 0.2;
    const quantityMilli = weighed ? 100 + Math.floor(rand() * 2000) : 1000 * (1 + Math.floor(rand() * 3));
    const discount = rand() < 0.15 ? { kind: 'percent' as const, basisPoints: 500 + Math.floor(rand() * 2000) } : undefined;
    return { product: p, quantityMilli, discount };
  });
  const orderDiscount = rand() < 0.1 ? { kind: 'amount' as const, amount: money(50) } : undefined;
  const cart: CartLineInput[] = lines.map((l) => ({
    quantityMilli: l.quantityMilli,
    unitPrice: money(l.product.price),
    tax: l.product.tax,
    discount: l.discount,
  }));
  const { total } = cartTotals({ lines: cart, orderDiscount, taxRounding: 'line' });
  const tenders =
    rand() < 0.5 || total < 200
      ? [{ kind: 'cash' as const, amount: Math.max(Math.ceil(total / 500) * 500, 500) }]
      : [
          { kind: 'card' as const, amount: total - 100, reference: `T${Math.floor(rand() * 1e6)}` },
          { kind: 'cash' as const, amount: 100 },
        ];
  return {
    id: randomUUID(),
    storeId,
    registerId: `till-${storeId}`,
    occurredAt: occurredAt.toISOString(),
    lines: lines.map((l) => ({ productId: l.product.id, quantityMilli: l.quantityMilli, discount: l.discount })),
    orderDiscount,
    tenders,
    expectedTotal: total,
  };
}
