import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { dashboardsDist } from '@keel/dashboards/dist-path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../src/api-tokens.js';
import { type KeelServer, startKeel } from '../src/keel-server.js';
import { launchChromium } from './support/browser.js';
import { createTestDatabase, tempDataDir, testConfig } from './support/test-env.js';

/**
 * Issue #5's story in Debian's Chromium against the real server and PostgreSQL: the owner browses
 * page 2 of the products, filters, edits a price and is told (not overwritten) when another edit
 * landed first, receives stock and sees it on hand, and checks then imports a CSV with a bad row.
 */
const ARTIFACTS = path.resolve(import.meta.dirname, '../../.test-artifacts');
const OWNER = { username: 'olga', name: 'Olga Owner', password: 'owner password 42', pin: '9753' };
const PRODUCTS = 120;
const sku = (n: number) => `BO-${String(n).padStart(4, '0')}`;
let server: KeelServer;
let browser: Browser;
let page: Page;
let token: string;
let cleanup: Array<() => Promise<void> | void> = [];
const errors: string[] = [];

async function api(method: string, url: string, body?: unknown, type = 'application/json') {
  const res = await fetch(`${server.url}${url}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': type }) },
    body: body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const db = await createTestDatabase();
  const dir = tempDataDir();
  cleanup = [db.drop, dir.remove];
  server = await startKeel(testConfig({ databaseUrl: db.url, dataDir: dir.dir }), { dashboardsDist });
  token = await createApiToken(server.db, 'catalog script', 'owner');
  const rows = Array.from({ length: PRODUCTS }, (_, i) => {
    const n = i + 1;
    return `${sku(n)},${n % 3 === 0 ? 'Sparkling water' : 'Rye bread'} ${n},${(n % 9) + 1}.50,0.80,standard,${n % 3 === 0 ? 'Drinks > Water' : 'Bakery'},${n % 2 ? 'Fjord' : 'Acme'},${n % 10 === 0 ? 'false' : 'true'}`;
  });
  const imported = await api('POST', '/api/v1/catalog/imports', `sku,name,price,cost,tax_class,category,brand,active\n${rows.join('\n')}`, 'text/csv');
  expect(imported.status).toBe(200);
  browser = await launchChromium();
  page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  page.on('pageerror', (e) => errors.push(e.message));
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  for (const c of cleanup.reverse()) await c();
});

/** The page as it is now, at desktop size and at phone size (same state), which must not scroll sideways. */
async function shoot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `back-office-${name}-desktop.png`), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  expect(await page.evaluate(() => document.documentElement.scrollWidth), `${name} fits a phone`).toBeLessThanOrEqual(390);
  await page.screenshot({ path: path.join(ARTIFACTS, `back-office-${name}-phone.png`), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 800 });
}

const skus = () => page.locator('keel-products table tbody tr td:first-child').allTextContents();

describe('the back office catalog', () => {
  it('owner pages, filters, edits with a conflict, receives stock and imports a file with a bad row', async () => {
    await page.goto(`${server.url}/admin`);
    await page.getByLabel('Username').fill(OWNER.username);
    await page.getByLabel('Your name').fill(OWNER.name);
    await page.getByLabel('Password', { exact: true }).fill(OWNER.password);
    await page.getByLabel('Password again').fill(OWNER.password);
    await page.getByLabel(/PIN for approvals/).fill(OWNER.pin);
    await page.getByRole('button', { name: 'Create owner and sign in' }).click();
    await expect.poll(() => page.getByTestId('who').textContent()).toContain('Olga Owner (owner)');

    // Page 2 of the catalog, from the server (50 a page).
    await page.getByRole('link', { name: 'Products' }).click();
    await expect.poll(skus).toHaveLength(50);
    expect((await skus())[0]).toBe(sku(1));
    await shoot('products');
    await page.getByRole('button', { name: 'Next →' }).click();
    await expect.poll(() => page.getByTestId('page').textContent()).toBe('Page 2');
    await expect.poll(async () => (await skus())[0]).toBe(sku(51));
    await shoot('products-page-2');
    await page.getByRole('button', { name: '← Previous' }).click();
    await expect.poll(async () => (await skus())[0]).toBe(sku(1));

    // Filters: active drinks (the Drinks category holds its Water aisle) by Fjord; then the server's search within them.
    const filters = page.getByTestId('filters');
    await filters.getByLabel('Category').selectOption({ label: 'Drinks' });
    await filters.getByLabel('Brand').selectOption({ label: 'Fjord' });
    await filters.getByLabel('Status').selectOption('true');
    await filters.getByRole('button', { name: 'Show' }).click();
    const expected = Array.from({ length: PRODUCTS }, (_, i) => i + 1).filter((n) => n % 3 === 0 && n % 2 === 1 && n % 10 !== 0);
    await expect.poll(skus).toEqual(expected.map(sku));
    await shoot('products-filtered');
    await filters.getByLabel('Search').fill('sparkling water 27');
    await filters.getByRole('button', { name: 'Show' }).click();
    await expect.poll(async () => (await skus())[0]).toBe(sku(27));

    // Edit a price; another edit lands first: the owner is told, nothing is overwritten.
    await page.locator('keel-products tbody tr', { hasText: sku(27) }).click();
    const editor = page.getByTestId('editor');
    await expect.poll(() => editor.getByRole('heading').textContent()).toContain(sku(27));
    const opened = (await api('GET', `/api/v1/products?sku=${sku(27)}`)).body.items[0];
    await editor.getByLabel('Price').fill('12.90');
    expect((await api('PATCH', `/api/v1/products/${opened.id}`, { version: opened.version, name: 'Sparkling water 27 (1.5 l)' })).status).toBe(200);
    await editor.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(() => page.getByTestId('conflict').textContent()).toContain('Your changes were NOT saved');
    await shoot('edit-conflict');
    expect((await api('GET', `/api/v1/products/${opened.id}`)).body).toMatchObject({ name: 'Sparkling water 27 (1.5 l)', price: opened.price });
    await page.getByRole('button', { name: 'Reload product' }).click();
    await expect.poll(() => editor.getByLabel('Name').inputValue()).toBe('Sparkling water 27 (1.5 l)');
    await editor.getByLabel('Price').fill('12.90');
    await editor.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(() => editor.getByRole('status').textContent()).toContain('Saved');
    expect((await api('GET', `/api/v1/products/${opened.id}`)).body).toMatchObject({ name: 'Sparkling water 27 (1.5 l)', price: 1290 });
    await expect.poll(() => page.locator('keel-products tbody tr', { hasText: sku(27) }).textContent()).toContain('12.90');

    // Receive a delivery, then count the shelf: on hand goes up, then to the count.
    await expect.poll(() => page.getByTestId('on-hand').textContent()).toContain('0 on hand');
    const receive = page.getByTestId('receive');
    await receive.getByLabel('Quantity received').fill('24');
    await receive.getByLabel(/Unit cost/).fill('0.75');
    await receive.getByLabel(/Reference/).fill('DN-2026-118');
    await receive.getByRole('button', { name: 'Receive' }).click();
    await expect.poll(() => page.getByTestId('on-hand').textContent()).toMatch(/Main store:\s*24\s*on hand/);
    await shoot('stock-received');
    const count = page.getByTestId('count');
    await count.getByLabel('Counted on the shelf').fill('21');
    await count.getByRole('button', { name: 'Record count' }).click();
    await expect.poll(() => page.getByTestId('stock-message').textContent()).toContain('Posted -3; now 21 on hand.');
    await expect.poll(() => page.getByTestId('on-hand').textContent()).toMatch(/Main store:\s*21\s*on hand/);

    // Import: a dry run lists the bad row by line and reason; then import skipping it.
    await page.getByRole('link', { name: 'Import' }).click();
    const csv = [
      'sku,name,price,cost,tax_class',
      'NEW-1,Oat milk 1 l,2.20,1.10,standard',
      'NEW-2,Soy milk 1 l,two euros,1.10,standard',
      'NEW-3,Rice milk 1 l,2.40,1.20,standard',
    ].join('\n');
    await page.locator('keel-catalog-import input[type=file]').setInputFiles({ name: 'new-milks.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByRole('button', { name: 'Check file (dry run)' }).click();
    const report = page.getByTestId('report');
    await expect.poll(() => report.textContent()).toContain('1 of 3 rows are bad');
    expect(await page.getByTestId('bad-rows').locator('tbody tr').allTextContents()).toEqual([expect.stringMatching(/^Line 3\s*NEW-2\s*.*price/)]);
    expect(await page.locator('keel-catalog-import progress').getAttribute('value')).toBe('100');
    await shoot('import-dry-run');
    expect((await api('GET', '/api/v1/products?sku=NEW-1')).body.items).toEqual([]);
    await page.getByLabel(/skip the bad ones/).check();
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await expect.poll(() => report.textContent()).toContain('Imported, skipping 1 bad row.');
    await shoot('import-done');
    expect((await api('GET', '/api/v1/products?sku=NEW-3')).body.items).toHaveLength(1);
    expect((await api('GET', '/api/v1/products?sku=NEW-2')).body.items).toEqual([]);

    // Exports: the products CSV the owner downloads holds the edit made above.
    await page.getByRole('link', { name: 'Exports' }).click();
    await expect.poll(() => page.getByTestId('exports').locator('li').count()).toBe(4);
    await shoot('exports');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Products as CSV' }).click()]);
    expect(download.suggestedFilename()).toBe('keel-products.csv');
    const csvRows = readFileSync(await download.path(), 'utf8').split(/\r?\n/);
    expect(csvRows.find((r) => r.startsWith(`${sku(27)},`))).toMatch(/Sparkling water 27 \(1\.5 l\).*12\.90/);
    expect(csvRows.some((r) => r.startsWith('NEW-3,'))).toBe(true);
    expect(errors).toEqual([]);
  });
});
