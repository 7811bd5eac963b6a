import type { DailyTotal } from '@keel/warehouse';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../../src/database.js';

export type DayFigures = DailyTotal;

/** The same per store and day figures as the warehouse's daily totals, computed from PostgreSQL. */
export async function pgDailyFigures(db: Kysely<Database>): Promise<DayFigures[]> {
  const { rows } = await sql<DayFigures>`
    SELECT s.store_id AS "storeId", s.business_day AS "day",
      sum(l.total)::bigint AS revenue, sum(l.net)::bigint AS net, sum(l.tax)::bigint AS tax,
      sum(l.discount)::bigint AS discount, sum(l.cost)::bigint AS cost,
      count(*)::bigint AS lines, count(DISTINCT s.id)::bigint AS tickets
    FROM sales s JOIN sale_lines l ON l.sale_id = s.id
    GROUP BY s.store_id, s.business_day
    ORDER BY s.store_id, s.business_day`.execute(db);
  return rows;
}

/** Poll until `check` returns true or the deadline passes (then the caller's assertion reports). */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 60_000, everyMs = 200): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
