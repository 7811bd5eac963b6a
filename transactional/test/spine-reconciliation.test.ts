import { dailyTotals, rawDailyTotals } from '@keel/warehouse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KeelServer, startKeel } from '../src/keel-server.js';
import { eventually, pgDailyFigures } from './support/pg-figures.js';
import { makeSale, seededRandom, TAX, type TestProduct } from './support/sale-maker.js';
import { createTestDatabase, tempDataDir, testConfig } from './support/test-env.js';

/**
 * The spine on real services: 20 concurrent clients post 2,000 sales to the API (PostgreSQL),
 * 10% of them replayed up to 3 times; the outbox relay and the JetStream loader are each restarted
 * mid-way; afterwards the warehouse (chDB) and the dashboard API agree with PostgreSQL to the cent.
 */
const SALES = 2000;
const CLIENTS = 20;
const STORES = [1, 2, 3];

let server: KeelServer;
let cleanup: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  const db = await createTestDatabase();
  const dir = tempDataDir();
  cleanup = [db.drop, dir.remove];
  server = await startKeel(testConfig({ databaseUrl: db.url, dataDir: dir.dir, nats: true }, { storeId: 1, databasePoolSize: 20, trustLoopback: true }), {
    dashboardsDist: null,
  });
  await server.db
    .insertInto('stores')
    .values([
      { id: 2, name: 'Riverside', time_zone: 'Europe/Paris', currency: 'EUR' },
      { id: 3, name: 'Harbour', time_zone: 'Europe/Paris', currency: 'EUR' },
    ])
    .execute();
});

afterAll(async () => {
  await server?.close();
  for (const c of cleanup.reverse()) await c();
});

async function createProducts(n: number): Promise<TestProduct[]> {
  const taxes = ['standard', 'reduced', 'zero'] as const;
  const out: TestProduct[] = [];
  for (let i = 0; i < n; i++) {
    const taxClass = taxes[i % 3] as (typeof taxes)[number];
    const price = 99 + ((i * 737) % 4900);
    const res = await fetch(`${server.url}/api/v1/products`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sku: `SKU-${i}`, name: `Product ${i}`, price, cost: Math.floor(price * 0.6), taxClass }),
    });
    const p = await res.json();
    out.push({ id: p.id, price, tax: TAX[taxClass] as (typeof TAX)[string] });
  }
  return out;
}

describe('the spine under concurrency, replays and restarts', () => {
  it('counts every sale exactly once from PostgreSQL through NATS to the warehouse and the dashboard', async () => {
    const products = await createProducts(60);
    const rand = seededRandom(20261125);
    const base = Date.parse('2026-11-20T08:00:00Z');
    const sales = Array.from({ length: SALES }, (_, i) =>
      makeSale(rand, products, STORES[i % STORES.length] as number, new Date(base + Math.floor(rand() * 3 * 24 * 3600 * 1000))),
    );
    const replays = sales.filter(() => rand() < 0.1).map((s) => ({ sale: s, times: 1 + Math.floor(rand() * 3) }));
    const queue = [
      ...sales.map((s) => ({ sale: s, replay: false })),
      ...replays.flatMap((r) => Array.from({ length: r.times }, () => ({ sale: r.sale, replay: true }))),
    ];
    // Interleave replays with first posts (a replay may even arrive first, like a till retrying).
    for (let i = queue.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [queue[i], queue[j]] = [queue[j] as (typeof queue)[number], queue[i] as (typeof queue)[number]];
    }

    const statuses = new Map<number, number>();
    const totals = new Map<string, number>();
    let sent = 0;
    let restartedRelay = false;
    let restartedLoader = false;
    const client = async () => {
      for (;;) {
        const item = queue.shift();
        if (!item) return;
        const res = await fetch(`${server.url}/api/v1/sales`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(item.sale),
        });
        const body = await res.json();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status === 200 || res.status === 201) {
          const seen = totals.get(item.sale.id);
          if (seen !== undefined) expect(body.total).toBe(seen);
          totals.set(item.sale.id, body.total);
          expect(body.total).toBe(item.sale.expectedTotal);
        }
        sent++;
        if (!restartedRelay && sent >= queue.length / 3) {
          restartedRelay = true;
          await server.pipeline.restartRelay();
        }
        if (!restartedLoader && sent >= (queue.length * 2) / 3) {
          restartedLoader = true;
          await server.pipeline.restartLoader();
        }
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, client));

    expect(restartedRelay && restartedLoader).toBe(true);
    expect(statuses.get(201)).toBe(SALES);
    expect(statuses.get(200)).toBe(replays.reduce((s, r) => s + r.times, 0));
    expect([...statuses.keys()].sort()).toEqual([200, 201]);
    expect(totals.size).toBe(SALES);

    const pg = await pgDailyFigures(server.db);
    expect(pg.reduce((s, d) => s + d.tickets, 0)).toBe(SALES);
    const range = { from: '2026-11-19', to: '2026-11-24' };
    await eventually(async () => {
      const wh = await dailyTotals(server.warehouse, range);
      return wh.reduce((s, d) => s + d.lines, 0) >= pg.reduce((s, d) => s + d.lines, 0);
    });
    const fromViews = await dailyTotals(server.warehouse, range);
    const fromRaw = await rawDailyTotals(server.warehouse, range);
    expect(fromViews).toEqual(pg);
    expect(fromRaw).toEqual(pg);

    // The dashboard API reads the same views: each store and day matches PostgreSQL to the cent.
    for (const d of pg) {
      const s = await fetch(`${server.url}/api/v1/dashboard/summary?day=${d.day}&store=${d.storeId}`).then((r) => r.json());
      expect({ revenue: s.revenue, cost: s.cost, tax: s.tax, lines: s.lines, tickets: s.tickets }).toEqual({
        revenue: d.revenue,
        cost: d.cost,
        tax: d.tax,
        lines: d.lines,
        tickets: d.tickets,
      });
    }
    const backlog = await fetch(`${server.url}/health`).then((r) => r.json());
    expect(backlog.outboxBacklog).toBe(0);
  });
});
