import type { Warehouse } from './warehouse.js';

/**
 * Every materialized view the loader's inserts feed, as data: the DDL is generated from it, and so
 * is the repair that recomputes a view's rows from its source table after a load was cut off
 * (see load-ledger.ts). Every view's target begins its key with (store_id, business_day).
 */
export interface AggregateView {
  /** The SummingMergeTree target; the view itself is `${target}_mv`. */
  readonly target: string;
  readonly source: 'sale_lines' | 'sale_tenders';
  /** Grouping columns after store_id and business_day. */
  readonly keys: readonly string[];
  /** [column, expression over the source]; every column is summed when the target is read. */
  readonly measures: ReadonlyArray<readonly [string, string]>;
}

/** The measures every sale aggregate keeps (columns in aggregate-measures.ts). */
const SALE_MEASURES: ReadonlyArray<readonly [string, string]> = [
  ['lines', 'count()'],
  ['tickets', 'countIf(line_no = 1)'],
  ['items_milli', 'sum(quantity_milli)'],
  ['revenue', 'sum(total)'],
  ['net', 'sum(net)'],
  ['tax', 'sum(tax)'],
  ['discount', 'sum(discount)'],
  ['cost', 'sum(cost)'],
];

const saleView = (target: string, keys: readonly string[]): AggregateView => ({ target, source: 'sale_lines', keys, measures: SALE_MEASURES });

export const SALES_STORE_HOUR = saleView('sales_store_hour', ['business_hour']);
export const SALES_STORE_DAY = saleView('sales_store_day', []);
export const SALES_PRODUCT_DAY = saleView('sales_product_day', ['product_id', 'category_id']);
export const SALES_CATEGORY_DAY = saleView('sales_category_day', ['category_id']);
export const SALES_CASHIER_DAY = saleView('sales_cashier_day', ['cashier_id']);
export const TENDERS_STORE_DAY: AggregateView = {
  target: 'tenders_store_day',
  source: 'sale_tenders',
  keys: ['kind'],
  measures: [
    ['tenders', 'count()'],
    ['amount', 'sum(amount)'],
  ],
};

export const AGGREGATE_VIEWS: readonly AggregateView[] = [
  SALES_STORE_HOUR,
  SALES_STORE_DAY,
  SALES_PRODUCT_DAY,
  SALES_CATEGORY_DAY,
  SALES_CASHIER_DAY,
  TENDERS_STORE_DAY,
];

const groupColumns = (v: AggregateView) => ['store_id', 'business_day', ...v.keys].join(', ');
const measureSelect = (v: AggregateView) => v.measures.map(([name, expr]) => `${expr} AS ${name}`).join(', ');

/** `CREATE MATERIALIZED VIEW IF NOT EXISTS <target>_mv TO <target> AS SELECT ... GROUP BY ...`. */
export function viewStatement(v: AggregateView): string {
  return `CREATE MATERIALIZED VIEW IF NOT EXISTS ${v.target}_mv TO ${v.target} AS
SELECT ${groupColumns(v)}, ${measureSelect(v)}
FROM ${v.source}
GROUP BY ${groupColumns(v)}`;
}

/**
 * Make the views' rows for these stores and days equal what their source tables hold: compute each
 * view's figures from the source, subtract what the target holds, insert the differences (a
 * SummingMergeTree adds them up; UInt64 counts wrap, so a negative difference still sums right).
 * Rows already right get no correction, so repairing twice changes nothing. The correction is not
 * deduplicated: it is computed from the current state, and an identical earlier block must not hide it.
 * Only the loader writes these tables, and it runs this before loading again, so nothing moves meanwhile.
 */
export async function repairAggregates(wh: Warehouse, storeIds: readonly number[], days: readonly string[]): Promise<void> {
  if (storeIds.length === 0 || days.length === 0) return;
  const params = { stores: [...new Set(storeIds)], days: [...new Set(days)] };
  const where = 'store_id IN {stores:Array(UInt32)} AND business_day IN {days:Array(Date)}';
  for (const v of AGGREGATE_VIEWS) {
    const names = v.measures.map(([name]) => name);
    await wh.execute(
      `INSERT INTO ${v.target} (${groupColumns(v)}, ${names.join(', ')})
SELECT ${groupColumns(v)}, ${names.map((n) => `t.${n} - c.${n}`).join(', ')}
FROM (SELECT ${groupColumns(v)}, ${measureSelect(v)} FROM ${v.source} WHERE ${where} GROUP BY ${groupColumns(v)}) AS t
FULL OUTER JOIN (SELECT ${groupColumns(v)}, ${names.map((n) => `sum(${n}) AS ${n}`).join(', ')} FROM ${v.target} WHERE ${where} GROUP BY ${groupColumns(v)}) AS c
USING (${groupColumns(v)})
WHERE ${names.map((n) => `t.${n} != c.${n}`).join(' OR ')}
SETTINGS insert_deduplicate = 0, join_use_nulls = 0`,
      params,
    );
  }
}
