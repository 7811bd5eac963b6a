import { randomUUID } from 'node:crypto';
import {
  businessTime,
  type CartLineInput,
  cartTotals,
  DiscountError,
  extend,
  money,
  SALE_DELIVERY_MARKS,
  type SaleCompletedV1,
  type SaleRequest,
  type SaleRequestLine,
  settleTenders,
} from '@keel/core';
import { type Kysely, sql } from 'kysely';
import type { AuditEntry } from './audit-log.js';
import { canonicalJson, sha256Hex } from './canonical-json.js';
import type { Database } from './database.js';
import { type Approval, type ApprovalPurpose, discountOverLimit, verifyApproval } from './discount-approval.js';
import { prepared } from './prepared-statements.js';
import { can, canSeeStore, type Principal } from './principal.js';
import { Problem } from './problem.js';
import type { ReferenceData } from './reference-data.js';
import { checkRefund, checkRefundAmounts } from './refund-check.js';
import { type SaleExtras, writeSaleExtras } from './sale-extras.js';
import { lineTax, NO_DETAIL, type ProductForSale, priceLines, stockGoneNegative } from './sale-pricing.js';
import { findReplay, lineResult, type SaleFlag, type SaleResult } from './sale-result.js';
import type { SignInLockout } from './sign-in-lockout.js';

/** A sale as posted: the shared request plus what only the server checks. */
export interface SaleSubmission extends Omit<SaleRequest, 'lines'> {
  readonly lines: readonly SaleRequestLine[];
  readonly approval?: Approval | undefined;
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
 * (`replayed: true`); the same id with other content is refused. The delivery marks (`offline`,
 * `deferred`) are not content: a retry marked `deferred` replays a first attempt that was not.
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
  // The offline rule (accepted at the till's prices and tax, differences flagged): a sale the till
  // took offline, or one it sends again after a send that had no answer (the customer has paid and left).
  const offlineRule = req.offline === true || req.deferred === true;
  // Only a till takes sales offline (and only its sales are accepted at the till's prices).
  if (offlineRule && !principal.tillId) throw new Problem('till.required', 'only an enrolled till may send a sale it took offline or sends again');
  // The fingerprint is the sale's content, not how it was delivered: a first attempt sent online and
  // its retry marked `deferred` are the same sale. (Sales stored before this rule hashed `offline` in.)
  const requestSha = saleFingerprint(req);
  const acceptedShas = req.offline === undefined ? [requestSha] : [requestSha, sha256Hex(canonicalJson({ ...req, deferred: undefined }))];
  const store = await deps.reference.store(req.storeId);
  // Another store answers exactly as a store that does not exist.
  if (!store || !canSeeStore(principal, req.storeId)) throw new Problem('sale.store_unknown', `store ${req.storeId} does not exist`);

  // One round trip: is this a replay, and the products it names (a replay must answer even if a
  // product was retired since, so the replay check comes before any validation).
  const productIds = [...new Set(req.lines.map((l) => l.productId))];
  // This and the write below keep one text whatever the sale (arrays, not lists): prepared, each is planned once a connection.
  const { rows: found } = await deps.db.executeQuery(
    prepared(
      sql<ProductForSale & { existing_sha: string | null }>`
    SELECT e.sha AS existing_sha, p.id, p.sku, p.price, p.cost, p.tax_class, p.active, p.category_id
    FROM (SELECT (SELECT request_sha256 FROM sales WHERE id = ${req.id}) AS sha) e
    LEFT JOIN products p ON p.id = ANY(${productIds}::bigint[])`.compile(deps.db),
    ),
  );
  if (found[0]?.existing_sha) {
    const replay = await findReplay(deps.db, req.id, acceptedShas);
    if (replay) return { sale: replay, replayed: true };
  }
  const approvalFlags: SaleFlag[] = [];
  /**
   * A manager's approval the sale needs: the approver when a username and PIN came and check out (a
   * failure is audited with what it was for, then refused). Without one, `refuse`, except under the
   * offline rule: the customer has left and PINs are never journaled (a till reloaded before its
   * retry), so the lines concerned are flagged `approval_missing` for a manager instead.
   */
  const managerApproval = async (need: {
    purpose: ApprovalPurpose;
    neededBp?: number;
    detail: Record<string, unknown>;
    missing: ReadonlyArray<{ productId: number; approvalBp: number | null; tillPrice?: number; serverPrice?: number }>;
    refuse: () => Promise<never>;
  }): Promise<Principal | undefined> => {
    if (!approval) {
      if (!offlineRule) return need.refuse();
      for (const l of need.missing) {
        if (approvalFlags.some((f) => f.productId === l.productId)) continue;
        const prices = { tillPrice: l.tillPrice ?? null, serverPrice: l.serverPrice ?? null };
        approvalFlags.push({ ...NO_DETAIL, ...prices, kind: 'approval_missing', productId: l.productId, approvalBp: l.approvalBp });
      }
      return undefined;
    }
    try {
      return await verifyApproval(deps.db, deps.lockout, approval, {
        purpose: need.purpose,
        storeId: req.storeId,
        cashier: principal,
        neededBp: need.neededBp,
      });
    } catch (e) {
      if (e instanceof Problem) {
        const failed = { ...need.detail, approver: approval.username, reason: e.code };
        await deps.audit({ actor: principal.id, action: 'sale.approval_failed', subject: req.id, detail: failed, requestId });
      }
      throw e;
    }
  };
  // A refund needs the refund permission, or a manager's username and PIN entered at the till.
  const isRefund = req.refund !== undefined || req.lines.some((l) => l.quantityMilli < 0);
  const refundApprover =
    isRefund && !can(principal, 'sales.refund')
      ? await managerApproval({
          purpose: 'refund',
          detail: { refundOf: req.refund?.of ?? null },
          missing: req.lines.filter((l) => l.quantityMilli < 0).map((l) => ({ productId: l.productId, approvalBp: null })),
          refuse: async () => {
            throw new Problem('sale.refund_not_permitted');
          },
        })
      : undefined;
  const refund = await checkRefund(deps.db, req);
  const byId = new Map(found.filter((p) => p.id !== null).map((p) => [p.id, p]));
  const priced = priceLines(req, offlineRule, byId, refund?.unitPrices);
  if (priced.tampered.length > 0) {
    const prices = priced.tampered;
    await deps.audit({ actor: principal.id, action: 'sale.price_mismatch', subject: req.id, detail: { prices }, requestId });
    throw new Problem('sale.price_mismatch', `product ${prices[0]?.productId} costs ${prices[0]?.server}, the till sent ${prices[0]?.sent}`, { prices });
  }
  const cartLines: CartLineInput[] = [];
  const taxFlags: SaleFlag[] = [];
  for (const [i, l] of req.lines.entries()) {
    const p = byId.get(l.productId) as ProductForSale;
    const { tax, flag } = lineTax(l, p, await deps.reference.taxClass(p.tax_class), offlineRule);
    if (!tax) throw new Problem('sale.unknown_product', `product ${l.productId} has no usable tax class`);
    if (flag && !taxFlags.some((f) => f.productId === flag.productId)) taxFlags.push(flag);
    cartLines.push({ quantityMilli: l.quantityMilli, unitPrice: money(priced.lines[i]?.unitPrice ?? 0), tax, discount: l.discount });
  }
  if (req.customerId !== undefined) {
    const customer = await deps.db.selectFrom('customers').select('id').where('id', '=', req.customerId).executeTakeFirst();
    if (!customer) throw new Problem('sale.customer_unknown', `customer ${req.customerId} does not exist`);
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
    approver = await managerApproval({
      purpose: 'discount',
      neededBp: discount.largestBp,
      detail,
      missing: req.lines.filter((_, i) => (totals.lines[i]?.discount ?? 0) > 0).map((l) => ({ productId: l.productId, approvalBp: discount.largestBp })),
      refuse: async () => {
        await deps.audit({ actor: principal.id, action: 'sale.discount_refused', subject: req.id, detail, requestId });
        throw new Problem('sale.approval_required', `a ${discount.largestBp / 100}% discount is over your ${principal.maxDiscountBp / 100}% limit`, detail);
      },
    });
  }
  // A price override: by a cashier who may override prices, within their limit; else a manager's approval.
  const overrideBp = Math.max(0, ...priced.overrides.map((o) => o.reductionBp));
  const mayOverride = can(principal, 'sales.price_override');
  let overrideApprover: Principal | undefined;
  if (priced.overrides.length > 0 && (!mayOverride || overrideBp > principal.maxDiscountBp)) {
    const detail = { overrides: priced.overrides, limitBp: principal.maxDiscountBp, permitted: mayOverride, storeId: req.storeId };
    overrideApprover = await managerApproval({
      purpose: 'price_override',
      neededBp: overrideBp,
      detail,
      missing: priced.overrides.map((o) => ({ productId: o.productId, approvalBp: o.reductionBp, tillPrice: o.unitPrice, serverPrice: o.listPrice })),
      refuse: async () => {
        await deps.audit({ actor: principal.id, action: 'sale.override_refused', subject: req.id, detail, requestId });
        throw new Problem(
          'sale.override_approval_required',
          `a price override ${mayOverride ? `of ${overrideBp / 100}% is over your limit` : 'is not in your role'}`,
          detail,
        );
      },
    });
  }
  const flags = offlineRule ? [...priced.flags, ...taxFlags, ...approvalFlags, ...(await stockGoneNegative(deps.db, req.storeId, req.lines))] : [];
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
      list_price: priced.lines[i]?.listPrice ?? null,
      override_reason: priced.lines[i]?.overrideReason ?? null,
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
    // SaleCompleted.v1 lines carry the charged unit price; the override's list price and reason stay in PostgreSQL.
    lines: lines.map(({ list_price: _list, override_reason: _reason, ...l }) => {
      const { listPrice: _l, overrideReason: _r, ...fact } = lineResult({ ...l, list_price: null, override_reason: null });
      return { ...fact, cost: l.cost, taxCode: l.tax_code, categoryId: byId.get(l.product_id)?.category_id ?? null };
    }),
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
        gross, discount, tax, net, total, change_due, request_id, refund_of, customer_id, note, offline)
      VALUES (${req.id}, ${req.storeId}, ${req.registerId ?? null}, ${principal.id}, ${occurredAt}, ${recordedAt}, ${day}, ${hour}, ${requestSha},
        ${totals.gross}, ${totals.discount}, ${totals.tax}, ${totals.net}, ${totals.total}, ${settled.change}, ${requestId}, ${req.refund?.of ?? null},
        ${req.customerId ?? null}, ${req.note ?? null}, ${req.offline === true})
      ON CONFLICT (id) DO NOTHING
      RETURNING id
    ), l AS (
      INSERT INTO sale_lines (sale_id, line_no, product_id, sku, quantity_milli, unit_price, gross, discount, net, tax, total, cost, tax_code, list_price, override_reason)
      SELECT s.id, x.* FROM s, unnest(${col('line_no')}::smallint[], ${col('product_id')}::bigint[], ${col('sku')}::text[], ${col('quantity_milli')}::bigint[],
        ${col('unit_price')}::bigint[], ${col('gross')}::bigint[], ${col('discount')}::bigint[], ${col('net')}::bigint[], ${col('tax')}::bigint[],
        ${col('total')}::bigint[], ${col('cost')}::bigint[], ${col('tax_code')}::text[], ${col('list_price')}::bigint[], ${col('override_reason')}::text[]) AS x
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
  // A refund, an approval, an override or an offline sale's flags are recorded in the same
  // transaction as the sale; an ordinary sale is one statement with no transaction around it
  // (the audit chain's lock stays off its path).
  const extras: SaleExtras = {
    saleId: req.id,
    storeId: req.storeId,
    principal,
    requestId,
    refund: isRefund
      ? {
          refundOf: req.refund?.of ?? null,
          reason: req.refund?.reason ?? null,
          approvedBy: refundApprover?.id ?? null,
          lines: lines.filter((l) => l.quantity_milli < 0).map((l) => ({ productId: l.product_id, quantityMilli: l.quantity_milli, total: l.total })),
          total: totals.total,
          tenders: tenders.map((t) => ({ kind: t.kind, amount: t.amount })),
        }
      : undefined,
    discountApproval: approver
      ? { approver, detail: { discountBp: discount.largestBp, limitBp: principal.maxDiscountBp, discount: totals.discount } }
      : undefined,
    overrides: priced.overrides,
    overrideApprover,
    flags,
  };
  const needsTransaction = isRefund || approver !== undefined || priced.overrides.length > 0 || flags.length > 0;
  const { rows } = needsTransaction
    ? await deps.db.transaction().execute(async (tx) => {
        if (req.refund) {
          // Refunds of one sale queue on its row and check again under the lock, so two tills
          // returning the same goods at once cannot both pay them back.
          await sql`SELECT 1 FROM sales WHERE id = ${req.refund.of} FOR UPDATE`.execute(tx);
          const current = await checkRefund(tx, req);
          if (current) checkRefundAmounts(req, lines, current.sold);
        }
        const result = await tx.executeQuery(prepared(write.compile(tx)));
        if (result.rows[0]?.inserted === 1) await writeSaleExtras(tx, extras);
        return result;
      })
    : await deps.db.executeQuery(prepared(write.compile(deps.db)));
  if (rows[0]?.inserted !== 1) {
    const again = await findReplay(deps.db, req.id, acceptedShas);
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
      customerId: req.customerId ?? null,
      note: req.note ?? null,
      offline: req.offline === true,
      flags,
    },
  };
}

/** A sale request's fingerprint for the idempotency check: its content, without the delivery marks. */
export function saleFingerprint(req: Omit<SaleSubmission, 'approval'>): string {
  const content: Record<string, unknown> = { ...req };
  for (const mark of SALE_DELIVERY_MARKS) delete content[mark];
  return sha256Hex(canonicalJson(content));
}

export function isUniqueViolation(e: unknown, constraint?: string): boolean {
  const err = e as { code?: string; constraint?: string; message?: string };
  if (err?.code !== '23505') return false;
  return constraint === undefined || err.constraint === constraint || (err.message ?? '').includes(constraint);
}
