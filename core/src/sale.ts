import type { Discount } from './cart-totals.js';
import type { PriceOverride } from './price-override.js';
import type { TaxRate } from './tax.js';

/** What a till sends to POST /api/v1/sales. The server recomputes every amount from its own data. */
export interface SaleRequest {
  /** Client-generated UUID, the idempotency key. */
  readonly id: string;
  readonly storeId: number;
  readonly registerId?: string | undefined;
  /** When the sale happened at the till (ISO 8601). */
  readonly occurredAt?: string | undefined;
  readonly lines: readonly SaleRequestLine[];
  readonly orderDiscount?: Discount | undefined;
  readonly tenders: readonly SaleTender[];
  /** The total the till computed; the server refuses the sale if its own differs. */
  readonly expectedTotal?: number | undefined;
  /** A refund names the sale it returns (lines negative, at that sale's prices) and why. */
  readonly refund?: SaleRefund | undefined;
  /** The customer the sale is for (a customers id), when one was attached at the till. */
  readonly customerId?: number | undefined;
  /** Free text the cashier added (printed on the receipt). */
  readonly note?: string | undefined;
  /**
   * The till took this sale while it could not reach the server: the customer has left with the
   * goods at the till's prices, so the server accepts it at those prices and flags any difference.
   */
  readonly offline?: boolean | undefined;
  /**
   * The till sent this sale before and had no answer (network error, timeout, a 5xx, the server
   * died): the customer has paid and left, so the server accepts it under the offline rule (at the
   * till's prices and tax, differences flagged), however it was taken. Like `offline`, a mark on the
   * delivery, not on the sale: the idempotency key's content check ignores both.
   */
  readonly deferred?: boolean | undefined;
}

/** The parts of a sale request that say how it was delivered, not what was sold (left out of its fingerprint). */
export const SALE_DELIVERY_MARKS = ['offline', 'deferred'] as const;

export interface SaleRefund {
  readonly of: string;
  readonly reason: string;
}

export interface SaleRequestLine {
  readonly productId: number;
  readonly quantityMilli: number;
  readonly discount?: Discount | undefined;
  /** The list price the till showed for one unit (checked against the server's). */
  readonly unitPrice?: number | undefined;
  readonly priceOverride?: PriceOverride | undefined;
  /**
   * The tax rate the till applied to the line (its tax class as the till knew it). Checked only for
   * a sale accepted under the offline rule: a rate changed since is kept and flagged (`tax_changed`).
   */
  readonly tax?: TaxRate | undefined;
}

export type TenderKind = 'cash' | 'card' | 'voucher' | 'store_credit';
export const TENDER_KINDS: readonly TenderKind[] = ['cash', 'card', 'voucher', 'store_credit'];

export interface SaleTender {
  readonly kind: TenderKind;
  readonly amount: number;
  /** External card terminal reference; never a card number. */
  readonly reference?: string | undefined;
}

/**
 * Tender rules. A sale (total >= 0): tenders are positive and cover the total; only cash may
 * exceed it, the excess being change. A refund (total < 0): tenders are negative (money paid back)
 * and add up to the total exactly. Returns the change due, or why the tenders are refused.
 */
export function settleTenders(total: number, tenders: readonly SaleTender[]): { ok: true; change: number } | { ok: false; reason: string } {
  if (total < 0) {
    let back = 0;
    for (const t of tenders) {
      if (!Number.isSafeInteger(t.amount) || t.amount >= 0) return { ok: false, reason: 'refund tenders must be negative integer amounts' };
      back += t.amount;
    }
    return back === total ? { ok: true, change: 0 } : { ok: false, reason: `refund tenders ${back} must equal the total ${total}` };
  }
  let paid = 0;
  let nonCash = 0;
  for (const t of tenders) {
    if (!Number.isSafeInteger(t.amount) || t.amount <= 0) return { ok: false, reason: 'every tender must be a positive integer amount' };
    paid += t.amount;
    if (t.kind !== 'cash') nonCash += t.amount;
  }
  if (paid < total) return { ok: false, reason: `tenders ${paid} are short of the total ${total}` };
  if (nonCash > total) return { ok: false, reason: 'only cash may exceed the total' };
  return { ok: true, change: paid - total };
}
