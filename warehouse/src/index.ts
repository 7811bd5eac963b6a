export { AGGREGATE_VIEWS, type AggregateView, repairAggregates } from './aggregate-views.js';
export { type AnalystLimits, DEFAULT_ANALYST_LIMITS, type PreparedQuery, prepareAnalystQuery } from './analyst-query.js';
export { type AnalystAccess, type AnalystCredentials, type AnalystServer, type AnalystServerOptions, startAnalystServer } from './analyst-server.js';
export {
  addDays,
  type DailyTrend,
  dailyTrend,
  daysOf,
  fullWeeks,
  type Heatmap,
  MAX_RANGE_DAYS,
  type RangeFilter,
  type RankBy,
  type RankDimension,
  type Ranking,
  type RankOptions,
  ranking,
  type Source,
  type TenderMix,
  type TrendFilter,
  tenderMix,
  weekdayHourHeatmap,
} from './analytics-queries.js';
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
export {
  type DemandFilter,
  type DemandForecast,
  type DemandMeasure,
  dailyDemand,
  demandForecast,
  type ForecastAlert,
  forecastAlert,
  type ReorderInput,
  type ReorderSuggestion,
  reorderSuggestion,
} from './demand-forecast.js';
export { DEMO_WEEKLY, type DemoHistoryOptions, type DemoHistoryResult, demoQuotas, loadDemoHistory } from './demo-history.js';
export { type BacktestOptions, type BacktestResult, backtest, type ErrorFigures, errors } from './forecast-backtest.js';
export { type ForecastOptions, type HoltWintersForecast, type HoltWintersParams, holtWinters, seasonalNaive } from './holt-winters.js';
export { recoverUnfinishedLoads } from './load-ledger.js';
export { type SaleLineRow, type SaleTenderRow, saleLineRows, saleTenderRows } from './sale-line-row.js';
export { loadSaleEvents, type SaleLoadResult, saleBatchToken } from './sale-loader.js';
export { INSERTABLE_TABLES, type InsertableTable, SCHEMA_STATEMENTS } from './schema.js';
export { type DemandShape, syntheticDemand } from './synthetic-demand.js';
export { openWarehouse, type Warehouse, type WarehouseConfig } from './warehouse.js';
export { WAREHOUSE_ERRORS, WarehouseError, type WarehouseErrorCode } from './warehouse-error.js';
