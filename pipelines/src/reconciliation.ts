import { dailyTotals, type Warehouse } from '@keel/warehouse';
import { type Kysely, sql } from 'kysely';
import type { PipelinesDatabase } from './pipelines-database.js';

export interface DayDrift {
  storeId: number;
  day: string;
  pgRevenue: number;
  warehouseRevenue: number;
  pgTickets: number;
  warehouseTickets: number;
}

export interface ReconciliationResult {
  from: string;
  to: string;
  days: number;
  drift: DayDrift[];
  /** Sales whose events were queued again for the warehouse. */
  replayed: number;
  /** Store-days whose raw lines were complete but whose views disagreed: recomputed from the lines. */
  viewsRepaired: number;
}

/** Recompute the views of these stores and days from the raw lines, between the loader's loads. */
export type RepairViews = (storeIds: readonly number[], days: readonly string[]) => Promise<void>;

/**
 * Compare PostgreSQL and the warehouse per store and business day, to the cent (revenue) and the
 * ticket. For every day that differs, find the sales PostgreSQL has and the warehouse lacks and put
 * their outbox events back in the relay's queue (published_at = NULL): the relay sends them again
 * and the loader, which drops events it already holds, counts each once. A day whose raw lines hold
 * every sale but whose views still differ has drifted views: they are recomputed from the lines.
 */
export async function reconcile(
  db: Kysely<PipelinesDatabase>,
  wh: Warehouse,
  range: { from: string; to: string },
  repair: false | { repairViews: RepairViews },
): Promise<ReconciliationResult> {
  const { rows: pgRows } = await sql<{ storeId: number; day: string; revenue: number; tickets: number }>`
    SELECT s.store_id AS "storeId", to_char(s.business_day, 'YYYY-MM-DD') AS "day", sum(s.total)::bigint AS revenue, count(*)::bigint AS tickets
    FROM sales s WHERE s.business_day BETWEEN ${range.from}::date AND ${range.to}::date
    GROUP BY s.store_id, s.business_day`.execute(db);
  const whRows = await dailyTotals(wh, range);
  const key = (s: number, d: string) => `${s}|${d}`;
  const wmap = new Map(whRows.map((r) => [key(r.storeId, r.day), r]));
  const pmap = new Map(pgRows.map((r) => [key(Number(r.storeId), r.day), r]));
  const drift: DayDrift[] = [];
  for (const k of new Set([...wmap.keys(), ...pmap.keys()])) {
    const p = pmap.get(k);
    const w = wmap.get(k);
    const [storeId, day] = k.split('|') as [string, string];
    const d: DayDrift = {
      storeId: Number(storeId),
      day,
      pgRevenue: Number(p?.revenue ?? 0),
      warehouseRevenue: w?.revenue ?? 0,
      pgTickets: Number(p?.tickets ?? 0),
      warehouseTickets: w?.tickets ?? 0,
    };
    if (d.pgRevenue !== d.warehouseRevenue || d.pgTickets !== d.warehouseTickets) drift.push(d);
  }
  drift.sort((a, b) => a.storeId - b.storeId || (a.day < b.day ? -1 : 1));
  let replayed = 0;
  let viewsRepaired = 0;
  if (repair) {
    for (const d of drift) {
      const { rows } = await sql<{ id: string }>`SELECT id::text AS id FROM sales WHERE store_id = ${d.storeId} AND business_day = ${d.day}::date`.execute(db);
      if (rows.length === 0) continue;
      const present = await wh.query<{ sale_id: string }>(
        'SELECT DISTINCT toString(sale_id) AS sale_id FROM sale_lines WHERE store_id = {store:UInt32} AND business_day = {day:Date}',
        { store: d.storeId, day: d.day },
      );
      const have = new Set(present.map((r) => r.sale_id.toLowerCase()));
      const missing = rows.map((r) => r.id).filter((id) => !have.has(id));
      if (missing.length === 0) {
        await repair.repairViews([d.storeId], [d.day]);
        viewsRepaired++;
        continue;
      }
      const res = await sql`
        UPDATE outbox SET published_at = NULL
        WHERE event_type = 'SaleCompleted' AND payload->>'saleId' = ANY(${missing}::text[]) AND published_at IS NOT NULL`.execute(db);
      replayed += Number(res.numAffectedRows ?? 0);
    }
  }
  return { ...range, days: pmap.size, drift, replayed, viewsRepaired };
}
