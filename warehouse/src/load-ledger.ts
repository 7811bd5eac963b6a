import { randomUUID } from 'node:crypto';
import { repairAggregates } from './aggregate-views.js';
import { clickhouseTime } from './sale-line-row.js';
import type { Warehouse } from './warehouse.js';

/**
 * The loader's ledger: why a load cut off half-way cannot leave a figure wrong.
 *
 * An insert into `sale_lines` reaches its table and its materialized views as separate parts;
 * ClickHouse commits them one after the other, not atomically. A process killed in between (or an
 * insert failing in a view) leaves a table and its views disagreeing, and the redelivered events
 * are then skipped because `sale_lines` already holds them — the views would miss those sales for
 * good (the fault suite's keel-kill scenario found 239 of 3,513 after 50 kills).
 *
 * So every load writes a `begun` row naming the stores and business days it touches before it
 * inserts, and a `done` row after. A load with no `done` row may have been cut off: recovery
 * recomputes the views for its stores and days from the raw tables (`repairAggregates`), then
 * marks it done. The loader recovers when it starts and after any failed load, before loading
 * again; as the only writer, nothing else moves those rows meanwhile.
 */
export const LOAD_LEDGER_STATEMENT = `CREATE TABLE IF NOT EXISTS load_ledger (
  at DateTime64(3, 'UTC'),
  batch UUID,
  state Enum8('begun' = 1, 'done' = 2),
  store_ids Array(UInt32),
  days Array(Date)
) ENGINE = MergeTree
ORDER BY at
TTL toDateTime(at) + INTERVAL 7 DAY`;

/** Recovery looks this far back from the newest ledger row: the loader recovers before every next load. */
const RECOVERY_WINDOW = 'INTERVAL 1 DAY';

export interface LoadScope {
  readonly storeIds: readonly number[];
  readonly days: readonly string[];
}

/** Record that a load of these stores and days starts; returns its batch id for `finishLoad`. */
export async function beginLoad(wh: Warehouse, scope: LoadScope): Promise<string> {
  const batch = randomUUID();
  const row = { at: clickhouseTime(new Date().toISOString()), batch, state: 'begun', store_ids: [...new Set(scope.storeIds)], days: [...new Set(scope.days)] };
  await wh.insertRows('load_ledger', [row], `ledger-${batch}-begun`);
  return batch;
}

/** Record that these loads reached every table and view. */
export async function finishLoad(wh: Warehouse, batches: readonly string[]): Promise<void> {
  if (batches.length === 0) return;
  const at = clickhouseTime(new Date().toISOString());
  const rows = batches.map((batch) => ({ at, batch, state: 'done', store_ids: [], days: [] }));
  await wh.insertRows('load_ledger', rows, `ledger-${[...batches].sort().join(',')}-done`);
}

/**
 * Repair the views of every load that began and never finished; returns how many there were.
 * Safe to run at any time the loader is not loading, and as often as wanted.
 */
export async function recoverUnfinishedLoads(wh: Warehouse): Promise<number> {
  const open = await wh.query<{ batch: string; store_ids: number[]; days: string[] }>(
    `SELECT batch, anyIf(store_ids, state = 'begun') AS store_ids, anyIf(days, state = 'begun') AS days
FROM load_ledger
WHERE at >= (SELECT max(at) FROM load_ledger) - ${RECOVERY_WINDOW}
GROUP BY batch
HAVING countIf(state = 'done') = 0`,
  );
  if (open.length === 0) return 0;
  await repairAggregates(
    wh,
    open.flatMap((b) => b.store_ids),
    open.flatMap((b) => b.days),
  );
  await finishLoad(
    wh,
    open.map((b) => b.batch),
  );
  return open.length;
}
