import { forgetKept, keptResult } from './kept-result.js';
import type { Warehouse } from './warehouse.js';
import { WarehouseError } from './warehouse-error.js';

/**
 * The dashboards' questions, each answerable from a view (`source: 'view'`, what the API uses)
 * or from the raw `sale_lines` / `sale_tenders` (`'raw'`, for reconciliation and the bench's
 * speedup figure). Every series comes back as columns, ready for uPlot; amounts in minor units.
 * SQL fragments are fixed strings; every value is a bound parameter.
 */
export type Source = 'view' | 'raw';

export interface RangeFilter {
  from: string;
  to: string;
  storeId?: number | undefined;
}

export interface TrendFilter extends RangeFilter {
  /** Only this category (`sales_category_day`); 0 = uncategorised. */
  categoryId?: number | undefined;
}

export interface DailyTrend {
  day: string[];
  revenue: number[];
  net: number[];
  discount: number[];
  cost: number[];
  /** net - cost (net is after discounts, before tax) */
  margin: number[];
  tickets: number[];
  lines: number[];
  itemsMilli: number[];
}

export interface Heatmap {
  /** ISO weekday of each row: 1 = Monday .. 7 = Sunday. */
  weekday: number[];
  hour: number[];
  /** revenue[weekday - 1][hour] */
  revenue: number[][];
  tickets: number[][];
}

export interface Ranking {
  key: (number | string)[];
  revenue: number[];
  margin: number[];
  tickets: number[];
  itemsMilli: number[];
}

export interface TenderMix {
  kind: string[];
  tenders: number[];
  amount: number[];
}

export type RankBy = 'revenue' | 'margin' | 'items';

const MEASURES = `sum(revenue) AS revenue, sum(net) AS net, sum(discount) AS discount, sum(cost) AS cost,
  sum(tickets) AS tickets, sum(lines) AS lines, sum(items_milli) AS itemsMilli`;
const RAW_MEASURES = `sum(total) AS revenue, sum(net) AS net, sum(discount) AS discount, sum(cost) AS cost,
  countIf(line_no = 1) AS tickets, count() AS lines, sum(quantity_milli) AS itemsMilli`;
const RANGE = 'business_day BETWEEN {from:Date} AND {to:Date}';
const storeFilter = (storeId: number | undefined) => (storeId === undefined ? '' : ' AND store_id = {store:UInt32}');

type Row = { revenue: number; net: number; discount: number; cost: number; tickets: number; lines: number; itemsMilli: number };

/** Per business day of the range (every day present, zero where nothing sold). */
export async function dailyTrend(wh: Warehouse, f: TrendFilter, source: Source = 'view'): Promise<DailyTrend> {
  const byCategory = f.categoryId !== undefined;
  if (byCategory && (!Number.isInteger(f.categoryId) || (f.categoryId as number) < 0 || (f.categoryId as number) > 0xffff_ffff)) {
    throw new WarehouseError('WAREHOUSE_BAD_ARGUMENT', `categoryId must be a UInt32, got ${String(f.categoryId)}`);
  }
  const table = source === 'raw' ? 'sale_lines' : byCategory ? 'sales_category_day' : 'sales_store_day';
  const rows = await wh.query<Row & { day: string }>(
    `SELECT business_day AS day, ${source === 'view' ? MEASURES : RAW_MEASURES}
FROM ${table}
WHERE ${RANGE}${storeFilter(f.storeId)}${byCategory ? ' AND category_id = {category:UInt32}' : ''}
GROUP BY business_day ORDER BY business_day`,
    { ...params(f), ...(byCategory ? { category: f.categoryId } : {}) },
  );
  const days = daysOf(f.from, f.to);
  const at = new Map(rows.map((r) => [r.day, r]));
  const col = (k: keyof Row) => days.map((d) => at.get(d)?.[k] ?? 0);
  const net = col('net');
  const cost = col('cost');
  return {
    day: days,
    revenue: col('revenue'),
    net,
    discount: col('discount'),
    cost,
    margin: net.map((n, i) => n - (cost[i] ?? 0)),
    tickets: col('tickets'),
    lines: col('lines'),
    itemsMilli: col('itemsMilli'),
  };
}

/** Revenue and tickets by weekday x hour of day over the range. */
export async function weekdayHourHeatmap(wh: Warehouse, f: RangeFilter, source: Source = 'view'): Promise<Heatmap> {
  const rows = await wh.query<{ wd: number; hour: number; revenue: number; tickets: number }>(
    source === 'view'
      ? `SELECT toDayOfWeek(business_day) AS wd, business_hour AS hour, sum(revenue) AS revenue, sum(tickets) AS tickets
FROM sales_store_hour WHERE ${RANGE}${storeFilter(f.storeId)} GROUP BY wd, hour`
      : `SELECT toDayOfWeek(business_day) AS wd, business_hour AS hour, sum(total) AS revenue, countIf(line_no = 1) AS tickets
FROM sale_lines WHERE ${RANGE}${storeFilter(f.storeId)} GROUP BY wd, hour`,
    params(f),
  );
  const grid = () => Array.from({ length: 7 }, () => new Array<number>(24).fill(0));
  const out: Heatmap = { weekday: [1, 2, 3, 4, 5, 6, 7], hour: Array.from({ length: 24 }, (_, h) => h), revenue: grid(), tickets: grid() };
  for (const r of rows) {
    const rev = out.revenue[r.wd - 1];
    const tic = out.tickets[r.wd - 1];
    if (!rev || !tic || r.hour < 0 || r.hour > 23) continue;
    rev[r.hour] = r.revenue;
    tic[r.hour] = r.tickets;
  }
  return out;
}

const RANK_KEYS = {
  product: { view: 'sales_product_day', column: 'product_id' },
  category: { view: 'sales_category_day', column: 'category_id' },
  cashier: { view: 'sales_cashier_day', column: 'cashier_id' },
} as const;

export type RankDimension = keyof typeof RANK_KEYS;

export interface RankOptions {
  by: RankBy;
  /** 'top' = largest first; 'bottom' = smallest first (among those that sold in the range). */
  order: 'top' | 'bottom';
  limit: number;
  /**
   * Products: reuse the whole weeks' totals kept from an earlier request while no data for those
   * weeks changed (default); false sums them again (the bench's figure for a first request).
   */
  reuse?: boolean;
}

const ORDER_EXPR: Record<RankBy, string> = { revenue: 'revenue', margin: 'margin', items: 'itemsMilli' };

/** Products, categories or cashiers ranked over the range; `all` (limit 0) returns every key. */
export async function ranking(wh: Warehouse, dim: RankDimension, f: RangeFilter, opts: RankOptions, source: Source = 'view'): Promise<Ranking> {
  const { view, column } = RANK_KEYS[dim];
  if (!(opts.by in ORDER_EXPR)) throw new WarehouseError('WAREHOUSE_BAD_ARGUMENT', `cannot rank by ${String(opts.by)}`);
  if (!Number.isInteger(opts.limit) || opts.limit < 0 || opts.limit > 10_000) throw new WarehouseError('WAREHOUSE_BAD_ARGUMENT', 'limit must be 0..10000');
  const measures =
    source === 'view'
      ? 'sum(revenue) AS revenue, sum(net) - sum(cost) AS margin, sum(tickets) AS tickets, sum(items_milli) AS itemsMilli'
      : 'sum(total) AS revenue, sum(net) - sum(cost) AS margin, countIf(line_no = 1) AS tickets, sum(quantity_milli) AS itemsMilli';
  const dir = opts.order === 'top' ? 'DESC' : 'ASC';
  const range = params(f); // checks the days before anything reads them
  const weeks = dim === 'product' && source === 'view' ? fullWeeks(f) : undefined;
  const rank = (from: string, weekParams: Record<string, unknown> = {}) =>
    wh.query<RankRow>(
      `SELECT ${column} AS key, ${measures}
FROM ${from}
GROUP BY key
ORDER BY ${ORDER_EXPR[opts.by]} ${dir}, key ASC${opts.limit > 0 ? '\nLIMIT {limit:UInt32}' : ''}`,
      { ...range, ...weekParams, ...(opts.limit > 0 ? { limit: opts.limit } : {}) },
    );
  const plain = () => rank(`${source === 'view' ? view : 'sale_lines'}\nWHERE ${RANGE}${storeFilter(f.storeId)}`);
  if (!weeks) return columns(await plain());
  // Products: the range's whole weeks (chain-wide from the week projection), kept between
  // requests, and the days around them (chain-wide from the day projection).
  const store = storeFilter(f.storeId);
  const wholeWeeks = `SELECT product_id, ${PRODUCT_SUMS} FROM ${view}
  WHERE ${f.storeId === undefined ? 'toMonday(business_day) BETWEEN {weekFrom:Date} AND {weekTo:Date}' : 'business_day BETWEEN {weekFrom:Date} AND {weekEnd:Date}'}${store} GROUP BY product_id`;
  const edgeDays = `SELECT product_id, ${PRODUCT_SUMS} FROM ${view}
  WHERE ${RANGE}${store} AND NOT (business_day BETWEEN {weekFrom:Date} AND {weekEnd:Date}) GROUP BY product_id`;
  let rows: RankRow[] | undefined;
  if (opts.reuse !== false) {
    const key = `weeks:${f.storeId ?? 'chain'}:${weeks.weekFrom}:${weeks.weekTo}`;
    const kept = await keptResult(wh, {
      key,
      select: wholeWeeks,
      params: { ...weeks, ...(f.storeId === undefined ? {} : { store: f.storeId }) },
      source: view,
      from: weeks.weekFrom,
      to: weeks.weekEnd,
    }).catch(
      () => undefined, // not kept (the warehouse refused the memory table): sum the weeks below
    );
    if (kept) {
      rows = await rank(`(\n  SELECT * FROM ${kept}\n  UNION ALL\n  ${edgeDays}\n)`, weeks).catch(() => {
        forgetKept(wh, key, kept); // dropped under this query by a newer result: sum the weeks below
        return undefined;
      });
    }
  }
  // One store's rows need no split when summed here: its days are read as they are.
  rows ??= f.storeId === undefined ? await rank(`(\n  ${wholeWeeks}\n  UNION ALL\n  ${edgeDays}\n)`, weeks) : await plain();
  return columns(rows);
}

type RankRow = { key: number | string; revenue: number; margin: number; tickets: number; itemsMilli: number };

function columns(rows: readonly RankRow[]): Ranking {
  return {
    key: rows.map((r) => r.key),
    revenue: rows.map((r) => r.revenue),
    margin: rows.map((r) => r.margin),
    tickets: rows.map((r) => r.tickets),
    itemsMilli: rows.map((r) => r.itemsMilli),
  };
}

/** A product subquery's columns: the view's names, so the outer query sums them as it sums the view. */
const PRODUCT_SUMS = 'sum(revenue) AS revenue, sum(net) AS net, sum(cost) AS cost, sum(tickets) AS tickets, sum(items_milli) AS items_milli';

/**
 * The whole ISO weeks (Monday to Sunday) inside the range: the Monday of the first and of the last,
 * and that last Sunday; undefined when the range holds no whole week.
 */
export function fullWeeks(f: RangeFilter): { weekFrom: string; weekTo: string; weekEnd: string } | undefined {
  const weekday = (day: string) => (new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7; // Monday 0
  const weekFrom = addDays(f.from, (7 - weekday(f.from)) % 7);
  const weekEnd = addDays(f.to, -((weekday(f.to) + 1) % 7));
  if (weekEnd < addDays(weekFrom, 6)) return undefined;
  return { weekFrom, weekTo: addDays(weekEnd, -6), weekEnd };
}

/** Payments by tender kind over the range, largest amount first. */
export async function tenderMix(wh: Warehouse, f: RangeFilter, source: Source = 'view'): Promise<TenderMix> {
  const rows = await wh.query<{ kind: string; tenders: number; amount: number }>(
    source === 'view'
      ? `SELECT kind, sum(tenders) AS tenders, sum(amount) AS amount FROM tenders_store_day
WHERE ${RANGE}${storeFilter(f.storeId)} GROUP BY kind ORDER BY amount DESC, kind`
      : `SELECT kind, count() AS tenders, sum(amount) AS amount FROM sale_tenders
WHERE ${RANGE}${storeFilter(f.storeId)} GROUP BY kind ORDER BY amount DESC, kind`,
    params(f),
  );
  return { kind: rows.map((r) => r.kind), tenders: rows.map((r) => r.tenders), amount: rows.map((r) => r.amount) };
}

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;
/** The longest range a dashboard asks for in one call (about five years). */
export const MAX_RANGE_DAYS = 1900;

/** Every day from `from` to `to` inclusive, as YYYY-MM-DD. */
export function daysOf(from: string, to: string): string[] {
  const a = Date.parse(`${from}T00:00:00Z`);
  const b = Date.parse(`${to}T00:00:00Z`);
  const out: string[] = [];
  for (let t = a; t <= b; t += DAY_MS) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

/** A day shifted by `n` days (negative for earlier). */
export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

function params(f: RangeFilter): Record<string, unknown> {
  for (const d of [f.from, f.to]) {
    if (!DAY_RE.test(d) || Number.isNaN(Date.parse(`${d}T00:00:00Z`))) {
      throw new WarehouseError('WAREHOUSE_BAD_ARGUMENT', `day must be YYYY-MM-DD, got ${JSON.stringify(d)}`);
    }
  }
  const span = (Date.parse(f.to) - Date.parse(f.from)) / DAY_MS;
  if (span < 0 || span > MAX_RANGE_DAYS)
    throw new WarehouseError('WAREHOUSE_BAD_ARGUMENT', `the range must run forward and span at most ${MAX_RANGE_DAYS} days`);
  if (f.storeId !== undefined && (!Number.isInteger(f.storeId) || f.storeId < 0 || f.storeId > 0xffff_ffff)) {
    throw new WarehouseError('WAREHOUSE_BAD_ARGUMENT', `storeId must be a UInt32, got ${String(f.storeId)}`);
  }
  return { from: f.from, to: f.to, ...(f.storeId === undefined ? {} : { store: f.storeId }) };
}
