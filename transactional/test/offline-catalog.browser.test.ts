import { CatalogProbe } from '@keel/bench';
import { withCheckDigit } from '@keel/core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importCatalog } from '../src/catalog-import.js';
import { demoCatalogCsv } from '../src/demo-catalog.js';
import { type KeelServer, startKeel } from '../src/keel-server.js';
import { launchChromium } from './support/browser.js';
import { createTestDatabase, tempDataDir, testConfig } from './support/test-env.js';

/** The terminal's offline catalog (terminal-ui) in Debian's Chromium against the real server and PostgreSQL. */
let server: KeelServer;
let probe: CatalogProbe;
let browser: Browser;
let cleanup: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  const db = await createTestDatabase();
  const dir = tempDataDir();
  cleanup = [db.drop, dir.remove];
  server = await startKeel(testConfig({ databaseUrl: db.url, dataDir: dir.dir }, { trustLoopback: true }), { dashboardsDist: null });
  const r = await importCatalog(server.db, demoCatalogCsv(5000), { actor: 'test' });
  expect(r.inserted).toBe(5000);
  probe = await CatalogProbe.start(server.url);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await probe?.stop();
  await server?.close();
  for (const c of cleanup.reverse()) await c();
});

const barcodeOf = (i: number) => withCheckDigit(String(400_000_000_000 + i));

async function openProbe(page: Page) {
  await page.goto(probe.url);
  await page.waitForFunction(() => 'keelCatalog' in window);
  return page.evaluate(() => window.keelCatalog.open());
}

describe('terminal offline catalog', () => {
  it('downloads the snapshot once, finds by barcode and by name (with a typo), applies a delta, and reopens from storage', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));

    const first = await openProbe(page);
    expect(first).toMatchObject({ source: 'downloaded', products: 5000 });

    const scanned = await page.evaluate((code) => window.keelCatalog.byBarcode(code), barcodeOf(123));
    expect(scanned).toMatchObject({ sku: 'D0000123', barcodes: [barcodeOf(123)] });
    expect(await page.evaluate(() => window.keelCatalog.byBarcode('4006381333932'))).toBeNull();
    // The till's lookups: a typed SKU (any case) or a barcode, and a product by id (refunds).
    expect(await page.evaluate(() => window.keelCatalog.byCode('d0000123'))).toMatchObject({ id: scanned?.id, sku: 'D0000123' });
    expect(await page.evaluate((code) => window.keelCatalog.byCode(code), barcodeOf(123))).toMatchObject({ sku: 'D0000123' });
    expect(await page.evaluate((id) => window.keelCatalog.byId(id), scanned?.id ?? 0)).toMatchObject({ sku: 'D0000123' });
    expect(await page.evaluate(() => window.keelCatalog.byCode('no-such-sku'))).toBeNull();

    const milk = await page.evaluate(() => window.keelCatalog.search('organic whole mi'));
    expect(milk.length).toBeGreaterThan(0);
    for (const p of milk) expect(p.name.toLowerCase()).toMatch(/organic.*whole mi|whole mi.*organic/);
    const typo = await page.evaluate(() => window.keelCatalog.search('organc whole milk'));
    expect(typo.map((p) => p.name)).toEqual(
      milk
        .filter((p) => /whole milk/i.test(p.name))
        .map((p) => p.name)
        .slice(0, typo.length),
    );
    expect(typo.length).toBeGreaterThan(0);

    // The server changes a price and adds a product: a delta, not a full reload.
    const product = await fetch(`${server.url}/api/v1/products?sku=D0000123`).then((r) => r.json());
    const edit = await fetch(`${server.url}/api/v1/products/${product.items[0].id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ version: product.items[0].version, price: 4242 }),
    });
    expect(edit.status).toBe(200);
    const created = await fetch(`${server.url}/api/v1/products`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        sku: 'NEW-TEA',
        barcode: withCheckDigit('590123412345'),
        name: 'Smoky Lapsang Tea 100 g',
        price: 650,
        cost: 200,
        taxClass: 'reduced',
      }),
    });
    expect(created.status).toBe(201);
    const synced = await page.evaluate(() => window.keelCatalog.sync());
    expect(synced.applied).toBe(2);
    expect(synced.version).toBeGreaterThan(first.version);
    expect(await page.evaluate((code) => window.keelCatalog.byBarcode(code), barcodeOf(123))).toMatchObject({ price: 4242 });
    expect(await page.evaluate((id) => window.keelCatalog.byId(id), scanned?.id ?? 0)).toMatchObject({ price: 4242 });
    expect(await page.evaluate(() => window.keelCatalog.byCode('new-tea'))).toMatchObject({ sku: 'NEW-TEA', price: 650 });
    expect((await page.evaluate(() => window.keelCatalog.search('lapsang')))[0]).toMatchObject({ sku: 'NEW-TEA', price: 650 });

    // A reload (or a restart of the till) opens from the browser's storage, deltas included.
    const again = await openProbe(page);
    expect(again).toMatchObject({ source: 'stored', version: synced.version, products: 5001 });
    expect(await page.evaluate((code) => window.keelCatalog.byBarcode(code), barcodeOf(123))).toMatchObject({ price: 4242 });
    expect(await page.evaluate((code) => window.keelCatalog.byBarcode(code), withCheckDigit('590123412345'))).toMatchObject({ sku: 'NEW-TEA' });
    expect(await page.evaluate(() => window.keelCatalog.sync())).toMatchObject({ applied: 0 });
    expect(errors).toEqual([]);
    await context.close();
  });
});
