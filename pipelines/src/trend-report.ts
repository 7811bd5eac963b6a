import { BUILT_IN_ROLES, isBuiltInRole } from '@keel/core';
import { dailyTotals, type Warehouse } from '@keel/warehouse';
import { type Kysely, sql } from 'kysely';
import type { PipelinesDatabase } from './pipelines-database.js';
import { addDays, daysBetween, type ReportPeriod } from './report-period.js';

/** Period totals, integer minor units. `cost` and `margin` are null for readers without costs.view. */
export interface PeriodTotals {
  revenue: number;
  tickets: number;
  lines: number;
  cost: number | null;
  margin: number | null;
}

export interface Mover {
  productId: number;
  sku: string;
  revenue: number;
  previous: number;
  change: number;
}

export interface StockAtRisk {
  productId: number;
  sku: string;
  name: string;
  onHandMilli: number;
  soldPerDayMilli: number;
  /** Days the stock lasts at this period's pace; 0 when none is left. */
  daysOfCover: number;
}

export interface Anomaly {
  day: string;
  revenue: number;
  expected: number;
}

export interface TrendReport {
  period: ReportPeriod;
  storeId: number | null;
  scopeName: string;
  currency: string;
  showCosts: boolean;
  current: PeriodTotals;
  previous: PeriodTotals;
  daily: { day: string; revenue: number; previousRevenue: number }[];
  topMovers: Mover[];
  bottomMovers: Mover[];
  stockAtRisk: StockAtRisk[];
  /** Revenue forecast for the 7 days after the period: each weekday's mean over the last 4 weeks. */
  forecastNextWeek: number;
  anomalies: Anomaly[];
}

export interface ReportReader {
  readonly role: string;
  /** null: every store (chain). */
  readonly storeId: number | null;
}

/** Whether this role may see costs and margins: built-in roles by their permissions; others may not. */
export function roleSeesCosts(role: string): boolean {
  return isBuiltInRole(role) && BUILT_IN_ROLES[role].permissions.includes('costs.view');
}

/** Compute a trend report from the warehouse (sales figures) and PostgreSQL (stock, names). */
export async function buildTrendReport(
  wh: Warehouse,
  db: Kysely<PipelinesDatabase>,
  period: ReportPeriod,
  reader: ReportReader,
  currency: string,
): Promise<TrendReport> {
  const storeId = reader.storeId ?? undefined;
  const showCosts = roleSeesCosts(reader.role);
  const windowFrom = addDays(period.to, -27);
  const historyFrom = [windowFrom, period.previousFrom].sort()[0] as string;
  const rows = await dailyTotals(wh, { from: historyFrom, to: period.to, storeId });
  const byDay = new Map<string, { revenue: number; tickets: number; lines: number; cost: number; net: number }>();
  for (const r of rows) {
    const d = byDay.get(r.day) ?? { revenue: 0, tickets: 0, lines: 0, cost: 0, net: 0 };
    d.revenue += r.revenue;
    d.tickets += r.tickets;
    d.lines += r.lines;
    d.cost += r.cost;
    d.net += r.net;
    byDay.set(r.day, d);
  }
  const totals = (from: string, to: string): PeriodTotals => {
    let revenue = 0;
    let tickets = 0;
    let lines = 0;
    let cost = 0;
    let net = 0;
    for (const day of daysBetween(from, to)) {
      const d = byDay.get(day);
      if (!d) continue;
      revenue += d.revenue;
      tickets += d.tickets;
      lines += d.lines;
      cost += d.cost;
      net += d.net;
    }
    return { revenue, tickets, lines, cost: showCosts ? cost : null, margin: showCosts ? net - cost : null };
  };
  const currentDays = daysBetween(period.from, period.to);
  const previousDays = daysBetween(period.previousFrom, period.previousTo);
  const daily = currentDays.map((day, i) => ({
    day,
    revenue: byDay.get(day)?.revenue ?? 0,
    previousRevenue: byDay.get(previousDays[i] ?? '')?.revenue ?? 0,
  }));

  // Forecast and anomalies from the 28 days that end with the period.
  const window = daysBetween(addDays(period.to, -27), period.to).map((day) => ({ day, revenue: byDay.get(day)?.revenue ?? 0 }));
  const weekdayMean = (weekday: number) => {
    const same = window.filter((d) => new Date(`${d.day}T00:00:00Z`).getUTCDay() === weekday);
    return same.length === 0 ? 0 : same.reduce((s, d) => s + d.revenue, 0) / same.length;
  };
  let forecastNextWeek = 0;
  for (let i = 1; i <= 7; i++) forecastNextWeek += weekdayMean(new Date(`${addDays(period.to, i)}T00:00:00Z`).getUTCDay());
  const mean = window.reduce((s, d) => s + d.revenue, 0) / window.length;
  const sd = Math.sqrt(window.reduce((s, d) => s + (d.revenue - mean) ** 2, 0) / window.length);
  const anomalies =
    sd === 0 ? [] : daily.filter((d) => Math.abs(d.revenue - mean) > 2 * sd).map((d) => ({ day: d.day, revenue: d.revenue, expected: Math.round(mean) }));

  const movers = await productMovers(wh, period, storeId);
  const rising = movers.filter((m) => m.change > 0).sort((a, b) => b.change - a.change || a.productId - b.productId);
  const falling = movers.filter((m) => m.change < 0).sort((a, b) => a.change - b.change || a.productId - b.productId);

  const scopeName =
    reader.storeId === null
      ? 'All stores'
      : ((await db.selectFrom('stores').select('name').where('id', '=', reader.storeId).executeTakeFirst())?.name ?? `Store ${reader.storeId}`);

  return {
    period,
    storeId: reader.storeId,
    scopeName,
    currency,
    showCosts,
    current: totals(period.from, period.to),
    previous: totals(period.previousFrom, period.previousTo),
    daily,
    topMovers: rising.slice(0, 5),
    bottomMovers: falling.slice(0, 5),
    stockAtRisk: await stockAtRisk(db, movers, period, reader.storeId),
    forecastNextWeek: Math.round(forecastNextWeek),
    anomalies,
  };
}

async function productMovers(wh: Warehouse, period: ReportPeriod, storeId: number | undefined): Promise<(Mover & { soldMilli: number })[]> {
  const store = storeId === undefined ? '' : ' AND store_id = {store:UInt32}';
  return wh.query<Mover & { soldMilli: number }>(
    `SELECT product_id AS productId, any(sku) AS sku,
  sumIf(total, business_day >= {from:Date}) AS revenue,
  sumIf(total, business_day <= {pto:Date}) AS previous,
  revenue - previous AS change,
  sumIf(quantity_milli, business_day >= {from:Date}) AS soldMilli
FROM sale_lines
WHERE business_day BETWEEN {pfrom:Date} AND {to:Date}${store}
GROUP BY product_id`,
    { from: period.from, to: period.to, pfrom: period.previousFrom, pto: period.previousTo, ...(storeId === undefined ? {} : { store: storeId }) },
  );
}

/** Products selling in the period whose stock on hand lasts less than 7 days at the period's pace. */
async function stockAtRisk(
  db: Kysely<PipelinesDatabase>,
  movers: readonly (Mover & { soldMilli: number })[],
  period: ReportPeriod,
  storeId: number | null,
): Promise<StockAtRisk[]> {
  const selling = movers.filter((m) => m.soldMilli > 0);
  if (selling.length === 0) return [];
  const ids = selling.map((m) => m.productId);
  const { rows } = await sql<{ id: number; sku: string; name: string; onHand: number }>`
    SELECT p.id, p.sku, p.name, COALESCE(sum(m.quantity_milli), 0)::bigint AS "onHand"
    FROM products p LEFT JOIN stock_movements m ON m.product_id = p.id AND (${storeId}::integer IS NULL OR m.store_id = ${storeId}::integer)
    WHERE p.id = ANY(${ids}::bigint[])
    GROUP BY p.id, p.sku, p.name`.execute(db);
  const sold = new Map(selling.map((m) => [m.productId, m.soldMilli]));
  return rows
    .map((r) => {
      const perDay = Math.round((sold.get(Number(r.id)) ?? 0) / period.days);
      const onHand = Number(r.onHand);
      return {
        productId: Number(r.id),
        sku: r.sku,
        name: r.name,
        onHandMilli: onHand,
        soldPerDayMilli: perDay,
        daysOfCover: onHand <= 0 || perDay <= 0 ? 0 : Math.floor((onHand / perDay) * 10) / 10,
      };
    })
    .filter((r) => r.daysOfCover < 7)
    .sort((a, b) => a.daysOfCover - b.daysOfCover || b.soldPerDayMilli - a.soldPerDayMilli)
    .slice(0, 5);
}
