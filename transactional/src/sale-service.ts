import { randomUUID } from 'node:crypto';
import {
  businessTime,
  type CartLineInput,
  cartTotals,
  DiscountError,
  extend,
  money,
  type SaleCompletedV1,
  type SaleRequest,
  type SaleRequestLine,
  settleTenders,
} from '@keel/core';
import { type Kysely, sql } from 'kysely';
import { type AuditEntry, appendAudit } from './audit-log.js';
import { canonicalJson, sha256Hex } from './canonical-json.js';
import type { Database, SaleLineTable } from './database.js';
import { type Approval, discountOverLimit, verifyApproval, verifyRefundApproval } from './discount-approval.js';
import { can, canSeeStore, type Principal } from './principal.js';
import { Problem } from './problem.js';
import type { ReferenceData } from './reference-data.js';
import { checkRefund, checkRefundAmounts } from './refund-check.js';
import type { SignInLockout } from './sign-in-lockout.js';

/** A sale as posted: the shared request plus what only the server checks. */
export interface SaleSubmission extends Omit<SaleRequest, 'lines'> {
  readonly lines: ReadonlyArray<SaleRequestLine & { readonly unitPrice?: number | undefined }>;
  readonly approval?: Approval | undefined;
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
  readonly lines: ReadonlyArray<{
    lineNo: number;
    productId: number;
    sku: string;
    quantityMilli: number;
    unitPrice: number;
    gross: number;
    discount: number;
    net: number;
    tax: number;
    total: number;
  }>;
  readonly tenders: ReadonlyArray<{ kind: string; amount: number; reference: string | null }>;
  readonly gross: number;
  readonly discount: number;
  readonly tax: number;
  readonly net: number;
  readonly total: number;
  readonly changeDue: number;
}

export interface SaleServiceDeps {
  readonly db: Kysely<Database>;
  readonly reference: ReferenceData;
  readonly currency: string;
  readonly now: () => Date;
  /** Called after a failed attempt worth an audit entry (tampered total). Must not throw. */
  readonly audit: (entry: AuditEntry) => Promise<void>;
  /** PIN lockout shared with sign-in, for manager approvals. */
  readonly lockout: SignInLockout;
}

/**
 * Record a sale: recompute every amount from the server's own prices and tax rules, then write
 * the sale, its lines, tenders, stock movements and a SaleCompleted outbox row in ONE statement.
 * Idempotent by the client's UUID: a replay of the same content returns the original result
 * (`replayed: true`); the same id with other content is refused.
 */
export async function recordSale(
  deps: SaleServiceDeps,
  principal: Principal,
  submission: SaleSubmission,
  requestId: string | null,
): Promise<{ sale: SaleResult; replayed: boolean }> {
  // The approval (a PIN) is never part of the stored fingerprint; a till's sale is recorded under its till.
  const { approval, ...content } = submission;
  const req: Omit<SaleSubmission, 'approval'> = principal.tillId ? { ...content, registerId: `till:${principal.tillId}` } : content;
  const requestSha = sha256Hex(canonicalJson(req));
  const store = await deps.reference.store(req.storeId);
  // Another store answers exactly as a store that does not exist.
  if (!store || !canSeeStore(principal, req.storeId)) throw new Problem('sale.store_unknown', `store ${req.storeId} does not exist`);

  // One round trip: is this a replay, and the products it names (a replay must answer even if a
  // product was retired since, so the replay check comes before any validation).
  const productIds = [...new Set(req.lines.map((l) => l.productId))];
  const { rows: found } = await sql<ProductForSale & { existing_sha: string | null }>`
    SELECT e.sha AS existing_sha, p.id, p.sku, p.price, p.cost, p.tax_class, p.active, p.category_id
    FROM (SELECT (SELECT request_sha256 FROM sales WHERE id = ${req.id}) AS sha) e
    LEFT JOIN products p ON p.id = ANY(${productIds}::bigint[])`.execute(deps.db);
  if (found[0]?.existing_sha) {
    const replay = await findReplay(deps.db, req.id, requestSha);
    if (replay) return { sale: replay, replayed: true };
  }
  // A refund needs the refund permission, or a manager's username and PIN entered at the till.
  const isRefund = req.refund !== undefined || req.lines.some((l) => l.quantityMilli < 0);
  let refundApprover: Principal | undefined;
  if (isRefund && !can(principal, 'sales.refund')) {
    if (!approval) throw new Problem('sale.refund_not_permitted');
    try {
      refundApprover = await verifyRefundApproval(deps.db, deps.lockout, approval, req.storeId, principal);
    } catch (e) {
      if (e instanceof Problem) {
        const detail = { refundOf: req.refund?.of ?? null, approver: approval.username, reason: e.code };
        await deps.audit({ actor: principal.id, action: 'sale.approval_failed', subject: req.id, detail, requestId });
      }
      throw e;
    }
  }
  const refund = await checkRefund(deps.db, req);
  const products = found.filter((p) => p.id !== null);
  const byId = new Map(products.map((p) => [p.id, p]));
  const missing = productIds.filter((id) => !byId.get(id)?.active);
  if (missing.length > 0) throw new Problem('sale.unknown_product', `unknown or inactive product ids: ${missing.join(', ')}`, { productIds: missing });

  const cartLines: CartLineInput[] = [];
  // A refund pays back what the customer paid for one unit, not today's price.
  const priceOf = (productId: number) => refund?.unitPrices.get(productId) ?? byId.get(productId)?.price;
  const tampered = req.lines.filter((l) => l.unitPrice !== undefined && l.unitPrice !== priceOf(l.productId));
  if (tampered.length > 0) {
    const prices = tampered.map((l) => ({ productId: l.productId, sent: l.unitPrice, server: priceOf(l.productId) }));
    await deps.audit({ actor: principal.id, action: 'sale.price_mismatch', subject: req.id, detail: { prices }, requestId });
    throw new Problem('sale.price_mismatch', `product ${tampered[0]?.productId} costs ${prices[0]?.server}, the till sent ${prices[0]?.sent}`, { prices });
  }
  for (const l of req.lines) {
    const p = byId.get(l.productId);
    const tax = p ? await deps.reference.taxClass(p.tax_class) : undefined;
    if (!p || !tax) throw new Problem('sale.unknown_product', `product ${l.productId} has no usable tax class`);
    const unitPrice = refund?.unitPrices.get(l.productId) ?? p.price;
    cartLines.push({ quantityMilli: l.quantityMilli, unitPrice: money(unitPrice), tax, discount: l.discount });
  }
  let totals: ReturnType<typeof cartTotals>;
  try {
    totals = cartTotals({ lines: cartLines, orderDiscount: req.orderDiscount, taxRounding: 'line' });
  } catch (e) {
    if (e instanceof DiscountError || e instanceof RangeError) throw new Problem('sale.discount_invalid', e.message);
    throw e;
  }
  if (req.expectedTotal !== undefined && req.expectedTotal !== totals.total) {
    await deps.audit({
      actor: principal.id,
      action: 'sale.total_mismatch',
      subject: req.id,
      detail: { expectedTotal: req.expectedTotal, serverTotal: totals.total },
      requestId,
    });
    throw new Problem('sale.total_mismatch', `the server's total is ${totals.total}, the till sent ${req.expectedTotal}`, { serverTotal: totals.total });
  }
  const discount = discountOverLimit(totals, principal.maxDiscountBp, req.orderDiscount !== undefined);
  let approver: Principal | undefined;
  if (discount.over) {
    const detail = { discountBp: discount.largestBp, limitBp: principal.maxDiscountBp, discount: totals.discount, storeId: req.storeId };
    if (!approval) {
      await deps.audit({ actor: principal.id, action: 'sale.discount_refused', subject: req.id, detail, requestId });
      throw new Problem('sale.approval_required', `a ${discount.largestBp / 100}% discount is over your ${principal.maxDiscountBp / 100}% limit`, detail);
    }
    try {
      approver = await verifyApproval(deps.db, deps.lockout, approval, req.storeId, discount.largestBp, principal);
    } catch (e) {
      if (e instanceof Problem) {
        await deps.audit({
          actor: principal.id,
          action: 'sale.approval_failed',
          subject: req.id,
          detail: { ...detail, approver: approval.username, reason: e.code },
          requestId,
        });
      }
      throw e;
    }
  }
  const settled = settleTenders(totals.total, req.tenders);
  if (!settled.ok) throw new Problem('sale.tender_invalid', settled.reason);

  const occurredAt = req.occurredAt ? new Date(req.occurredAt) : deps.now();
  const { day, hour } = businessTime(occurredAt, store.timeZone);
  const lines = req.lines.map((l, i) => {
    const p = byId.get(l.productId) as NonNullable<ReturnType<typeof byId.get>>;
    const t = totals.lines[i] as (typeof totals.lines)[number];
    return {
      sale_id: req.id,
      line_no: i + 1,
      product_id: p.id,
      sku: p.sku,
      quantity_milli: l.quantityMilli,
      unit_price: (cartLines[i] as CartLineInput).unitPrice as number,
      gross: t.gross,
      discount: t.discount,
      net: t.net,
      tax: t.tax,
      total: t.total,
      cost: extend(money(p.cost), l.quantityMilli),
      tax_code: (cartLines[i] as CartLineInput).tax.code,
    };
  });
  if (refund) checkRefundAmounts(req, lines, refund.sold);
  const tenders = req.tenders.map((t, i) => ({ sale_id: req.id, tender_no: i + 1, kind: t.kind, amount: t.amount, reference: t.reference ?? null }));

  const recordedAt = deps.now();
  const event: SaleCompletedV1 = {
    type: 'SaleCompleted',
    version: 1,
    eventId: randomUUID(),
    storeId: req.storeId,
    saleId: req.id,
    occurredAt: occurredAt.toISOString(),
    recordedAt: recordedAt.toISOString(),
    businessDay: day,
    businessHour: hour,
    registerId: req.registerId ?? null,
    cashierId: principal.id,
    currency: deps.currency,
    lines: lines.map((l) => ({ ...lineResult(l), cost: l.cost, taxCode: l.tax_code, categoryId: byId.get(l.product_id)?.category_id ?? null })),
    tenders: tenders.map((t) => ({ kind: t.kind, amount: t.amount })),
    total: totals.total,
    tax: totals.tax,
    discount: totals.discount,
  };
  // The sale, lines, tenders, stock movements and outbox row in ONE statement (atomic, one round
  // trip). ON CONFLICT: a concurrent post of the same id inserts nothing and reads the winner's.
  const col = <K extends keyof (typeof lines)[number]>(k: K) => lines.map((l) => l[k]);
  const write = sql<{ inserted: number }>`
    WITH s AS (
      INSERT INTO sales (id, store_id, register_id, cashier_id, occurred_at, recorded_at, business_day, business_hour, request_sha256,
        gross, discount, tax, net, total, change_due, request_id, refund_of)
      VALUES (${req.id}, ${req.storeId}, ${req.registerId ?? null}, ${principal.id}, ${occurredAt}, ${recordedAt}, ${day}, ${hour}, ${requestSha},
        ${totals.gross}, ${totals.discount}, ${totals.tax}, ${totals.net}, ${totals.total}, ${settled.change}, ${requestId}, ${req.refund?.of ?? null})
      ON CONFLICT (id) DO NOTHING
      RETURNING id
    ), l AS (
      INSERT INTO sale_lines (sale_id, line_no, product_id, sku, quantity_milli, unit_price, gross, discount, net, tax, total, cost, tax_code)
      SELECT s.id, x.* FROM s, unnest(${col('line_no')}::smallint[], ${col('product_id')}::bigint[], ${col('sku')}::text[], ${col('quantity_milli')}::bigint[],
        ${col('unit_price')}::bigint[], ${col('gross')}::bigint[], ${col('discount')}::bigint[], ${col('net')}::bigint[], ${col('tax')}::bigint[],
        ${col('total')}::bigint[], ${col('cost')}::bigint[], ${col('tax_code')}::text[]) AS x
    ), t AS (
      INSERT INTO sale_tenders (sale_id, tender_no, kind, amount, reference)
      SELECT s.id, x.* FROM s, unnest(${tenders.map((t) => t.tender_no)}::smallint[], ${tenders.map((t) => t.kind)}::text[],
        ${tenders.map((t) => t.amount)}::bigint[], ${tenders.map((t) => t.reference)}::text[]) AS x
    ), m AS (
      INSERT INTO stock_movements (store_id, product_id, quantity_milli, reason, sale_id)
      SELECT ${req.storeId}, x.product_id, -x.quantity_milli, 'sale', s.id
      FROM s, unnest(${col('product_id')}::bigint[], ${col('quantity_milli')}::bigint[]) AS x(product_id, quantity_milli)
    ), o AS (
      INSERT INTO outbox (event_id, store_id, event_type, payload, request_id)
      SELECT ${event.eventId}, ${req.storeId}, ${event.type}, ${JSON.stringify(event)}::jsonb, ${requestId} FROM s
    )
    SELECT count(*)::int AS inserted FROM s`;
  // A refund or an approved discount is audited in the same transaction as the sale; an ordinary
  // sale is one statement with no transaction around it (the audit chain's lock stays off its path).
  const needsAudit = isRefund || approver !== undefined;
  const { rows } = needsAudit
    ? await deps.db.transaction().execute(async (tx) => {
        if (req.refund) {
          // Refunds of one sale queue on its row and check again under the lock, so two tills
          // returning the same goods at once cannot both pay them back.
          await sql`SELECT 1 FROM sales WHERE id = ${req.refund.of} FOR UPDATE`.execute(tx);
          const current = await checkRefund(tx, req);
          if (current) checkRefundAmounts(req, lines, current.sold);
        }
        const result = await write.execute(tx);
        if (result.rows[0]?.inserted === 1) {
          if (isRefund) {
            const refunded = lines
              .filter((l) => l.quantity_milli < 0)
              .map((l) => ({ productId: l.product_id, quantityMilli: l.quantity_milli, total: l.total }));
            const detail = {
              refundOf: req.refund?.of ?? null,
              reason: req.refund?.reason ?? null,
              approvedBy: refundApprover?.id ?? null,
              lines: refunded,
              total: totals.total,
              tenders: tenders.map((t) => ({ kind: t.kind, amount: t.amount })),
            };
            await appendAudit(tx, { actor: principal.id, action: 'sale.refund', subject: req.id, detail, requestId });
          }
          if (approver) {
            await appendAudit(tx, {
              actor: approver.id,
              action: 'sale.discount_approved',
              subject: req.id,
              detail: {
                cashier: principal.id,
                cashierName: principal.name,
                approverName: approver.name,
                discountBp: discount.largestBp,
                limitBp: principal.maxDiscountBp,
                discount: totals.discount,
              },
              requestId,
            });
          }
        }
        return result;
      })
    : await write.execute(deps.db);
  if (rows[0]?.inserted !== 1) {
    const again = await findReplay(deps.db, req.id, requestSha);
    if (again) return { sale: again, replayed: true };
    throw new Error(`sale ${req.id} was neither inserted nor found`);
  }
  return {
    replayed: false,
    sale: {
      id: req.id,
      storeId: req.storeId,
      registerId: req.registerId ?? null,
      cashierId: principal.id,
      occurredAt: occurredAt.toISOString(),
      recordedAt: recordedAt.toISOString(),
      businessDay: day,
      lines: lines.map(lineResult),
      tenders: tenders.map((t) => ({ kind: t.kind, amount: t.amount, reference: t.reference })),
      gross: totals.gross,
      discount: totals.discount,
      tax: totals.tax,
      net: totals.net,
      total: totals.total,
      changeDue: settled.change,
    },
  };
}

interface ProductForSale {
  id: number;
  sku: string;
  price: number;
  cost: number;
  tax_class: string;
  active: boolean;
  category_id: number | null;
}

function lineResult(l: Omit<SaleLineTable, 'sale_id' | 'cost' | 'tax_code'>) {
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
  };
}

/** The stored result of sale `id`, or a 422 if it exists with other content; undefined when new. */
async function findReplay(db: Kysely<Database>, id: string, requestSha: string): Promise<SaleResult | undefined> {
  const sale = await loadSale(db, id);
  if (!sale) return undefined;
  if (sale.requestSha !== requestSha) throw new Problem('sale.id_conflict', `sale ${id} exists with different content`);
  return sale.result;
}

export async function loadSale(db: Kysely<Database>, id: string): Promise<{ result: SaleResult; requestSha: string } | undefined> {
  const s = await db.selectFrom('sales').selectAll().where('id', '=', id).executeTakeFirst();
  if (!s) return undefined;
  const [lines, tenders] = await Promise.all([
    db.selectFrom('sale_lines').selectAll().where('sale_id', '=', id).orderBy('line_no').execute(),
    db.selectFrom('sale_tenders').selectAll().where('sale_id', '=', id).orderBy('tender_no').execute(),
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
    },
  };
}

export function isUniqueViolation(e: unknown, constraint?: string): boolean {
  const err = e as { code?: string; constraint?: string; message?: string };
  if (err?.code !== '23505') return false;
  return constraint === undefined || err.constraint === constraint || (err.message ?? '').includes(constraint);
}
