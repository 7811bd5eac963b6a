import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { formatMoney } from '@keel/core';
import { dashboardsDist } from '@keel/dashboards/dist-path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../src/api-tokens.js';
import { type KeelServer, startKeel } from '../src/keel-server.js';
import { launchChromium } from './support/browser.js';
import { eventually } from './support/pg-figures.js';
import { makeSale, seededRandom, TAX, type TestProduct } from './support/sale-maker.js';
import { createTestDatabase, tempDataDir, testConfig } from './support/test-env.js';

/**
 * The trends & forecast page in Debian's Chromium against the real server (PostgreSQL, NATS, chDB):
 * five weeks of history, figures equal to the API's, a new sale shows live, phone and desktop.
 */
const ARTIFACTS = path.resolve(import.meta.dirname, '../../.test-artifacts');
let server: KeelServer;
let browser: Browser;
const products: TestProduct[] = [];
let cleanup: Array<() => Promise<void> | void> = [];
const rand = seededRandom(4242);

async function post(p: string, body: unknown, token?: string) {
  const res = await fetch(`${server.url}${p}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(201);
  return res.json();
}

async function apiRevenue(): Promise<number> {
  const today = new Date().toLocaleDateString('en-CA', { timeZone: 'Europe/Paris' });
  const from = new Date(Date.parse(`${today}T00:00:00Z`) - 29 * 86_400_000).toISOString().slice(0, 10);
  const t = await fetch(`${server.url}/api/v1/analytics/trend?from=${from}&to=${today}`).then((r) => r.json());
  return (t.revenue as number[]).reduce((s, v) => s + v, 0);
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const db = await createTestDatabase();
  const dir = tempDataDir();
  cleanup = [db.drop, dir.remove];
  server = await startKeel(testConfig({ databaseUrl: db.url, dataDir: dir.dir, nats: true }, { trustLoopback: true }), { dashboardsDist });
  const names = [
    'Espresso beans 1 kg',
    'Oat milk 1 l',
    'Croissant',
    'Sourdough loaf',
    'Dark chocolate 100 g',
    'Green tea 50 bags',
    'Honey 250 g',
    'Granola 500 g',
  ];
  for (const [i, name] of names.entries()) {
    const price = 180 + ((i * 431) % 1900);
    const p = await post('/api/v1/products', { sku: `PG-${i}`, name, price, cost: Math.floor((price * (45 + i * 4)) / 100), taxClass: 'reduced' });
    products.push({ id: p.id, price, tax: TAX.reduced as TestProduct['tax'] });
  }
  const seller = await createApiToken(server.db, 'Chloé', 'manager');
  const sends: Array<() => Promise<unknown>> = [];
  const now = Date.now();
  for (let d = 35; d >= 1; d--) {
    const dow = new Date(now - d * 86_400_000).getUTCDay();
    const n = dow === 6 ? 9 : dow === 0 ? 3 : 5;
    for (let i = 0; i < n; i++) {
      const at = new Date(now - d * 86_400_000 - Math.floor(rand() * 8 * 3_600_000));
      const sale = makeSale(rand, products, 1, at);
      sends.push(() => post('/api/v1/sales', sale, i % 2 ? seller : undefined));
    }
  }
  for (let i = 0; i < sends.length; i += 8) await Promise.all(sends.slice(i, i + 8).map((s) => s()));
  await post('/api/v1/sales', makeSale(rand, products, 1, new Date()));
  const expected = sends.length + 1;
  await eventually(async () => (await server.warehouse.query<{ n: number }>('SELECT sum(tickets) AS n FROM sales_store_day'))[0]?.n === expected);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  for (const c of cleanup.reverse()) await c();
});

describe('/dashboards/analytics.html', () => {
  it('shows the period, week-on-week, forecast, products, mix and stock, and a new sale live', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(`${server.url}/dashboards/analytics.html`);
    const revenue = page.getByTestId('range-revenue');
    await expect.poll(() => revenue.textContent(), { timeout: 15_000 }).toBe(formatMoney(await apiRevenue(), 'EUR'));
    await expect.poll(() => page.getByTestId('status').textContent(), { timeout: 10_000 }).toContain('Live');
    expect(await page.getByTestId('top-products').locator('tbody tr').count()).toBe(8);
    expect(await page.getByTestId('cashiers').textContent()).toContain('Chloé');
    expect(await page.getByTestId('stock-at-risk').locator('tbody tr').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('forecast-chart').locator('canvas').count()).toBe(1);

    // Live: a new sale changes the figures without a reload.
    const before = await revenue.textContent();
    await post('/api/v1/sales', makeSale(rand, products, 1, new Date()));
    await expect.poll(() => revenue.textContent(), { timeout: 5_000 }).not.toBe(before);
    await expect.poll(() => revenue.textContent(), { timeout: 5_000 }).toBe(formatMoney(await apiRevenue(), 'EUR'));
    await page.waitForTimeout(300); // let the charts finish drawing before the picture
    await page.screenshot({ path: path.join(ARTIFACTS, 'analytics-desktop.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('fits a phone screen without sideways scrolling', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await page.goto(`${server.url}/dashboards/analytics.html`);
    await expect.poll(() => page.getByTestId('range-revenue').textContent(), { timeout: 15_000 }).toBe(formatMoney(await apiRevenue(), 'EUR'));
    await page.waitForTimeout(300);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: path.join(ARTIFACTS, 'analytics-phone.png'), fullPage: true });
    await page.close();
  });
});
