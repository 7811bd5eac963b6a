import { MEASURE_COLUMNS as measures, MONEY as money } from './aggregate-measures.js';
import { SALES_STORE_DAY, SALES_STORE_HOUR, viewStatement } from './aggregate-views.js';
import { ANALYTICS_STATEMENTS } from './analytics-schema.js';
import { LOAD_LEDGER_STATEMENT } from './load-ledger.js';

/**
 * Warehouse schema: the DDL `migrate()` runs, in order, every statement idempotent.
 *
 * | table / view          | engine             | grain                               | fed by              |
 * |-----------------------|--------------------|-------------------------------------|---------------------|
 * | `sale_lines`          | MergeTree          | one row per sale line               | `loadSaleEvents`    |
 * | `sales_store_hour`    | SummingMergeTree   | store x business day x business hour| `sales_store_hour_mv` |
 * | `sales_store_day`     | SummingMergeTree   | store x business day                | `sales_store_day_mv`  |
 *
 * Aggregate measures: `lines` (sale lines), `tickets` (sales, counted on line_no = 1),
 * `items_milli` (quantity, milli-units), `revenue` (sum of line totals, tax included), `net`, `tax`,
 * `discount`, `cost` — all integer minor units. SummingMergeTree rows of one key may not be merged
 * yet: always read them with sum() ... GROUP BY.
 *
 * Every table keeps `non_replicated_deduplication_window`, so an insert repeated with the same
 * `insert_deduplication_token` is dropped. The aggregate tables need it too: ClickHouse (26.x) still
 * pushes a block deduplicated in `sale_lines` through the views, with a token derived from the
 * original (`deduplicate_blocks_in_dependent_materialized_views = 1`, which inserts set explicitly),
 * and only the target's own deduplication drops it there.
 *
 * A table and its views are not written atomically: `load_ledger` (load-ledger.ts) records each
 * load so that one cut off half-way gets its views recomputed from the raw tables.
 */

/** Tables the warehouse accepts inserts into. Aggregate tables are fed by views (and repaired by the ledger) only. */
export const INSERTABLE_TABLES = ['sale_lines', 'sale_tenders', 'stock_movements', 'cash_sessions', 'load_ledger'] as const;
export type InsertableTable = (typeof INSERTABLE_TABLES)[number];

export function isInsertableTable(table: string): table is InsertableTable {
  return (INSERTABLE_TABLES as readonly string[]).includes(table);
}

export const SCHEMA_STATEMENTS: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS sale_lines (
  event_id UUID,
  sale_id UUID,
  store_id UInt32,
  line_no UInt16,
  occurred_at DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
  recorded_at DateTime64(3, 'UTC') CODEC(Delta, ZSTD(1)),
  business_day Date CODEC(Delta, ZSTD(1)),
  business_hour UInt8,
  register_id LowCardinality(String),
  cashier_id LowCardinality(String),
  product_id UInt64 CODEC(ZSTD(1)),
  category_id UInt32 DEFAULT 0 CODEC(ZSTD(1)),
  sku String CODEC(ZSTD(1)),
  quantity_milli ${money},
  unit_price ${money},
  gross ${money},
  discount ${money},
  net ${money},
  tax ${money},
  total ${money},
  cost ${money},
  tax_code LowCardinality(String),
  INDEX event_id_bloom event_id TYPE bloom_filter(0.01) GRANULARITY 4
) ENGINE = MergeTree
PARTITION BY toYYYYMM(business_day)
ORDER BY (store_id, business_day, sale_id, line_no)
SETTINGS non_replicated_deduplication_window = 1000`,

  `CREATE TABLE IF NOT EXISTS sales_store_hour (
  store_id UInt32,
  business_day Date,
  business_hour UInt8,${measures}
) ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(business_day)
ORDER BY (store_id, business_day, business_hour)
SETTINGS non_replicated_deduplication_window = 1000`,

  viewStatement(SALES_STORE_HOUR),

  `CREATE TABLE IF NOT EXISTS sales_store_day (
  store_id UInt32,
  business_day Date,${measures}
) ENGINE = SummingMergeTree
PARTITION BY toYYYYMM(business_day)
ORDER BY (store_id, business_day)
SETTINGS non_replicated_deduplication_window = 1000`,

  viewStatement(SALES_STORE_DAY),

  // Data directories created before category_id existed get the column (0 = uncategorised).
  `ALTER TABLE sale_lines ADD COLUMN IF NOT EXISTS category_id UInt32 DEFAULT 0 CODEC(ZSTD(1)) AFTER product_id`,
  ...ANALYTICS_STATEMENTS,
  LOAD_LEDGER_STATEMENT,
];
