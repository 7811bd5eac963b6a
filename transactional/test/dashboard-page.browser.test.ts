import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { dashboardsDist } from '@keel/dashboards/dist-path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../src/api-tokens.js';
import { type KeelServer, startKeel } from '../src/keel-server.js';
import { launchChromium } from './support/browser.js';
import { createTestDatabase, tempDataDir, testConfig } from './support/test-env.js';

/** The live dashboard in Debian's Chromium against the real server, PostgreSQL, NATS and chDB. */
const ARTIFACTS = path.resolve(import.meta.dirname, '../../.test-artifacts');
let server: KeelServer;
let browser: Browser;
let cleanup: Array<() => Promise<void> | void> = [];
let token: string;
const OWNER = { username: 'owner', displayName: 'Store Owner', password: 'dashboard owner pass' };

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const db = await createTestDatabase();
  const dir = tempDataDir();
  cleanup = [db.drop, dir.remove];
  server = await startKeel(testConfig({ databaseUrl: db.url, dataDir: dir.dir, nats: true }), { dashboardsDist });
  browser = await launchChromium();
  // The first-run owner; the test's own writes go through an owner API token.
  expect(
    (await fetch(`${server.url}/api/v1/auth/setup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(OWNER) })).status,
  ).toBe(201);
  token = await createApiToken(server.db, 'dashboard test', 'owner');
});

/** The dashboard needs a signed-in user: it sends the browser to the back office, which signs in and is left for /dashboards/. */
async function signIn(page: import('playwright-core').Page): Promise<void> {
  await page.goto(`${server.url}/dashboards/`);
  await page.waitForURL(/\/dashboards\/admin\//);
  await page.getByLabel('Username').fill(OWNER.username);
  await page.getByLabel('Password').fill(OWNER.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('link', { name: 'Dashboards' }).click();
  await page.waitForURL(/\/dashboards\/$/);
}

afterAll(async () => {
  await browser?.close();
  await server?.close();
  for (const c of cleanup.reverse()) await c();
});

async function postSale(productId: number, quantityMilli: number, total: number) {
  const res = await fetch(`${server.url}/api/v1/sales`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({
      id: randomUUID(),
      storeId: 1,
      lines: [{ productId, quantityMilli }],
      tenders: [{ kind: 'card', amount: total, reference: 'T1' }],
      expectedTotal: total,
    }),
  });
  expect(res.status).toBe(201);
}

describe('/dashboards', () => {
  it('shows a new sale live, within seconds, without a reload', async () => {
    const product = await fetch(`${server.url}/api/v1/products`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ sku: 'COFFEE', name: 'Coffee beans 500 g', price: 1290, cost: 700, taxClass: 'standard' }),
    }).then((r) => r.json());
    await postSale(product.id, 2000, 2580);

    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await signIn(page);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    const revenue = page.getByTestId('revenue');
    await expect.poll(() => revenue.textContent(), { timeout: 15_000 }).toContain('25.80');
    await expect.poll(() => page.getByTestId('status').textContent(), { timeout: 10_000 }).toContain('Live');
    expect(await page.getByTestId('tickets').textContent()).toContain('1');

    await postSale(product.id, 1000, 1290);
    // Live: the stream tells the page to refetch; no reload.
    await expect.poll(() => revenue.textContent(), { timeout: 5_000 }).toContain('38.70');
    expect(await page.getByTestId('tickets').textContent()).toContain('2');
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-desktop.png'), fullPage: true });

    expect(errors).toEqual([]);
    await page.close();
  });

  it('fits a phone screen without sideways scrolling', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await signIn(page);
    await expect.poll(() => page.getByTestId('revenue').textContent(), { timeout: 15_000 }).toContain('38.70');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-phone.png'), fullPage: true });
    await page.close();
  });
});
