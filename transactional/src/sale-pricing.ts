import { overrideReductionBp, type SaleRequestLine, type TaxRate } from '@keel/core';
import { type Kysely, sql } from 'kysely';
import type { Database } from './database.js';
import { Problem } from './problem.js';
import type { SaleFlag } from './sale-result.js';
import type { SaleSubmission } from './sale-service.js';

export interface ProductForSale {
  id: number;
  sku: string;
  price: number;
  cost: number;
  tax_class: string;
  active: boolean;
  category_id: number | null;
}

/** One line's price as recorded: what was charged, and the list price and reason when overridden. */
export interface PricedLine {
  readonly unitPrice: number;
  readonly listPrice: number | null;
  readonly overrideReason: string | null;
}

export interface LineOverride {
  readonly lineNo: number;
  readonly productId: number;
  readonly listPrice: number;
  readonly unitPrice: number;
  readonly reason: string;
  readonly reductionBp: number;
}

export const NO_DETAIL = { tillPrice: null, serverPrice: null, onHandMilli: null, tillTaxBp: null, serverTaxBp: null, approvalBp: null } as const;

/**
 * The unit price of every line. Online the server's price wins: a till that sent another list
 * price is refused (`sale.price_mismatch`, audited by the caller) and a retired product is unknown.
 * A sale under the OFFLINE RULE (taken offline, or sent again after a send that had no answer) is
 * accepted at the till's list prices (the customer paid them and left): a price that differs from
 * the server's, or a product retired since, becomes a flag for a manager instead of a refusal. A
 * refund pays back the original sale's prices. A price override replaces the list price with the
 * cashier's, keeping both and the reason.
 */
export function priceLines(
  req: Pick<SaleSubmission, 'lines'>,
  offline: boolean,
  byId: ReadonlyMap<number, ProductForSale>,
  refundPrices: ReadonlyMap<number, number> | undefined,
): { lines: PricedLine[]; flags: SaleFlag[]; tampered: Array<{ productId: number; sent: number; server: number }>; overrides: LineOverride[] } {
  const unknown = [...new Set(req.lines.map((l) => l.productId).filter((id) => !byId.has(id) || (!offline && !byId.get(id)?.active)))];
  if (unknown.length > 0) throw new Problem('sale.unknown_product', `unknown or inactive product ids: ${unknown.join(', ')}`, { productIds: unknown });
  const flags = new Map<string, SaleFlag>();
  const flag = (f: SaleFlag) => flags.set(`${f.kind}:${f.productId}`, f);
  const tampered: Array<{ productId: number; sent: number; server: number }> = [];
  const overrides: LineOverride[] = [];
  const lines = req.lines.map((l, i) => {
    const p = byId.get(l.productId) as ProductForSale;
    const server = refundPrices?.get(l.productId) ?? p.price;
    let list = server;
    if (offline) {
      list = l.unitPrice ?? server;
      if (!p.active) flag({ ...NO_DETAIL, kind: 'product_retired', productId: p.id, tillPrice: list, serverPrice: p.price });
      if (list !== server) flag({ ...NO_DETAIL, kind: 'price_changed', productId: p.id, tillPrice: list, serverPrice: server });
    } else if (l.unitPrice !== undefined && l.unitPrice !== server) {
      tampered.push({ productId: l.productId, sent: l.unitPrice, server });
    }
    const o = l.priceOverride;
    if (!o) return { unitPrice: list, listPrice: null, overrideReason: null };
    if (refundPrices || l.quantityMilli < 0) throw new Problem('sale.override_invalid', 'a refund pays back the original prices: no override');
    const reason = o.reason.trim();
    if (!reason) throw new Problem('sale.override_invalid', 'a price override needs a reason');
    overrides.push({ lineNo: i + 1, productId: p.id, listPrice: list, unitPrice: o.unitPrice, reason, reductionBp: overrideReductionBp(list, o.unitPrice) });
    return { unitPrice: o.unitPrice, listPrice: list, overrideReason: reason };
  });
  return { lines, flags: [...flags.values()], tampered, overrides };
}

/**
 * The tax rate of every line: the server's tax class of the product. Under the offline rule a line
 * that carries the rate the till applied keeps it when it differs from the server's (the customer
 * paid that tax), flagged `tax_changed` with both rates. `undefined` when the server has no such class.
 */
export function lineTax(
  line: SaleRequestLine,
  product: ProductForSale,
  server: TaxRate | undefined,
  offline: boolean,
): { tax: TaxRate | undefined; flag: SaleFlag | undefined } {
  const till = line.tax;
  if (!offline || !till || line.quantityMilli < 0) return { tax: server, flag: undefined };
  if (server && till.code === server.code && till.basisPoints === server.basisPoints && till.inclusive === server.inclusive)
    return { tax: server, flag: undefined };
  const kept: TaxRate = { code: till.code, basisPoints: till.basisPoints, inclusive: till.inclusive };
  return {
    tax: kept,
    flag: { ...NO_DETAIL, kind: 'tax_changed', productId: product.id, tillTaxBp: till.basisPoints, serverTaxBp: server?.basisPoints ?? null },
  };
}

/**
 * Stock an offline sale takes below zero: a product whose stock is kept (it has movements other
 * than sales) that had stock on hand before this sale and has less than none after it.
 */
export async function stockGoneNegative(
  db: Kysely<Database>,
  storeId: number,
  lines: ReadonlyArray<{ productId: number; quantityMilli: number }>,
): Promise<SaleFlag[]> {
  const sold = new Map<number, number>();
  for (const l of lines) sold.set(l.productId, (sold.get(l.productId) ?? 0) + l.quantityMilli);
  const ids = [...sold.keys()].filter((id) => (sold.get(id) ?? 0) > 0);
  if (ids.length === 0) return [];
  const { rows } = await sql<{ product_id: number; on_hand: number; kept: boolean }>`
    SELECT product_id, coalesce(sum(quantity_milli), 0)::bigint AS on_hand, bool_or(reason <> 'sale') AS kept
    FROM stock_movements WHERE store_id = ${storeId} AND product_id = ANY(${ids}::bigint[]) GROUP BY product_id`.execute(db);
  return rows
    .map((r) => ({ id: Number(r.product_id), before: Number(r.on_hand), kept: r.kept }))
    .filter((r) => r.kept && r.before >= 0 && r.before - (sold.get(r.id) ?? 0) < 0)
    .map((r) => ({ ...NO_DETAIL, kind: 'stock_negative' as const, productId: r.id, onHandMilli: r.before - (sold.get(r.id) ?? 0) }));
}
