import { formatMoney } from '@keel/core';
import type { Warehouse } from '@keel/warehouse';
import type { Kysely } from 'kysely';
import { wallClock } from '../cron-expression.js';
import type { Job } from '../job.js';
import type { PipelinesDatabase } from '../pipelines-database.js';
import { type RepairViews, reconcile } from '../reconciliation.js';
import { addDays } from '../report-period.js';

/**
 * Nightly: compare PostgreSQL and the warehouse for the last `days` business days, replay the
 * missing events and recompute drifted views. A run with drift is recorded as failed, so the jobs
 * page shows it.
 */
export function reconciliationJob(
  deps: { db: Kysely<PipelinesDatabase>; warehouse: Warehouse; timeZone: string; currency: string; kickRelay: () => void; repairViews: RepairViews },
  days = 7,
  schedule = '15 3 * * *',
): Job {
  return {
    name: 'reconciliation',
    description: 'Compare PostgreSQL and the warehouse per store and day; replay missing events, recompute drifted views',
    schedule,
    async run(ctx) {
      const w = wallClock(ctx.now(), deps.timeZone);
      const today = `${w.year}-${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`;
      const r = await reconcile(deps.db, deps.warehouse, { from: addDays(today, -days), to: today }, { repairViews: deps.repairViews });
      if (r.replayed > 0) deps.kickRelay();
      if (r.drift.length > 0) {
        const m = (n: number) => formatMoney(n, deps.currency, 'en-GB');
        const list = r.drift
          .map(
            (d) =>
              `store ${d.storeId} ${d.day}: PostgreSQL ${m(d.pgRevenue)} in ${d.pgTickets} sales, warehouse ${m(d.warehouseRevenue)} in ${d.warehouseTickets}`,
          )
          .join('; ');
        throw new Error(
          `drift on ${r.drift.length} store-day(s), ${r.replayed} sale event(s) replayed, views of ${r.viewsRepaired} store-day(s) recomputed: ${list}`,
        );
      }
      return { from: r.from, to: r.to, days: r.days, drift: 0 };
    },
  };
}
