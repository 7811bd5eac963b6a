import { MEASURE_COLUMNS, MONEY } from './aggregate-measures.js';
import { SALES_CASHIER_DAY, SALES_CATEGORY_DAY, SALES_PRODUCT_DAY, TENDERS_STORE_DAY, viewStatement } from './aggregate-views.js';

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

export const ANALYTICS_STATEMENTS: readonly string[] = [
  summing('sales_product_day', '\n  product_id UInt64,\n  category_id UInt32,', 'store_id, business_day, product_id, category_id'),
  viewStatement(SALES_PRODUCT_DAY),

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
