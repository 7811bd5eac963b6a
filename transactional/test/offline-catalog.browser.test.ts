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
    expect(first).toMatchObject({ source: 'downloaded', products: 5000, index: 'downloaded' });

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
    expect(again).toMatchObject({ source: 'stored', version: synced.version, products: 5001, index: 'stored' });
    expect(await page.evaluate((code) => window.keelCatalog.byBarcode(code), barcodeOf(123))).toMatchObject({ price: 4242 });
    expect(await page.evaluate((code) => window.keelCatalog.byBarcode(code), withCheckDigit('590123412345'))).toMatchObject({ sku: 'NEW-TEA' });
    expect(await page.evaluate(() => window.keelCatalog.sync())).toMatchObject({ applied: 0 });
    expect(errors).toEqual([]);
    await context.close();
  });

  it('reopens from the stored search index with the same answers, and rebuilds a damaged or mismatched one', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    expect(await openProbe(page)).toMatchObject({ source: 'downloaded', index: 'downloaded' });
    await page.evaluate(() => window.keelCatalog.sync());
    const queries = ['organic whole mi', 'organc whole milk', 'sourdough', 'lapsang', 'nordic gold'];
    const codes = [barcodeOf(7), barcodeOf(4321), barcodeOf(4999), withCheckDigit('590123412345'), 'D0000042', 'd0001234'];
    const answers = () =>
      page.evaluate(
        async ({ queries, codes }) => ({
          searches: await Promise.all(queries.map((q) => window.keelCatalog.search(q))),
          codes: await Promise.all(codes.map((c) => window.keelCatalog.byCode(c))),
        }),
        { queries, codes },
      );
    const before = await answers();
    expect(before.searches.every((r) => r.length > 0)).toBe(true);
    expect(before.codes.every((p) => p !== null)).toBe(true);

    const reopened = await openProbe(page);
    expect(reopened).toMatchObject({ source: 'stored', index: 'stored' });
    expect(await answers()).toEqual(before);

    // Damage the stored index (a few bytes in the middle), then cut it short: each reopen rebuilds it, same answers.
    const damage = (how: 'flip' | 'truncate') =>
      page.evaluate(async (how) => {
        const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('keel-catalog');
        const names: string[] = [];
        for await (const name of (dir as unknown as { keys(): AsyncIterable<string> }).keys()) names.push(name);
        const name = names.find((n) => n.startsWith('index-'));
        if (!name) throw new Error(`no index file in ${names.join(', ')}`);
        const handle = await dir.getFileHandle(name);
        const size = (await handle.getFile()).size;
        const w = await handle.createWritable({ keepExistingData: true });
        if (how === 'flip') await w.write({ type: 'write', position: Math.floor(size / 2), data: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]) });
        else await w.truncate(Math.floor(size / 3));
        await w.close();
        return name;
      }, how);
    for (const how of ['flip', 'truncate'] as const) {
      await damage(how);
      expect(await openProbe(page)).toMatchObject({ source: 'stored', index: 'built' });
      expect(await answers()).toEqual(before);
      expect(await openProbe(page)).toMatchObject({ source: 'stored', index: 'stored' });
    }

    // An index stored for another snapshot (the meta names a different snapshot version): rebuilt, not used.
    await page.evaluate(async () => {
      const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('keel-catalog');
      const meta = JSON.parse(await (await (await dir.getFileHandle('meta.json')).getFile()).text());
      const from = await (await (await dir.getFileHandle(`index-${meta.snapshotVersion}.bin`)).getFile()).arrayBuffer();
      meta.snapshotVersion -= 1;
      const copy = await (await dir.getFileHandle(`index-${meta.snapshotVersion}.bin`, { create: true })).createWritable();
      await copy.write(from);
      await copy.close();
      const w = await (await dir.getFileHandle('meta.json')).createWritable();
      await w.write(JSON.stringify(meta));
      await w.close();
    });
    expect(await openProbe(page)).toMatchObject({ source: 'stored', index: 'built' });
    expect(await answers()).toEqual(before);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('merges delta files past a few and folds many changes into a new snapshot and index, storage bounded', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await openProbe(page);
    await page.evaluate(() => window.keelCatalog.sync());
    const files = () =>
      page.evaluate(async () => {
        const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('keel-catalog');
        const names: string[] = [];
        for await (const name of (dir as unknown as { keys(): AsyncIterable<string> }).keys()) names.push(name);
        return names.sort();
      });
    // Ten edits, each fetched as its own delta: past eight files they are merged into one (the latest of each product).
    const deltaFiles = async () => (await files()).filter((f) => f.startsWith('delta-') || f.startsWith('changes-')).length;
    const counts: number[] = [];
    for (let i = 0; i < 10; i++) {
      await server.db
        .updateTable('products')
        .set({ price: 9000 + i })
        .where('sku', '=', `D000010${i}`)
        .execute();
      expect(await page.evaluate(() => window.keelCatalog.sync())).toMatchObject({ applied: 1 });
      counts.push(await deltaFiles());
    }
    expect(Math.max(...counts)).toBe(8);
    expect(counts).toContain(1);
    expect(counts.at(-1)).toBeLessThan(8);
    const reopened = await openProbe(page);
    expect(reopened).toMatchObject({ source: 'stored', index: 'stored', deltaFiles: counts.at(-1) });
    for (let i = 0; i < 10; i++)
      expect(await page.evaluate((code) => window.keelCatalog.byBarcode(code), barcodeOf(100 + i))).toMatchObject({ price: 9000 + i });

    // A large change (over the fold threshold): the next open writes a new snapshot and index at the current version.
    await server.db
      .updateTable('products')
      .set((eb) => ({ price: eb('price', '+', 1) }))
      .where('id', '<=', 3000)
      .execute();
    const wide = await page.evaluate(() => window.keelCatalog.sync());
    expect(wide.applied).toBe(3000);
    const expected = await page.evaluate((code) => window.keelCatalog.byBarcode(code), barcodeOf(2500));
    const folded = await openProbe(page);
    expect(folded).toMatchObject({ source: 'stored', version: wide.version, index: 'built', deltaFiles: 0, products: 5001 });
    expect(await files()).toEqual([`index-${wide.version}.bin`, 'meta.json', `snapshot-${wide.version}.arrow`]);
    expect(await page.evaluate((code) => window.keelCatalog.byBarcode(code), barcodeOf(2500))).toEqual(expected);
    expect(await page.evaluate((code) => window.keelCatalog.byBarcode(code), barcodeOf(105))).toMatchObject({ price: 9006 });
    expect(await openProbe(page)).toMatchObject({ source: 'stored', index: 'stored', deltaFiles: 0 });
    expect(await page.evaluate(() => window.keelCatalog.search('lapsang'))).toHaveLength(1);
    expect(errors).toEqual([]);
    await context.close();
  });
});
