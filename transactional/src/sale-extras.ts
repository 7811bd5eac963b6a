import type { Kysely } from 'kysely';
import { appendAudit } from './audit-log.js';
import type { Database } from './database.js';
import type { Principal } from './principal.js';
import type { LineOverride } from './sale-pricing.js';
import type { SaleFlag } from './sale-result.js';

/** What a sale records besides itself, in its own transaction: audit entries and conflict flags. */
export interface SaleExtras {
  readonly saleId: string;
  readonly storeId: number;
  readonly principal: Principal;
  readonly requestId: string | null;
  readonly refund: Record<string, unknown> | undefined;
  readonly discountApproval: { approver: Principal; detail: Record<string, unknown> } | undefined;
  readonly overrides: readonly LineOverride[];
  readonly overrideApprover: Principal | undefined;
  readonly flags: readonly SaleFlag[];
}

/**
 * Audit a refund, an approved discount, price overrides, and the conflicts an offline sale was
 * accepted with (also kept as `sale_flags` rows for a manager's list). Called once, right after the
 * sale's insert in the same transaction, so a replayed sale never records them twice.
 */
export async function writeSaleExtras(tx: Kysely<Database>, x: SaleExtras): Promise<void> {
  const { principal, saleId: subject, requestId } = x;
  if (x.refund) await appendAudit(tx, { actor: principal.id, action: 'sale.refund', subject, detail: x.refund, requestId });
  if (x.discountApproval) {
    const { approver, detail } = x.discountApproval;
    await appendAudit(tx, {
      actor: approver.id,
      action: 'sale.discount_approved',
      subject,
      detail: { cashier: principal.id, cashierName: principal.name, approverName: approver.name, ...detail },
      requestId,
    });
  }
  if (x.overrides.length > 0) {
    const approver = x.overrideApprover;
    await appendAudit(tx, {
      actor: principal.id,
      action: 'sale.price_override',
      subject,
      detail: { cashierName: principal.name, approvedBy: approver?.id ?? null, approverName: approver?.name ?? null, lines: x.overrides },
      requestId,
    });
  }
  if (x.flags.length > 0) {
    await tx
      .insertInto('sale_flags')
      .values(
        x.flags.map((f) => ({
          sale_id: subject,
          store_id: x.storeId,
          kind: f.kind,
          product_id: f.productId,
          till_price: f.tillPrice,
          server_price: f.serverPrice,
          on_hand_milli: f.onHandMilli,
          till_tax_bp: f.tillTaxBp,
          server_tax_bp: f.serverTaxBp,
          approval_bp: f.approvalBp,
        })),
      )
      .execute();
    await appendAudit(tx, { actor: principal.id, action: 'sale.sync_conflict', subject, detail: { storeId: x.storeId, flags: x.flags }, requestId });
  }
}
