import { MEASURE_COLUMNS, MONEY } from './aggregate-measures.js';
import { SALES_CASHIER_DAY, SALES_CATEGORY_DAY, SALES_PRODUCT_DAY, TENDERS_STORE_DAY, viewStatement } from './aggregate-views.js';
import type { Warehouse } from './warehouse.js';

/**
 * Analytics tables and views beyond the store x hour/day ones (see schema.ts for the conventions:
 * SummingMergeTree targets read with sum() ... GROUP BY, a deduplication window on every table).
 *
 * | table                 | grain                          | fed by                                            |
 * |-----------------------|--------------------------------|---------------------------------------------------|
 * | `sales_product_day`   | store x day x product          | view over `sale_lines`                            |
 * | `sales_category_day`  | store x day x category         | view over `sale_lines` (category_id 0 until the catalog issue fills it) |
 * | `sales_cashier_day`   | store x day x cashier          | view over `sale_lines`                            |
 * | `sale_tenders`        | one row per tender of a sale   | `loadSaleEvents` (SaleCompleted.tenders)          |
 * | `tenders_store_day`   | store x day x tender kind      | view over `sale_tenders`                          |
 * | `stock_movements`     | one row per non-sale movement  | waits on stock events (receipts, counts, transfers) |
 * | `stock_on_hand`       | store x product                | view over `stock_movements` (sales join when stock events arrive) |
 * | `cash_sessions`       | one row per till session       | waits on the cash-session events                  |
 *
 * Every view costs the loader a part per insert: views that no dashboard reads yet (refunds,
 * stock from sales) are left out until they do; see docs/warehouse.md.
 */
const WINDOW = 'SETTINGS non_replicated_deduplication_window = 1000';

function summing(name: string, keys: string, order: string): string {
  return `CREATE TABLE IF NOT EXISTS ${name} (
  store_id UInt32,
  business_day Date,${keys}${MEASURE_COLUMNS}
) ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(business_day)
ORDER BY (${order})
${WINDOW}`;
}

/**
 * Chain-wide product figures, kept inside `sales_product_day`'s own parts as projections (no part
 * of their own per load, repaired with the table): by day, and by ISO week (`toMonday`). A chain
 * ranking over a month reads ~4 week rows and the edge days per product instead of a row per
 * store, day and product (at 100M lines, 4.5M rows for 30 days: see docs/performance.md).
 * On a SummingMergeTree a merge must rebuild them (`deduplicate_merge_projection_mode`).
 */
export const CHAIN_PROJECTIONS = ['chain_day', 'chain_week'] as const;
const chainSums = SALES_PRODUCT_DAY.measures.map(([column]) => `sum(${column})`).join(', ');

export const ANALYTICS_STATEMENTS: readonly string[] = [
  summing('sales_product_day', '\n  product_id UInt64,\n  category_id UInt32,', 'store_id, business_day, product_id, category_id'),
  viewStatement(SALES_PRODUCT_DAY),
  "ALTER TABLE sales_product_day MODIFY SETTING deduplicate_merge_projection_mode = 'rebuild'",
  `ALTER TABLE sales_product_day ADD PROJECTION IF NOT EXISTS chain_day (SELECT business_day, product_id, ${chainSums} GROUP BY business_day, product_id)`,
  `ALTER TABLE sales_product_day ADD PROJECTION IF NOT EXISTS chain_week (SELECT toMonday(business_day), product_id, ${chainSums} GROUP BY toMonday(business_day), product_id)`,

  summing('sales_category_day', '\n  category_id UInt32,', 'store_id, business_day, category_id'),
  viewStatement(SALES_CATEGORY_DAY),

  summing('sales_cashier_day', '\n  cashier_id LowCardinality(String),', 'store_id, business_day, cashier_id'),
  viewStatement(SALES_CASHIER_DAY),

  `CREATE TABLE IF NOT EXISTS sale_tenders (
  event_id UUID,
  sale_id UUID,
  store_id UInt32,
  business_day Date CODEC(Delta, ZSTD(1)),
  business_hour UInt8,
  tender_no UInt8,
  kind LowCardinality(String),
  amount ${MONEY}
) ENGINE = MergeTree
PARTITION BY toYYYYMM(business_day)
ORDER BY (store_id, business_day, sale_id, tender_no)
${WINDOW}`,
  `CREATE TABLE IF NOT EXISTS tenders_store_day (
  store_id UInt32,
  business_day Date,
  kind LowCardinality(String),
  tenders UInt64,
  amount Int64
) ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(business_day)
ORDER BY (store_id, business_day, kind)
${WINDOW}`,
  viewStatement(TENDERS_STORE_DAY),

  `CREATE TABLE IF NOT EXISTS stock_movements (
  event_id UUID,
  store_id UInt32,
  product_id UInt64,
  business_day Date CODEC(Delta, ZSTD(1)),
  occurred_at DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
  quantity_milli ${MONEY},
  reason LowCardinality(String),
  line_no UInt16
) ENGINE = MergeTree
PARTITION BY toYYYYMM(business_day)
ORDER BY (store_id, product_id, business_day)
${WINDOW}`,
  `CREATE TABLE IF NOT EXISTS stock_on_hand (
  store_id UInt32,
  product_id UInt64,
  quantity_milli Int64,
  movements UInt64
) ENGINE = SummingMergeTree
ORDER BY (store_id, product_id)
${WINDOW}`,
  `CREATE MATERIALIZED VIEW IF NOT EXISTS stock_on_hand_mv TO stock_on_hand AS
SELECT store_id, product_id, sum(quantity_milli) AS quantity_milli, count() AS movements
FROM stock_movements
GROUP BY store_id, product_id`,
  `CREATE TABLE IF NOT EXISTS cash_sessions (
  session_id UUID,
  store_id UInt32,
  register_id LowCardinality(String),
  cashier_id LowCardinality(String),
  business_day Date,
  opened_at DateTime64(3, 'UTC'),
  closed_at DateTime64(3, 'UTC'),
  opening_float ${MONEY},
  expected_cash ${MONEY},
  counted_cash ${MONEY},
  difference ${MONEY}
) ENGINE = ReplacingMergeTree(closed_at)
PARTITION BY toYYYYMM(business_day)
ORDER BY (store_id, business_day, session_id)
${WINDOW}`,
];

/**
 * Parts written before the projections existed get them in the background (a mutation; at 100M
 * lines about a minute per projection), once: queries are right meanwhile, reading such parts whole.
 */
export async function materializeChainProjections(wh: Warehouse): Promise<void> {
  const [running] = await wh.query<{ n: number | string }>(
    "SELECT count() AS n FROM system.mutations WHERE database = currentDatabase() AND table = 'sales_product_day' AND NOT is_done",
  );
  if (Number(running?.n ?? 0) > 0) return;
  for (const projection of CHAIN_PROJECTIONS) {
    const [missing] = await wh.query<{ n: number | string }>(
      "SELECT count() AS n FROM system.parts WHERE database = currentDatabase() AND table = 'sales_product_day' AND active AND NOT has(projections, {projection:String})",
      { projection },
    );
    if (Number(missing?.n ?? 0) > 0) await wh.execute(`ALTER TABLE sales_product_day MATERIALIZE PROJECTION ${projection}`);
  }
}
