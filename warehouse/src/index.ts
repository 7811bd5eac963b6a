export {
  type DailyTotal,
  type DayFilter,
  type DayRangeFilter,
  dailyTotals,
  type HourlySales,
  hourlySales,
  rawDailyTotals,
  type SalesSummary,
  salesSummary,
} from './dashboard-queries.js';
export { type SaleLineRow, saleLineRows } from './sale-line-row.js';
export { loadSaleEvents, type SaleLoadResult, saleBatchToken } from './sale-loader.js';
export { INSERTABLE_TABLES, type InsertableTable, SCHEMA_STATEMENTS } from './schema.js';
export { openWarehouse, type Warehouse, type WarehouseConfig } from './warehouse.js';
export { WAREHOUSE_ERRORS, WarehouseError, type WarehouseErrorCode } from './warehouse-error.js';
