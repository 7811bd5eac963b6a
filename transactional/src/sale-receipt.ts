import { formatMoney } from '@keel/core';
import type { Kysely } from 'kysely';
import type { Database } from './database.js';
import type { SaleResult } from './sale-result.js';

/** A sale as its receipt shows it: the server's own amounts, names and times, never the till's. */
export interface SaleReceipt {
  readonly saleId: string;
  readonly storeName: string;
  readonly currency: string;
  /** When the sale was taken, in the store's time zone. */
  readonly at: string;
  readonly registerId: string;
  readonly cashier: string;
  readonly refundOf: string | null;
  readonly lines: ReadonlyArray<{ name: string; quantity: string; total: number; discount: number }>;
  readonly total: number;
  readonly tax: number;
  readonly discount: number;
  readonly tenders: ReadonlyArray<{ kind: string; amount: number; reference: string | null }>;
  readonly change: number;
  /** The customer the sale was for, by name, and the cashier's note. */
  readonly customer: string | null;
  readonly note: string | null;
}

/** Gather what the receipt shows for `sale` (product names, cashier, store) from the database. */
export async function saleReceipt(db: Kysely<Database>, sale: SaleResult): Promise<SaleReceipt> {
  const productIds = [...new Set(sale.lines.map((l) => l.productId))];
  const userId = /^user:(\d+)$/.exec(sale.cashierId ?? '')?.[1];
  const [store, products, user, row, customer] = await Promise.all([
    db.selectFrom('stores').select(['name', 'currency', 'time_zone']).where('id', '=', sale.storeId).executeTakeFirst(),
    productIds.length ? db.selectFrom('products').select(['id', 'name', 'unit']).where('id', 'in', productIds).execute() : Promise.resolve([]),
    userId ? db.selectFrom('users').select('display_name').where('id', '=', Number(userId)).executeTakeFirst() : Promise.resolve(undefined),
    db.selectFrom('sales').select('refund_of').where('id', '=', sale.id).executeTakeFirst(),
    sale.customerId ? db.selectFrom('customers').select('name').where('id', '=', sale.customerId).executeTakeFirst() : Promise.resolve(undefined),
  ]);
  const byId = new Map(products.map((p) => [p.id, p]));
  const timeZone = store?.time_zone ?? 'UTC';
  return {
    saleId: sale.id,
    storeName: store?.name ?? '',
    currency: store?.currency ?? 'EUR',
    at: new Intl.DateTimeFormat('en-GB', { timeZone, dateStyle: 'medium', timeStyle: 'short' }).format(new Date(sale.occurredAt)),
    registerId: sale.registerId ?? '',
    cashier: user?.display_name ?? '',
    refundOf: row?.refund_of ?? null,
    lines: sale.lines.map((l) => {
      const p = byId.get(l.productId);
      const weighed = p?.unit === 'weight';
      return {
        name: p?.name ?? l.sku,
        quantity: weighed ? `${(l.quantityMilli / 1000).toFixed(3)} kg` : `${l.quantityMilli / 1000} x`,
        total: l.total,
        discount: l.discount,
      };
    }),
    total: sale.total,
    tax: sale.tax,
    discount: sale.discount,
    tenders: sale.tenders,
    change: sale.changeDue,
    customer: customer?.name ?? null,
    note: sale.note ?? null,
  };
}

/** The receipt as rows of (left, right) text: one layout for the PDF, the mail's HTML and its text part. */
export function receiptRows(r: SaleReceipt): Array<{ left: string; right: string; strong?: boolean; rule?: boolean }> {
  const m = (v: number) => formatMoney(v, r.currency);
  const rows: Array<{ left: string; right: string; strong?: boolean; rule?: boolean }> = [];
  for (const l of r.lines) {
    rows.push({ left: `${l.quantity} ${l.name}`, right: m(l.total) });
    if (l.discount) rows.push({ left: '   discount', right: `-${m(l.discount)}` });
  }
  rows.push({ left: '', right: '', rule: true });
  rows.push({ left: 'TOTAL', right: m(r.total), strong: true });
  if (r.discount) rows.push({ left: 'You saved', right: m(r.discount) });
  rows.push({ left: 'incl. tax', right: m(r.tax) });
  for (const t of r.tenders) rows.push({ left: t.reference ? `${t.kind} ${t.reference}` : t.kind, right: m(t.amount) });
  if (r.change) rows.push({ left: 'Change', right: m(r.change), strong: true });
  if (r.customer) rows.push({ left: `Customer: ${r.customer}`, right: '' });
  if (r.note) rows.push({ left: `Note: ${r.note}`, right: '' });
  return rows;
}
