import { seededRandom } from '@keel/core';
import { addDays } from './analytics-queries.js';
import type { Warehouse } from './warehouse.js';

/**
 * Realistic multi-store sales history written straight into the warehouse in bulk: the ClickHouse
 * engine generates the lines itself (`INSERT ... SELECT`), so the load runs at engine speed and
 * goes through every materialized view, as loaded events do. Each (store, day) gets a number of
 * lines from store size x trend x weekday x promotions x noise; products are skewed (a few sell
 * a lot), prices and costs are fixed per product, promotion days carry discounts.
 */
export interface DemoHistoryOptions {
  readonly lines: number;
  readonly stores: number;
  readonly products: number;
  readonly days: number;
  /** Last day of history, YYYY-MM-DD. */
  readonly endDay: string;
  readonly seed: number;
  /** Relative growth per day (default 0.0008: about +34% a year). */
  readonly trendPerDay?: number;
  /** Days per INSERT (default 7). */
  readonly daysPerBatch?: number;
  /** Called after each batch with lines inserted so far. */
  readonly onProgress?: (linesSoFar: number) => void;
  /** Stop after the batch during which this returns true (time budgets). */
  readonly shouldStop?: () => boolean;
}

/** Weekday multipliers, Monday first: busier at the end of the week. */
export const DEMO_WEEKLY = [0.8, 0.85, 0.9, 1.0, 1.25, 1.6, 0.6] as const;

export interface DemoHistoryResult {
  readonly lines: number;
  readonly sales: number;
  readonly firstDay: string;
  readonly lastDay: string;
  readonly seconds: number;
}

/** Lines of every (store, day), in store-major order, summing to `lines`. */
export function demoQuotas(o: DemoHistoryOptions): { firstDay: string; quota: number[][]; promo: boolean[] } {
  const rnd = seededRandom(o.seed);
  const firstDay = addDays(o.endDay, -(o.days - 1));
  const firstDow = (new Date(`${firstDay}T00:00:00Z`).getUTCDay() + 6) % 7;
  const promo = Array.from({ length: o.days }, () => rnd() < 0.04);
  const size = Array.from({ length: o.stores }, () => 0.5 + rnd());
  const trend = o.trendPerDay ?? 0.0008;
  const weights = size.map((s) =>
    promo.map((p, d) => s * (1 + trend * d) * (DEMO_WEEKLY[(firstDow + d) % 7] as number) * (p ? 1.5 : 1) * Math.max(0.3, 1 + 0.1 * gauss(rnd))),
  );
  const total = weights.flat().reduce((a, b) => a + b, 0);
  let assigned = 0;
  const quota = weights.map((row) =>
    row.map((w) => {
      const q = Math.floor((w / total) * o.lines);
      assigned += q;
      return q;
    }),
  );
  // Hand the rounding remainder to the busiest store's last day.
  const last = quota[0] as number[];
  last[o.days - 1] = (last[o.days - 1] as number) + (o.lines - assigned);
  return { firstDay, quota, promo };
}

function gauss(rnd: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
}

const LINES_PER_SALE = 3;

export async function loadDemoHistory(wh: Warehouse, o: DemoHistoryOptions): Promise<DemoHistoryResult> {
  const started = performance.now();
  const { firstDay, quota, promo } = demoQuotas(o);
  const step = o.daysPerBatch ?? 7;
  let lines = 0;
  let lastDay = firstDay;
  for (let d0 = 0; d0 < o.days; d0 += step) {
    const d1 = Math.min(o.days, d0 + step);
    const stores: number[] = [];
    const days: string[] = [];
    const qs: number[] = [];
    const promos: number[] = [];
    for (let s = 0; s < o.stores; s++) {
      for (let d = d0; d < d1; d++) {
        const q = quota[s]?.[d] ?? 0;
        if (q <= 0) continue;
        stores.push(s + 1);
        days.push(addDays(firstDay, d));
        qs.push(q);
        promos.push(promo[d] ? 1 : 0);
      }
    }
    if (qs.length === 0) continue;
    const token = `demo-${o.seed}-${firstDay}-${d0}-${o.lines}`;
    await wh.execute(insertLinesSql(o.products, token), { stores, days, qs, promos });
    await wh.execute(insertTendersSql(`${token}-tenders`), { from: addDays(firstDay, d0), to: addDays(firstDay, d1 - 1) });
    lines += qs.reduce((a, b) => a + b, 0);
    lastDay = addDays(firstDay, d1 - 1);
    o.onProgress?.(lines);
    if (o.shouldStop?.()) break;
  }
  return { lines, sales: Math.ceil(lines / LINES_PER_SALE), firstDay, lastDay, seconds: (performance.now() - started) / 1000 };
}

/**
 * One row per line: (store, day, k) -> a deterministic line. `h(n)` is a per-line hash; sale
 * number = k / 3, so a sale's lines share a sale id, an hour, a cashier.
 */
function insertLinesSql(products: number, token: string): string {
  const P = Math.max(1, Math.floor(products));
  return `INSERT INTO sale_lines (event_id, sale_id, store_id, line_no, occurred_at, recorded_at, business_day, business_hour,
  register_id, cashier_id, product_id, category_id, sku, quantity_milli, unit_price, gross, discount, net, tax, total, cost, tax_code)
SELECT
  reinterpretAsUUID(toFixedString(concat(reinterpretAsFixedString(cityHash64(store, day, sale, 'e')), reinterpretAsFixedString(cityHash64(store, day, sale, 'E'))), 16)) AS event_id,
  reinterpretAsUUID(toFixedString(concat(reinterpretAsFixedString(cityHash64(store, day, sale, 's')), reinterpretAsFixedString(cityHash64(store, day, sale, 'S'))), 16)) AS sale_id,
  store AS store_id,
  toUInt16(k % ${LINES_PER_SALE} + 1) AS line_no,
  toDateTime64(day, 3, 'UTC') + toIntervalSecond(hour * 3600 + cityHash64(store, day, sale, 't') % 3600) AS occurred_at,
  occurred_at + toIntervalMillisecond(150) AS recorded_at,
  day AS business_day,
  hour AS business_hour,
  concat('till-', toString(store), '-', toString(cityHash64(store, day, sale, 'r') % 3 + 1)) AS register_id,
  concat('cashier-', toString(store), '-', toString(cityHash64(store, day, sale, 'c') % 6 + 1)) AS cashier_id,
  toUInt64(1 + floor(${P} * pow(cityHash64(store, day, k, 'p') / 18446744073709551616, 2.2))) AS product_id,
  toUInt32(product_id % 40 + 1) AS category_id,
  concat('SKU-', toString(product_id)) AS sku,
  toInt64(if(cityHash64(store, day, k, 'w') % 10 = 0, 100 + cityHash64(store, day, k, 'q') % 1900, 1000 * (1 + cityHash64(store, day, k, 'q') % 3))) AS quantity_milli,
  toInt64(99 + cityHash64(product_id, 'price') % 4900) AS unit_price,
  toInt64(intDiv(unit_price * quantity_milli, 1000)) AS gross,
  toInt64(if(promo AND cityHash64(product_id, 'promo') % 4 = 0, intDiv(gross, 5), if(cityHash64(store, day, k, 'd') % 20 = 0, intDiv(gross, 10), 0))) AS discount,
  gross - discount AS net,
  toInt64(intDiv(net, 5)) AS tax,
  net + tax AS total,
  toInt64(intDiv(gross * (40 + cityHash64(product_id, 'cost') % 30), 100)) AS cost,
  'standard' AS tax_code
FROM (
  SELECT store, day, promo, k, intDiv(k, ${LINES_PER_SALE}) AS sale,
    toUInt8(arrayElement([8, 9, 10, 10, 11, 11, 12, 12, 12, 13, 13, 14, 15, 16, 17, 17, 18, 18, 19, 20], 1 + cityHash64(store, day, sale, 'h') % 20)) AS hour
  FROM (
    SELECT i, {stores:Array(UInt32)}[i] AS store, toDate({days:Array(String)}[i]) AS day, {promos:Array(UInt8)}[i] AS promo,
      arrayJoin(range({qs:Array(UInt32)}[i])) AS k
    FROM (SELECT arrayJoin(arrayEnumerate({qs:Array(UInt32)})) AS i)
  )
)
SETTINGS max_block_size = 262144, min_insert_block_size_rows = 1048576, max_insert_threads = 2, ${dedup(token)}`;
}

/** Tenders of the generated sales: one per sale, card 65%, cash 30%, voucher 5%, equal to the sale total. */
function insertTendersSql(token: string): string {
  return `INSERT INTO sale_tenders (event_id, sale_id, store_id, business_day, business_hour, tender_no, kind, amount)
SELECT any(event_id), sale_id, store_id, business_day, any(business_hour), 1,
  multiIf(cityHash64(sale_id) % 100 < 65, 'card', cityHash64(sale_id) % 100 < 95, 'cash', 'voucher'), sum(total)
FROM sale_lines
WHERE business_day BETWEEN {from:Date} AND {to:Date} AND startsWith(cashier_id, 'cashier-')
GROUP BY store_id, business_day, sale_id
SETTINGS ${dedup(token)}`;
}

/** Insert settings of a generated batch: loading the same history twice counts it once. */
function dedup(token: string): string {
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(token)) throw new RangeError('bad deduplication token');
  return `insert_deduplicate = 1, insert_deduplication_token = '${token}', deduplicate_blocks_in_dependent_materialized_views = 1`;
}
