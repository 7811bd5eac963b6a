import type { Kysely } from 'kysely';
import type { Database, SaleFlagKind, SaleLineTable } from './database.js';
import { Problem } from './problem.js';

/** A difference a sale was accepted with under the offline rule, flagged for a manager. */
export interface SaleFlag {
  readonly kind: SaleFlagKind;
  readonly productId: number;
  /** The unit price the till charged (price_changed, product_retired). */
  readonly tillPrice: number | null;
  /** The server's price when the sale arrived. */
  readonly serverPrice: number | null;
  /** Stock on hand after the sale (stock_negative), milli-units. */
  readonly onHandMilli: number | null;
  /** The tax rate the till applied and the server's when the sale arrived (tax_changed), basis points. */
  readonly tillTaxBp: number | null;
  readonly serverTaxBp: number | null;
  /** The discount or price reduction that needed a manager's approval which never arrived (approval_missing; null for a refund). */
  readonly approvalBp: number | null;
}

/** What the API answers for a sale, the same on the first post and on every replay. */
export interface SaleResult {
  readonly id: string;
  readonly storeId: number;
  readonly registerId: string | null;
  readonly cashierId: string | null;
  readonly occurredAt: string;
  readonly recordedAt: string;
  readonly businessDay: string;
  readonly lines: ReadonlyArray<ReturnType<typeof lineResult>>;
  readonly tenders: ReadonlyArray<{ kind: string; amount: number; reference: string | null }>;
  readonly gross: number;
  readonly discount: number;
  readonly tax: number;
  readonly net: number;
  readonly total: number;
  readonly changeDue: number;
  readonly customerId: number | null;
  readonly note: string | null;
  /** Taken by the till while it could not reach the server (accepted at the till's prices). */
  readonly offline: boolean;
  readonly flags: readonly SaleFlag[];
}

export type SaleLineRow = Omit<SaleLineTable, 'sale_id' | 'cost' | 'tax_code' | 'list_price' | 'override_reason'> & {
  list_price: number | null;
  override_reason: string | null;
};

export function lineResult(l: SaleLineRow) {
  return {
    lineNo: l.line_no,
    productId: l.product_id,
    sku: l.sku,
    quantityMilli: l.quantity_milli,
    unitPrice: l.unit_price,
    gross: l.gross,
    discount: l.discount,
    net: l.net,
    tax: l.tax,
    total: l.total,
    /** The list price when the cashier overrode it (unitPrice is what was charged), else null. */
    listPrice: l.list_price,
    overrideReason: l.override_reason,
  };
}

/**
 * The stored result of sale `id`, or a 422 if it exists with other content; undefined when new.
 * `requestShas`: the fingerprints this request's content may have been stored under.
 */
export async function findReplay(db: Kysely<Database>, id: string, requestShas: readonly string[]): Promise<SaleResult | undefined> {
  const sale = await loadSale(db, id);
  if (!sale) return undefined;
  if (!requestShas.includes(sale.requestSha)) throw new Problem('sale.id_conflict', `sale ${id} exists with different content`);
  return sale.result;
}

export async function loadSale(db: Kysely<Database>, id: string): Promise<{ result: SaleResult; requestSha: string } | undefined> {
  const s = await db.selectFrom('sales').selectAll().where('id', '=', id).executeTakeFirst();
  if (!s) return undefined;
  const [lines, tenders, flags] = await Promise.all([
    db.selectFrom('sale_lines').selectAll().where('sale_id', '=', id).orderBy('line_no').execute(),
    db.selectFrom('sale_tenders').selectAll().where('sale_id', '=', id).orderBy('tender_no').execute(),
    db.selectFrom('sale_flags').selectAll().where('sale_id', '=', id).orderBy('id').execute(),
  ]);
  return {
    requestSha: s.request_sha256,
    result: {
      id: s.id,
      storeId: s.store_id,
      registerId: s.register_id,
      cashierId: s.cashier_id,
      occurredAt: s.occurred_at.toISOString(),
      recordedAt: s.recorded_at.toISOString(),
      businessDay: s.business_day,
      lines: lines.map(lineResult),
      tenders: tenders.map((t) => ({ kind: t.kind, amount: t.amount, reference: t.reference })),
      gross: s.gross,
      discount: s.discount,
      tax: s.tax,
      net: s.net,
      total: s.total,
      changeDue: s.change_due,
      customerId: s.customer_id,
      note: s.note,
      offline: s.offline,
      flags: flags.map((f) => ({
        kind: f.kind,
        productId: f.product_id,
        tillPrice: f.till_price,
        serverPrice: f.server_price,
        onHandMilli: f.on_hand_milli,
        tillTaxBp: f.till_tax_bp,
        serverTaxBp: f.server_tax_bp,
        approvalBp: f.approval_bp,
      })),
    },
  };
}
