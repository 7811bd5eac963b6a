import type { Warehouse } from './warehouse.js';
import { WarehouseError } from './warehouse-error.js';

/** Figures of one business day (one store, or all when storeId is absent); integer minor units. */
export interface SalesSummary {
  revenue: number;
  net: number;
  tax: number;
  discount: number;
  cost: number;
  /** net - cost */
  margin: number;
  tickets: number;
  lines: number;
  itemsMilli: number;
}

/** Hour-of-day series in columns for uPlot: 24 entries each, hours 0..23, zero where nothing sold. */
export interface HourlySales {
  hour: number[];
  revenue: number[];
  tickets: number[];
  margin: number[];
}

export interface DailyTotal {
  storeId: number;
  day: string;
  revenue: number;
  net: number;
  tax: number;
  discount: number;
  cost: number;
  lines: number;
  tickets: number;
}

export interface DayFilter {
  day: string;
  storeId?: number | undefined;
}

export interface DayRangeFilter {
  from: string;
  to: string;
  storeId?: number | undefined;
}

// The optional store filter is one of two fixed SQL fragments; its value is always a bound parameter.
const storeFilter = (storeId: number | undefined): string => (storeId === undefined ? '' : ' AND store_id = {store:UInt32}');

export async function salesSummary(wh: Warehouse, filter: DayFilter): Promise<SalesSummary> {
  const params = { day: checkDay(filter.day), ...storeParam(filter.storeId) };
  const [row] = await wh.query<Omit<SalesSummary, 'margin'>>(
    `SELECT sum(revenue) AS revenue, sum(net) AS net, sum(tax) AS tax, sum(discount) AS discount, sum(cost) AS cost,
  sum(tickets) AS tickets, sum(lines) AS lines, sum(items_milli) AS itemsMilli
FROM sales_store_hour
WHERE business_day = {day:Date}${storeFilter(filter.storeId)}`,
    params,
  );
  const s = row ?? { revenue: 0, net: 0, tax: 0, discount: 0, cost: 0, tickets: 0, lines: 0, itemsMilli: 0 };
  return { ...s, margin: s.net - s.cost };
}

export async function hourlySales(wh: Warehouse, filter: DayFilter): Promise<HourlySales> {
  const params = { day: checkDay(filter.day), ...storeParam(filter.storeId) };
  const rows = await wh.query<{ hour: number; revenue: number; tickets: number; margin: number }>(
    `SELECT business_hour AS hour, sum(revenue) AS revenue, sum(tickets) AS tickets, sum(net) - sum(cost) AS margin
FROM sales_store_hour
WHERE business_day = {day:Date}${storeFilter(filter.storeId)}
GROUP BY business_hour`,
    params,
  );
  const series: HourlySales = {
    hour: Array.from({ length: 24 }, (_, h) => h),
    revenue: new Array<number>(24).fill(0),
    tickets: new Array<number>(24).fill(0),
    margin: new Array<number>(24).fill(0),
  };
  for (const r of rows) {
    if (r.hour < 0 || r.hour > 23) continue;
    series.revenue[r.hour] = r.revenue;
    series.tickets[r.hour] = r.tickets;
    series.margin[r.hour] = r.margin;
  }
  return series;
}

/** Per store and business day from the `sales_store_day` view, ordered by store, day. */
export async function dailyTotals(wh: Warehouse, filter: DayRangeFilter): Promise<DailyTotal[]> {
  return wh.query<DailyTotal>(
    `SELECT store_id AS storeId, business_day AS day, sum(revenue) AS revenue, sum(net) AS net, sum(tax) AS tax,
  sum(discount) AS discount, sum(cost) AS cost, sum(lines) AS lines, sum(tickets) AS tickets
FROM sales_store_day
WHERE business_day BETWEEN {from:Date} AND {to:Date}${storeFilter(filter.storeId)}
GROUP BY store_id, business_day
ORDER BY store_id, business_day`,
    rangeParams(filter),
  );
}

/**
 * The same figures as {@link dailyTotals}, computed from `sale_lines` directly (tickets as distinct
 * sales): proves the views equal the raw data. Scans the lines, so keep it to reconciliation.
 */
export async function rawDailyTotals(wh: Warehouse, filter: DayRangeFilter): Promise<DailyTotal[]> {
  return wh.query<DailyTotal>(
    `SELECT store_id AS storeId, business_day AS day, sum(total) AS revenue, sum(net) AS net, sum(tax) AS tax,
  sum(discount) AS discount, sum(cost) AS cost, count() AS lines, uniqExact(sale_id) AS tickets
FROM sale_lines
WHERE business_day BETWEEN {from:Date} AND {to:Date}${storeFilter(filter.storeId)}
GROUP BY store_id, business_day
ORDER BY store_id, business_day`,
    rangeParams(filter),
  );
}

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;

function checkDay(day: string): string {
  if (!DAY_RE.test(day)) throw new WarehouseError('WAREHOUSE_BAD_ARGUMENT', `day must be YYYY-MM-DD, got ${JSON.stringify(day)}`);
  return day;
}

function storeParam(storeId: number | undefined): { store?: number } {
  if (storeId === undefined) return {};
  if (!Number.isInteger(storeId) || storeId < 0 || storeId > 0xffff_ffff) {
    throw new WarehouseError('WAREHOUSE_BAD_ARGUMENT', `storeId must be a UInt32, got ${String(storeId)}`);
  }
  return { store: storeId };
}

function rangeParams(filter: DayRangeFilter): Record<string, unknown> {
  return { from: checkDay(filter.from), to: checkDay(filter.to), ...storeParam(filter.storeId) };
}
