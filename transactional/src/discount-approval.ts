import { type CartTotals, divRound } from '@keel/core';
import type { Kysely } from 'kysely';
import type { Database } from './database.js';
import { verifySecret } from './password-hash.js';
import { can, canSeeStore, type Principal } from './principal.js';
import { Problem } from './problem.js';
import { principalForUser } from './roles.js';
import type { SignInLockout } from './sign-in-lockout.js';

/**
 * The largest discount any line gets (its own plus its share of the order discount), in basis
 * points of the line's gross, and whether it goes over `limitBp`. A line is over the limit when its
 * discount exceeds the limit's amount rounded as core rounds discounts (plus one minor unit of
 * allocation rounding when an order discount is spread).
 */
export function discountOverLimit(totals: CartTotals, limitBp: number, hasOrderDiscount: boolean): { over: boolean; largestBp: number } {
  let over = false;
  let largestBp = 0;
  for (const l of totals.lines) {
    if (l.gross <= 0 || l.discount <= 0) continue;
    const allowed = divRound(l.gross * limitBp, 10000) + (hasOrderDiscount ? 1 : 0);
    if (l.discount > allowed) over = true;
    largestBp = Math.max(largestBp, Math.ceil((l.discount * 10000) / l.gross));
  }
  return { over, largestBp };
}

export interface Approval {
  readonly username: string;
  readonly pin: string;
}

/** What a manager approves at the till, and the permission the approver must hold for it. */
export type ApprovalPurpose = 'discount' | 'refund' | 'price_override';
const APPROVAL_PERMISSION = { discount: 'sales.discount', refund: 'sales.refund', price_override: 'sales.price_override' } as const;

/**
 * A manager's approval at the till: their username and PIN, checked like a PIN sign-in (same
 * lockout). The approver must be active, someone other than the cashier, hold the purpose's
 * permission, act in this store and, for a discount or a price cut, have a limit of at least `neededBp`.
 */
export async function verifyApproval(
  db: Kysely<Database>,
  lockout: SignInLockout,
  approval: Approval,
  need: { readonly purpose: ApprovalPurpose; readonly storeId: number; readonly cashier: Principal; readonly neededBp?: number },
): Promise<Principal> {
  const approver = await approverByPin(db, lockout, approval, need.cashier);
  const neededBp = need.purpose === 'refund' ? 0 : (need.neededBp ?? 0);
  if (!can(approver, APPROVAL_PERMISSION[need.purpose]) || approver.maxDiscountBp < neededBp || !canSeeStore(approver, need.storeId)) {
    const what = need.purpose === 'discount' ? `a ${neededBp / 100}% discount` : need.purpose === 'refund' ? 'a refund' : 'this price override';
    throw new Problem('sale.approval_invalid', `${approver.name} may not approve ${what} here`);
  }
  return approver;
}

async function approverByPin(db: Kysely<Database>, lockout: SignInLockout, approval: Approval, cashier: Principal): Promise<Principal> {
  const username = approval.username.toLowerCase();
  const key = `pin:${username}`;
  await lockout.check(key);
  const user = await db.selectFrom('users').selectAll().where('username', '=', username).where('active', '=', true).executeTakeFirst();
  const ok = await verifySecret(approval.pin, user?.pin_hash);
  if (!ok || !user) {
    await lockout.failed(key);
    throw new Problem('sale.approval_invalid', 'wrong username or PIN');
  }
  await lockout.succeeded(key);
  const approver = await principalForUser(db, user, 'session');
  if (approver.id === cashier.id) throw new Problem('sale.approval_invalid', 'another person must approve');
  return approver;
}
