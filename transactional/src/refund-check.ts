import type { SaleRequest } from '@keel/core';
import { type Kysely, sql } from 'kysely';
import type { Database } from './database.js';
import { Problem } from './problem.js';

/** Per product of the original sale: what was sold, what earlier refunds returned, at what unit price. */
export interface RefundableLine {
  readonly productId: number;
  readonly sku: string;
  readonly unitPrice: number;
  readonly soldMilli: number;
  readonly refundedMilli: number;
  readonly soldTotal: number;
  readonly refundedTotal: number;
  /** The unit price a refund uses: what one unit cost the customer after discounts, rounded down. */
  readonly refundUnitPrice: number;
}

/** What of sale `saleId` can still be returned; undefined when no such sale in `storeId`. */
export async function refundableLines(db: Kysely<Database>, saleId: string, storeId: number): Promise<RefundableLine[] | undefined> {
  const original = await db.selectFrom('sales').select(['id', 'refund_of']).where('id', '=', saleId).where('store_id', '=', storeId).executeTakeFirst();
  if (!original || original.refund_of !== null) return undefined;
  const { rows } = await sql<RefundableLine>`
    SELECT l.product_id AS "productId", min(l.sku) AS sku, min(l.unit_price)::bigint AS "unitPrice",
      sum(l.quantity_milli)::bigint AS "soldMilli", sum(l.total)::bigint AS "soldTotal",
      coalesce((SELECT -sum(rl.quantity_milli) FROM sales r JOIN sale_lines rl ON rl.sale_id = r.id
                WHERE r.refund_of = ${saleId} AND rl.product_id = l.product_id), 0)::bigint AS "refundedMilli",
      coalesce((SELECT -sum(rl.total) FROM sales r JOIN sale_lines rl ON rl.sale_id = r.id
                WHERE r.refund_of = ${saleId} AND rl.product_id = l.product_id), 0)::bigint AS "refundedTotal"
    FROM sale_lines l WHERE l.sale_id = ${saleId}
    GROUP BY l.product_id ORDER BY min(l.line_no)`.execute(db);
  return rows.map((r) => ({ ...r, refundUnitPrice: r.soldMilli > 0 ? Math.min(r.unitPrice, Math.floor((r.soldTotal * 1000) / r.soldMilli)) : r.unitPrice }));
}

/**
 * Check a refund against its original sale: every line negative, on a product of that sale, and
 * never more (with earlier refunds) than was sold. Returns the unit price each product was paid
 * at (after discounts), which the refund uses instead of today's price.
 */
export async function checkRefund(db: Kysely<Database>, req: SaleRequest): Promise<{ unitPrices: Map<number, number>; sold: RefundableLine[] } | undefined> {
  const refund = req.refund;
  if (!refund) return undefined;
  const lines = await refundableLines(db, refund.of, req.storeId);
  if (!lines) throw new Problem('refund.original_not_found', `no sale ${refund.of} to refund in store ${req.storeId}`);
  if (req.orderDiscount || req.lines.some((l) => l.quantityMilli >= 0 || l.discount)) {
    throw new Problem('refund.invalid', 'every line of a refund has a negative quantity and no discount');
  }
  const byProduct = new Map(lines.map((l) => [l.productId, l]));
  const asked = new Map<number, number>();
  for (const l of req.lines) asked.set(l.productId, (asked.get(l.productId) ?? 0) - l.quantityMilli);
  for (const [productId, milli] of asked) {
    const sold = byProduct.get(productId);
    if (!sold) throw new Problem('refund.invalid', `product ${productId} is not on sale ${refund.of}`);
    if (sold.refundedMilli + milli > sold.soldMilli) {
      throw new Problem('refund.exceeds_sold', `product ${productId}: sold ${sold.soldMilli}, already returned ${sold.refundedMilli}, asked ${milli}`, {
        productId,
        soldMilli: sold.soldMilli,
        refundedMilli: sold.refundedMilli,
      });
    }
  }
  return { unitPrices: new Map(lines.map((l) => [l.productId, l.refundUnitPrice])), sold: lines };
}

/**
 * After pricing: a refund may not pay back more than the customer paid for each product (a line
 * sold with a discount is returned at most at what was paid for it).
 */
export function checkRefundAmounts(req: SaleRequest, lines: ReadonlyArray<{ product_id: number; total: number }>, sold: readonly RefundableLine[]): void {
  if (!req.refund) return;
  const back = new Map<number, number>();
  for (const l of lines) back.set(l.product_id, (back.get(l.product_id) ?? 0) - l.total);
  for (const s of sold) {
    const b = back.get(s.productId) ?? 0;
    if (s.refundedTotal + b > s.soldTotal) {
      throw new Problem('refund.exceeds_sold', `product ${s.productId}: paid ${s.soldTotal}, already refunded ${s.refundedTotal}, asked ${b}`);
    }
  }
}
