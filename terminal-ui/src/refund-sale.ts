import type { CartTotals, SaleTender, TaxRate } from '@keel/core';
import { addLine, type Cart, newCart, totalsOf } from './cart.js';
import type { RefundRequest } from './keel-refund-panel.js';
import type { ProductSearch } from './product-catalog.js';

/**
 * A refund as the till sends it: the goods coming back as negative lines at the original sale's
 * prices (a product no longer in the catalog is named by its SKU), paid back in cash, or to the
 * original sale's largest tender when the cashier chose that.
 */
export async function refundSale(
  r: RefundRequest,
  id: string,
  catalog: ProductSearch,
  taxes: ReadonlyMap<string, TaxRate>,
): Promise<{ cart: Cart; totals: CartTotals; tenders: SaleTender[] }> {
  const prices = new Map(r.sale.lines.map((l) => [l.productId, l.refundUnitPrice]));
  let cart = newCart(id, new Date());
  for (const [productId, milli] of r.quantities) {
    const product = (await catalog.byId(productId).catch(() => undefined)) ?? {
      id: productId,
      sku: r.sale.lines.find((l) => l.productId === productId)?.sku ?? String(productId),
      barcode: null,
      name: r.sale.lines.find((l) => l.productId === productId)?.sku ?? String(productId),
      price: prices.get(productId) ?? 0,
      taxClass: 'standard',
      active: true,
    };
    cart = addLine(cart, product, -milli, true);
  }
  cart = { ...cart, refund: { of: r.sale.sale.id, reason: r.reason } };
  const totals = totalsOf(cart, taxes, (l) => prices.get(l.product.id) ?? l.product.price);
  const original = [...r.sale.sale.tenders].sort((a, b) => b.amount - a.amount)[0];
  const kind = r.tender === 'cash' || !original ? 'cash' : (original.kind as SaleTender['kind']);
  const tenders: SaleTender[] = [{ kind, amount: totals.total, ...(kind === 'card' ? { reference: 'REFUND' } : {}) }];
  return { cart, totals, tenders };
}
