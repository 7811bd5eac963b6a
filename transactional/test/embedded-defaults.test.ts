import { dailyTotals } from '@keel/warehouse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KeelServer, startKeel } from '../src/keel-server.js';
import { MIGRATIONS } from '../src/migrations/index.js';
import { eventually, pgDailyFigures } from './support/pg-figures.js';
import { makeSale, seededRandom, TAX } from './support/sale-maker.js';
import { tempDataDir, testConfig } from './support/test-env.js';

/** Smoke test of `npm start` with nothing configured: PGlite, the in-process bus and chDB. */
let server: KeelServer;
let removeDir: () => void;

beforeAll(async () => {
  const dir = tempDataDir();
  removeDir = dir.remove;
  server = await startKeel(testConfig({ dataDir: dir.dir }, { trustLoopback: true }), { dashboardsDist: null });
});

afterAll(async () => {
  await server?.close();
  removeDir?.();
});

describe('embedded defaults', () => {
  it('reports its embedded backends in /health', async () => {
    const health = await fetch(`${server.url}/health`).then((r) => r.json());
    expect(health).toMatchObject({
      ok: true,
      schemaVersion: Math.max(...MIGRATIONS.map((m) => m.version)),
      backends: { database: { kind: 'pglite', ok: true }, eventStream: { kind: 'in-process', ok: true }, warehouse: { kind: 'chdb', ok: true } },
    });
  });

  it('takes sales, replays them idempotently and shows the same figures in the warehouse', async () => {
    const res = await fetch(`${server.url}/api/v1/products`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sku: 'APPLE-KG', name: 'Apples per kg', price: 349, cost: 180, taxClass: 'reduced' }),
    });
    const apple = await res.json();
    const rand = seededRandom(7);
    const sales = Array.from({ length: 40 }, () => makeSale(rand, [{ id: apple.id, price: 349, tax: TAX.reduced as (typeof TAX)[string] }], 1, new Date()));
    const post = (s: unknown) =>
      fetch(`${server.url}/api/v1/sales`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(s) });
    const first = await Promise.all(sales.map(post));
    expect(first.map((r) => r.status)).toEqual(sales.map(() => 201));
    const again = await Promise.all(sales.slice(0, 10).map(post));
    expect(again.map((r) => r.status)).toEqual(sales.slice(0, 10).map(() => 200));

    const pg = await pgDailyFigures(server.db);
    expect(pg.reduce((s, d) => s + d.tickets, 0)).toBe(40);
    const days = pg.map((d) => d.day).sort();
    const range = { from: days[0] as string, to: days.at(-1) as string };
    await eventually(async () => (await dailyTotals(server.warehouse, range)).reduce((s, d) => s + d.tickets, 0) >= 40, 30_000);
    expect(await dailyTotals(server.warehouse, range)).toEqual(pg);
  });
});
