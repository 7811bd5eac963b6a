import { type Kysely, sql } from 'kysely';
import type { Database } from './database.js';
import { can, type Principal } from './principal.js';
import { Problem } from './problem.js';
import { principalForUser } from './roles.js';
import type { EnrolledTill } from './tills.js';

/** How far a till's clock may run ahead of the server's. */
const CLOCK_SKEW_MS = 5 * 60_000;

/**
 * The cashier a journaled sale is recorded under when it is replayed by its till after the
 * cashier's session has ended (it expired while the server was away, or another cashier signed
 * in since). Only an enrolled till's key gets here; the sale is accepted for cashier `userId` only
 * if that person is still active, may sell in the till's store, and signed in AT THIS TILL within
 * `windowHours` before the sale's till time (the audit log's `auth.signed_in`, which records the
 * till). The sale itself is then checked like any other: server prices, the cashier's own discount
 * limit (no approvals offline), refunds only with the cashier's own permission.
 */
export async function replayCashier(
  db: Kysely<Database>,
  till: EnrolledTill,
  userId: number,
  occurredAt: string | undefined,
  windowHours: number,
  now: Date,
): Promise<Principal> {
  if (!occurredAt) throw new Problem('replay.not_signed_in', 'a replayed sale must carry its till time (occurredAt)');
  const at = new Date(occurredAt).getTime();
  if (!Number.isFinite(at) || at > now.getTime() + CLOCK_SKEW_MS) throw new Problem('replay.not_signed_in', 'the sale is dated in the future');
  const user = await db.selectFrom('users').selectAll().where('id', '=', userId).where('active', '=', true).executeTakeFirst();
  const signIn = user
    ? await db
        .selectFrom('audit_log')
        .select('id')
        .where('actor', '=', `user:${user.id}`)
        .where('action', '=', 'auth.signed_in')
        .where(sql<number>`(detail->>'tillId')::bigint`, '=', till.id)
        .where('at', '<=', new Date(at + CLOCK_SKEW_MS))
        .where('at', '>=', new Date(at - windowHours * 3_600_000))
        .limit(1)
        .executeTakeFirst()
    : undefined;
  if (!user || !signIn) throw new Problem('replay.not_signed_in', `user ${userId} had not signed in at ${till.name} when this sale was taken`);
  const p = await principalForUser(db, user, 'till', till.id);
  const principal: Principal = { ...p, storeIds: p.storeIds === 'all' || p.storeIds.includes(till.storeId) ? [till.storeId] : [] };
  if (!can(principal, 'sales.create')) throw new Problem('replay.not_signed_in', `${user.display_name} may no longer sell`);
  return principal;
}
