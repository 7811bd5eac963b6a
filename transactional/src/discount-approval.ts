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

/**
 * A manager's approval at the till: their username and PIN, checked like a PIN sign-in (same
 * lockout). The approver must be active, allowed to discount this much, and act in this store.
 */
export async function verifyApproval(
  db: Kysely<Database>,
  lockout: SignInLockout,
  approval: Approval,
  storeId: number,
  neededBp: number,
  cashier: Principal,
): Promise<Principal> {
  const approver = await approverByPin(db, lockout, approval, cashier);
  if (!can(approver, 'sales.discount') || approver.maxDiscountBp < neededBp || !canSeeStore(approver, storeId)) {
    throw new Problem('sale.approval_invalid', `${approver.name} may not approve a ${neededBp / 100}% discount here`);
  }
  return approver;
}

/** The same PIN check for a refund by a cashier without `sales.refund`: the approver must hold it here. */
export async function verifyRefundApproval(
  db: Kysely<Database>,
  lockout: SignInLockout,
  approval: Approval,
  storeId: number,
  cashier: Principal,
): Promise<Principal> {
  const approver = await approverByPin(db, lockout, approval, cashier);
  if (!can(approver, 'sales.refund') || !canSeeStore(approver, storeId)) {
    throw new Problem('sale.approval_invalid', `${approver.name} may not approve a refund here`);
  }
  return approver;
}

/** A price override beyond a cashier's permission or limit: the approver may override prices, by at least `neededBp`, here. */
export async function verifyOverrideApproval(
  db: Kysely<Database>,
  lockout: SignInLockout,
  approval: Approval,
  storeId: number,
  neededBp: number,
  cashier: Principal,
): Promise<Principal> {
  const approver = await approverByPin(db, lockout, approval, cashier);
  if (!can(approver, 'sales.price_override') || approver.maxDiscountBp < neededBp || !canSeeStore(approver, storeId)) {
    throw new Problem('sale.approval_invalid', `${approver.name} may not approve this price override here`);
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
