import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../src/api-tokens.js';
import type { Database } from '../src/database.js';
import { type KeelServer, startKeel } from '../src/keel-server.js';
import { eventually } from './support/pg-figures.js';
import { makeSale, seededRandom, TAX, type TestProduct } from './support/sale-maker.js';
import { createTestDatabase, tempDataDir, testConfig } from './support/test-env.js';

/**
 * Every analytics dashboard figure, read through the API from the warehouse views, equals the
 * same figure computed from PostgreSQL, to the cent: three weeks of sales in two stores by three
 * people, through the real outbox, NATS JetStream and chDB.
 */
const FROM = '2026-10-05';
const TO = '2026-10-25';
let server: KeelServer;
let db: Kysely<Database>;
let cleanup: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  const pg = await createTestDatabase();
  const dir = tempDataDir();
  cleanup = [pg.drop, dir.remove];
  server = await startKeel(testConfig({ databaseUrl: pg.url, dataDir: dir.dir, nats: true }, { trustLoopback: true }), { dashboardsDist: null });
  db = server.db;
  await db.insertInto('stores').values({ id: 2, name: 'Riverside', time_zone: 'Europe/Paris', currency: 'EUR' }).execute();
  const sellers = [undefined, await createApiToken(db, 'Alice', 'manager'), await createApiToken(db, 'Bob', 'manager')];
  const products: TestProduct[] = [];
  for (let i = 0; i < 12; i++) {
    const taxClass = (['standard', 'reduced', 'zero'] as const)[i % 3] as 'standard';
    const price = 120 + ((i * 389) % 2400);
    const p = await post('/api/v1/products', { sku: `FIG-${i}`, name: `Figure product ${i}`, price, cost: Math.floor((price * (40 + i * 3)) / 100), taxClass });
    products.push({ id: p.id, price, tax: TAX[taxClass] as TestProduct['tax'] });
  }
  // Two categories, as a catalog import would leave them; every third product stays uncategorised.
  const cats = await db
    .insertInto('categories')
    .values([
      { name: 'Drinks', path: 'Drinks' },
      { name: 'Bakery', path: 'Bakery' },
    ])
    .returning(['id'])
    .execute();
  for (const [i, p] of products.entries()) {
    if (i % 3 === 2) continue;
    await db
      .updateTable('products')
      .set({ category_id: Number(cats[i % 3]?.id) })
      .where('id', '=', p.id)
      .execute();
  }
  const rand = seededRandom(20261005);
  const start = Date.parse(`${FROM}T06:00:00Z`);
  const sales: Array<() => Promise<unknown>> = [];
  for (let d = 0; d < 21; d++) {
    for (const storeId of [1, 2]) {
      const n = 6 + (((d % 7) * 2 + storeId) % 9);
      for (let i = 0; i < n; i++) {
        const at = new Date(start + d * 86_400_000 + Math.floor(rand() * 14 * 3_600_000));
        const token = sellers[Math.floor(rand() * sellers.length)];
        const sale = makeSale(rand, products, storeId, at);
        sales.push(() => post('/api/v1/sales', sale, token));
      }
    }
  }
  for (let i = 0; i < sales.length; i += 8) await Promise.all(sales.slice(i, i + 8).map((send) => send()));
  const { rows } = await sql<{ n: string }>`SELECT count(*) AS n FROM sale_lines`.execute(db);
  await eventually(async () => (await server.warehouse.query<{ n: number }>('SELECT count() AS n FROM sale_lines'))[0]?.n === Number(rows[0]?.n));
}, 180_000);

afterAll(async () => {
  await server?.close();
  for (const c of cleanup.reverse()) await c();
});

async function post(path: string, body: unknown, token?: string) {
  const res = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(201);
  return res.json();
}

async function get(path: string) {
  const res = await fetch(`${server.url}${path}`);
  expect(res.status).toBe(200);
  return res.json();
}

const num = (v: unknown) => Number(v);
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe('analytics dashboards equal PostgreSQL to the cent', () => {
  it('daily trend: revenue, net, discount, cost, margin, tickets, items per day, for all stores and one', async () => {
    for (const store of [undefined, 2]) {
      const t = await get(`/api/v1/analytics/trend?from=${FROM}&to=${TO}${store ? `&store=${store}` : ''}`);
      const { rows } = await sql<Record<string, string>>`
        SELECT to_char(s.business_day, 'YYYY-MM-DD') AS day, sum(l.total) AS revenue, sum(l.net) AS net, sum(l.discount) AS discount,
          sum(l.cost) AS cost, sum(l.net) - sum(l.cost) AS margin, count(DISTINCT s.id) AS tickets, sum(l.quantity_milli) AS items
        FROM sales s JOIN sale_lines l ON l.sale_id = s.id
        WHERE s.business_day BETWEEN ${FROM} AND ${TO} AND (${store ?? null}::int IS NULL OR s.store_id = ${store ?? null}::int)
        GROUP BY 1 ORDER BY 1`.execute(db);
      expect(rows).toHaveLength(21);
      expect(t.day).toEqual(rows.map((r) => r.day));
      for (const [api, col] of [
        ['revenue', 'revenue'],
        ['net', 'net'],
        ['discount', 'discount'],
        ['cost', 'cost'],
        ['margin', 'margin'],
        ['tickets', 'tickets'],
        ['itemsMilli', 'items'],
      ] as const) {
        expect(t[api], api).toEqual(rows.map((r) => num(r[col])));
      }
    }
  });

  it('today vs the same day last week, hour by hour', async () => {
    const day = '2026-10-22';
    const c = await get(`/api/v1/analytics/compare?day=${day}&store=1`);
    expect(c.lastWeekDay).toBe('2026-10-15');
    const hourly = async (d: string) => {
      const { rows } = await sql<{ h: number; revenue: string }>`
        SELECT s.business_hour AS h, sum(l.total) AS revenue FROM sales s JOIN sale_lines l ON l.sale_id = s.id
        WHERE s.business_day = ${d} AND s.store_id = 1 GROUP BY 1`.execute(db);
      const byHour = new Array(24).fill(0);
      for (const r of rows) byHour[r.h] = num(r.revenue);
      let run = 0;
      return byHour.map((v) => (run += v));
    };
    expect(c.today).toEqual(await hourly(day));
    expect(c.lastWeek).toEqual(await hourly('2026-10-15'));
    expect(c.todayRevenue).toBe(c.today[23]);
  });

  it('top and bottom products by revenue and by margin, with names', async () => {
    const { rows } = await sql<{ id: string; name: string; revenue: string; margin: string; items: string }>`
      SELECT p.id, p.name, sum(l.total) AS revenue, sum(l.net) - sum(l.cost) AS margin, sum(l.quantity_milli) AS items
      FROM sales s JOIN sale_lines l ON l.sale_id = s.id JOIN products p ON p.id = l.product_id
      WHERE s.business_day BETWEEN ${FROM} AND ${TO} GROUP BY p.id, p.name`.execute(db);
    const expectRanking = async (by: 'revenue' | 'margin', order: 'top' | 'bottom') => {
      const r = await get(`/api/v1/analytics/ranking?dim=product&by=${by}&order=${order}&limit=5&from=${FROM}&to=${TO}`);
      const sorted = [...rows].sort((a, b) => (order === 'top' ? num(b[by]) - num(a[by]) : num(a[by]) - num(b[by])) || num(a.id) - num(b.id)).slice(0, 5);
      expect(r.key).toEqual(sorted.map((x) => num(x.id)));
      expect(r.name).toEqual(sorted.map((x) => x.name));
      expect(r.revenue).toEqual(sorted.map((x) => num(x.revenue)));
      expect(r.margin).toEqual(sorted.map((x) => num(x.margin)));
      expect(r.itemsMilli).toEqual(sorted.map((x) => num(x.items)));
    };
    await expectRanking('revenue', 'top');
    await expectRanking('revenue', 'bottom');
    await expectRanking('margin', 'top');
    await expectRanking('margin', 'bottom');
  });

  it('category mix and cashier performance', async () => {
    const cat = await get(`/api/v1/analytics/ranking?dim=category&limit=0&from=${FROM}&to=${TO}`);
    const { rows: mix } = await sql<{ id: number; name: string; revenue: string; margin: string }>`
      SELECT coalesce(p.category_id, 0) AS id, coalesce(c.path, 'Uncategorised') AS name, sum(l.total) AS revenue, sum(l.net) - sum(l.cost) AS margin
      FROM sales s JOIN sale_lines l ON l.sale_id = s.id JOIN products p ON p.id = l.product_id LEFT JOIN categories c ON c.id = p.category_id
      WHERE s.business_day BETWEEN ${FROM} AND ${TO} GROUP BY 1, 2 ORDER BY 3 DESC, 1`.execute(db);
    expect(mix).toHaveLength(3);
    expect(cat.key).toEqual(mix.map((r) => num(r.id)));
    expect(cat.name).toEqual(mix.map((r) => r.name));
    expect(cat.revenue).toEqual(mix.map((r) => num(r.revenue)));
    expect(cat.margin).toEqual(mix.map((r) => num(r.margin)));
    // The trend filtered to a category reads the category view, day by day.
    const drinks = mix.find((r) => r.name === 'Drinks');
    const trend = await get(`/api/v1/analytics/trend?from=${FROM}&to=${TO}&category=${drinks?.id}`);
    const { rows: perDay } = await sql<{ day: string; revenue: string }>`
      SELECT to_char(s.business_day, 'YYYY-MM-DD') AS day, sum(l.total) AS revenue FROM sales s JOIN sale_lines l ON l.sale_id = s.id
      JOIN products p ON p.id = l.product_id WHERE s.business_day BETWEEN ${FROM} AND ${TO} AND p.category_id = ${drinks?.id}
      GROUP BY 1 ORDER BY 1`.execute(db);
    const byDay = new Map(perDay.map((r) => [r.day, num(r.revenue)]));
    expect(trend.revenue).toEqual((trend.day as string[]).map((d) => byDay.get(d) ?? 0));
    expect(sum(trend.revenue)).toBe(num(drinks?.revenue));

    const people = await get(`/api/v1/analytics/ranking?dim=cashier&limit=0&from=${FROM}&to=${TO}`);
    const { rows } = await sql<{ cashier: string; revenue: string; tickets: string; items: string }>`
      SELECT s.cashier_id AS cashier, sum(l.total) AS revenue, count(DISTINCT s.id) AS tickets, sum(l.quantity_milli) AS items
      FROM sales s JOIN sale_lines l ON l.sale_id = s.id WHERE s.business_day BETWEEN ${FROM} AND ${TO}
      GROUP BY 1 ORDER BY 2 DESC, 1`.execute(db);
    expect(rows).toHaveLength(3);
    expect(people.key).toEqual(rows.map((r) => r.cashier));
    expect(people.revenue).toEqual(rows.map((r) => num(r.revenue)));
    expect(people.tickets).toEqual(rows.map((r) => num(r.tickets)));
    expect(people.itemsMilli).toEqual(rows.map((r) => num(r.items)));
    expect(new Set(people.name)).toEqual(new Set(['This machine', 'Alice', 'Bob']));
  });

  it('weekday x hour heatmap and tender mix', async () => {
    const h = await get(`/api/v1/analytics/heatmap?from=${FROM}&to=${TO}&store=1`);
    const { rows } = await sql<{ wd: number; h: number; revenue: string; tickets: string }>`
      SELECT extract(isodow FROM s.business_day)::int AS wd, s.business_hour AS h, sum(l.total) AS revenue, count(DISTINCT s.id) AS tickets
      FROM sales s JOIN sale_lines l ON l.sale_id = s.id WHERE s.business_day BETWEEN ${FROM} AND ${TO} AND s.store_id = 1 GROUP BY 1, 2`.execute(db);
    const grid = () => Array.from({ length: 7 }, () => new Array<number>(24).fill(0));
    const revenue = grid();
    const tickets = grid();
    for (const r of rows) {
      (revenue[r.wd - 1] as number[])[r.h] = num(r.revenue);
      (tickets[r.wd - 1] as number[])[r.h] = num(r.tickets);
    }
    expect(h.revenue).toEqual(revenue);
    expect(h.tickets).toEqual(tickets);

    const t = await get(`/api/v1/analytics/tenders?from=${FROM}&to=${TO}`);
    const { rows: tenders } = await sql<{ kind: string; n: string; amount: string }>`
      SELECT t.kind, count(*) AS n, sum(t.amount) AS amount FROM sales s JOIN sale_tenders t ON t.sale_id = s.id
      WHERE s.business_day BETWEEN ${FROM} AND ${TO} GROUP BY 1 ORDER BY 3 DESC, 1`.execute(db);
    expect(t.kind).toEqual(tenders.map((r) => r.kind));
    expect(t.tenders).toEqual(tenders.map((r) => num(r.n)));
    expect(t.amount).toEqual(tenders.map((r) => num(r.amount)));
  });

  it('forecasts 14 days with an interval and lists stock at risk from forecast and stock on hand', async () => {
    const f = await get('/api/v1/analytics/forecast?store=1&horizon=14&history=28');
    expect(f.forecastDay).toHaveLength(14);
    expect(f.day).toHaveLength(28);
    for (let i = 0; i < 14; i++) expect(f.lower[i] <= f.mean[i] && f.mean[i] <= f.upper[i]).toBe(true);
    const s = await get('/api/v1/analytics/stock-at-risk?store=1&lead=7');
    // Nothing was received yet, so every product that sold is short and needs ordering.
    expect(s.productId.length).toBeGreaterThan(0);
  });

  it('refuses a reversed range with a clear code, and dashboards to a cashier', async () => {
    const bad = await fetch(`${server.url}/api/v1/analytics/trend?from=${TO}&to=${FROM}`);
    expect(bad.status).toBe(400);
    expect((await bad.json()).code).toBe('analytics.range_invalid');
    const token = await createApiToken(db, 'till', 'cashier');
    const res = await fetch(`${server.url}/api/v1/analytics/trend?from=${FROM}&to=${TO}`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(403);
  });
});
