import { type Kysely, sql } from 'kysely';
import type { Database } from './database.js';

/** X (mid-shift) or Z (close) report of one cash session: what the till sold and what the drawer should hold. */
export interface CashReport {
  readonly sessionId: string;
  readonly registerId: string;
  readonly openedAt: string;
  /** End of the window: now for an X report, the close for a Z report. */
  readonly until: string;
  readonly openingFloat: number;
  readonly sales: number;
  readonly refunds: number;
  readonly gross: number;
  readonly discount: number;
  readonly tax: number;
  readonly net: number;
  /** Sales minus refunds, tax included. */
  readonly total: number;
  /** Per tender kind: amount taken (refunds paid back are negative), cash net of change given. */
  readonly tenders: Readonly<Record<string, number>>;
  readonly changeGiven: number;
  /** Float + cash taken - change given - cash refunded. */
  readonly expectedCash: number;
}

export interface SessionWindow {
  readonly id: string;
  readonly store_id: number;
  readonly register_id: string;
  readonly opened_at: Date;
  readonly opening_float: number;
  readonly closed_at: Date | null;
}

/**
 * A sale belongs to the session of its register that was open when the server received it: its
 * receipt time (recorded_at) is in the window [opened, closed], both on the server's clock. Its till
 * time (occurred_at) decides its business day, not its session: a till's clock may be hours off.
 */
export async function cashReport(db: Kysely<Database>, s: SessionWindow, until: Date): Promise<CashReport> {
  const [{ rows: totals }, { rows: tenders }] = await Promise.all([
    sql<{ sales: number; refunds: number; gross: number; discount: number; tax: number; net: number; total: number; change: number }>`
      SELECT count(*) FILTER (WHERE refund_of IS NULL AND total >= 0)::int AS sales,
        count(*) FILTER (WHERE refund_of IS NOT NULL OR total < 0)::int AS refunds,
        coalesce(sum(gross), 0)::bigint AS gross, coalesce(sum(discount), 0)::bigint AS discount, coalesce(sum(tax), 0)::bigint AS tax,
        coalesce(sum(net), 0)::bigint AS net, coalesce(sum(total), 0)::bigint AS total, coalesce(sum(change_due), 0)::bigint AS change
      FROM sales WHERE store_id = ${s.store_id} AND register_id = ${s.register_id} AND recorded_at >= ${s.opened_at} AND recorded_at <= ${until}`.execute(db),
    sql<{ kind: string; amount: number }>`
      SELECT t.kind, sum(t.amount)::bigint AS amount
      FROM sales x JOIN sale_tenders t ON t.sale_id = x.id
      WHERE x.store_id = ${s.store_id} AND x.register_id = ${s.register_id} AND x.recorded_at >= ${s.opened_at} AND x.recorded_at <= ${until}
      GROUP BY t.kind ORDER BY t.kind`.execute(db),
  ]);
  const t = totals[0] ?? { sales: 0, refunds: 0, gross: 0, discount: 0, tax: 0, net: 0, total: 0, change: 0 };
  const byKind: Record<string, number> = {};
  for (const r of tenders) byKind[r.kind] = r.amount;
  const cashIn = byKind.cash ?? 0;
  if (byKind.cash !== undefined) byKind.cash = cashIn - t.change;
  return {
    sessionId: s.id,
    registerId: s.register_id,
    openedAt: s.opened_at.toISOString(),
    until: until.toISOString(),
    openingFloat: s.opening_float,
    sales: t.sales,
    refunds: t.refunds,
    gross: t.gross,
    discount: t.discount,
    tax: t.tax,
    net: t.net,
    total: t.total,
    tenders: byKind,
    changeGiven: t.change,
    expectedCash: s.opening_float + cashIn - t.change,
  };
}

/** Denominations in minor units and how many of each were counted; the total they make. */
export function countedTotal(counts: Readonly<Record<string, number>>): number {
  let total = 0;
  for (const [denomination, n] of Object.entries(counts)) total += Number(denomination) * n;
  return total;
}
