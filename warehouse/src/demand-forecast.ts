import { addDays, daysOf } from './analytics-queries.js';
import { type HoltWintersForecast, holtWinters } from './holt-winters.js';
import type { Warehouse } from './warehouse.js';
import { WarehouseError } from './warehouse-error.js';

export type DemandMeasure = 'revenue' | 'items';

export interface DemandFilter {
  /** Last day of history (inclusive); the forecast starts the day after. */
  readonly through: string;
  /** Days of history to fit on (at least 15). */
  readonly historyDays: number;
  readonly horizon: number;
  readonly storeId?: number | undefined;
  readonly productId?: number | undefined;
  readonly categoryId?: number | undefined;
  readonly measure: DemandMeasure;
}

export interface DemandForecast {
  readonly measure: DemandMeasure;
  /** History: days and actuals (revenue in minor units, items in milli-units). */
  readonly day: string[];
  readonly actual: number[];
  /** Forecast: the next `horizon` days, mean and ~95% interval. */
  readonly forecastDay: string[];
  readonly mean: number[];
  readonly lower: number[];
  readonly upper: number[];
  readonly model: HoltWintersForecast['params'];
}

/** Daily actuals of a store / product / category from the views, zero-filled. */
export async function dailyDemand(wh: Warehouse, f: Omit<DemandFilter, 'horizon'>): Promise<{ day: string[]; actual: number[] }> {
  if (!Number.isInteger(f.historyDays) || f.historyDays < 15 || f.historyDays > 1100)
    throw new WarehouseError('WAREHOUSE_BAD_ARGUMENT', 'historyDays must be 15..1100');
  const from = addDays(f.through, -(f.historyDays - 1));
  const table = f.productId !== undefined ? 'sales_product_day' : f.categoryId !== undefined ? 'sales_category_day' : 'sales_store_day';
  const where = [
    'business_day BETWEEN {from:Date} AND {to:Date}',
    ...(f.storeId !== undefined ? ['store_id = {store:UInt32}'] : []),
    ...(f.productId !== undefined ? ['product_id = {product:UInt64}'] : []),
    ...(f.categoryId !== undefined ? ['category_id = {category:UInt32}'] : []),
  ].join(' AND ');
  const rows = await wh.query<{ day: string; v: number }>(
    `SELECT business_day AS day, ${f.measure === 'revenue' ? 'sum(revenue)' : 'sum(items_milli)'} AS v FROM ${table} WHERE ${where} GROUP BY day`,
    {
      from,
      to: f.through,
      ...(f.storeId !== undefined ? { store: f.storeId } : {}),
      ...(f.productId !== undefined ? { product: f.productId } : {}),
      ...(f.categoryId !== undefined ? { category: f.categoryId } : {}),
    },
  );
  const at = new Map(rows.map((r) => [r.day, r.v]));
  const day = daysOf(from, f.through);
  return { day, actual: day.map((d) => at.get(d) ?? 0) };
}

/** Fit Holt-Winters (weekly season) on the history and forecast the next `horizon` days. */
export async function demandForecast(wh: Warehouse, f: DemandFilter): Promise<DemandForecast> {
  if (!Number.isInteger(f.horizon) || f.horizon < 1 || f.horizon > 90) throw new WarehouseError('WAREHOUSE_BAD_ARGUMENT', 'horizon must be 1..90 days');
  const history = await dailyDemand(wh, f);
  const fc = holtWinters(history.actual, f.horizon, { period: 7 });
  return {
    measure: f.measure,
    day: history.day,
    actual: history.actual,
    forecastDay: Array.from({ length: f.horizon }, (_, i) => addDays(f.through, i + 1)),
    mean: fc.mean.map(Math.round),
    lower: fc.lower.map(Math.round),
    upper: fc.upper.map(Math.round),
    model: fc.params,
  };
}

export interface ReorderInput {
  /** Forecast daily demand (mean and upper bound), starting tomorrow. */
  readonly mean: readonly number[];
  readonly upper: readonly number[];
  readonly onHand: number;
  readonly leadTimeDays: number;
  /** Days until the order after this one (default 7). */
  readonly reviewDays?: number;
}

export interface ReorderSuggestion {
  /** Units to order now (0 when stock covers lead time and review period). */
  readonly order: number;
  /** Demand expected until the next order arrives, with safety stock from the interval. */
  readonly needed: number;
  /** Days the stock on hand lasts at the forecast rate (Infinity with no demand). */
  readonly daysOfCover: number;
  /** Stock runs out before a new order could arrive. */
  readonly atRisk: boolean;
}

/**
 * Order-up-to rule: cover forecast demand over lead time + review period, plus safety stock
 * (the gap between the interval's upper bound and the mean over the lead time).
 */
export function reorderSuggestion(input: ReorderInput): ReorderSuggestion {
  const cover = input.leadTimeDays + (input.reviewDays ?? 7);
  const sum = (xs: readonly number[], n: number) => xs.slice(0, n).reduce((s, v) => s + v, 0);
  const expected = sum(input.mean, cover);
  const safety = Math.max(0, sum(input.upper, input.leadTimeDays) - sum(input.mean, input.leadTimeDays));
  const needed = Math.ceil(expected + safety);
  let left = input.onHand;
  let daysOfCover = Number.POSITIVE_INFINITY;
  for (let d = 0; d < input.mean.length; d++) {
    left -= input.mean[d] as number;
    if (left < 0) {
      daysOfCover = d;
      break;
    }
  }
  if (daysOfCover === Number.POSITIVE_INFINITY && input.mean.length > 0) {
    const rate = sum(input.mean, input.mean.length) / input.mean.length;
    if (rate > 0) daysOfCover = Math.max(input.mean.length, Math.floor(input.onHand / rate));
  }
  return { order: Math.max(0, needed - Math.max(0, input.onHand)), needed, daysOfCover, atRisk: daysOfCover < input.leadTimeDays };
}

export type ForecastAlert = { level: 'above' | 'below'; actual: number; lower: number; upper: number } | null;

/**
 * Today's actual against today's forecast interval, scaled to the share of the day's trade done
 * by now (`dayShareDone`, 0..1, from the usual hourly profile): far outside means outside the interval.
 */
export function forecastAlert(actualSoFar: number, todayLower: number, todayUpper: number, dayShareDone: number): ForecastAlert {
  const share = Math.min(1, Math.max(0, dayShareDone));
  if (share < 0.2) return null; // too early in the day to tell
  const lower = todayLower * share;
  const upper = todayUpper * share;
  if (actualSoFar > upper) return { level: 'above', actual: actualSoFar, lower: Math.round(lower), upper: Math.round(upper) };
  if (actualSoFar < lower) return { level: 'below', actual: actualSoFar, lower: Math.round(lower), upper: Math.round(upper) };
  return null;
}
