import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { withCheckDigit } from '@keel/core';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportData } from '../src/catalog-export.js';
import { importCatalog } from '../src/catalog-import.js';
import type { Database } from '../src/database.js';
import { demoCatalogCsv } from '../src/demo-catalog.js';
import { type KeelServer, startKeel } from '../src/keel-server.js';
import { migrate } from '../src/migrate.js';
import { openDatabase } from '../src/open-database.js';
import { createTestDatabase, tempDataDir, testConfig } from './support/test-env.js';

/** Import, export and their failure modes on the real PostgreSQL, through the HTTP API and the CLI. */
let server: KeelServer;
let dir: { dir: string; remove: () => void };
let dbUrl: string;
let cleanup: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  const db = await createTestDatabase();
  dir = tempDataDir();
  dbUrl = db.url;
  cleanup = [db.drop, dir.remove];
  server = await startKeel(testConfig({ databaseUrl: db.url, dataDir: dir.dir }, { trustLoopback: true }), { dashboardsDist: null });
});

afterAll(async () => {
  await server?.close();
  for (const c of cleanup.reverse()) await c();
});

async function importFile(body: string | Uint8Array, query = '', type = 'text/csv') {
  const res = await fetch(`${server.url}/api/v1/catalog/imports${query}`, { method: 'POST', headers: { 'content-type': type }, body: body as BodyInit });
  return { status: res.status, body: await res.json() };
}

async function download(kind: string, format = 'csv'): Promise<Buffer> {
  const res = await fetch(`${server.url}/api/v1/exports/${kind}?format=${format}`);
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

async function collect(it: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const c of it) parts.push(c);
  return Buffer.concat(parts);
}

async function catalogFingerprint(): Promise<string> {
  return createHash('sha256')
    .update(await download('products'))
    .digest('hex');
}

async function importAudits(): Promise<number> {
  const r = await server.db
    .selectFrom('audit_log')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('action', '=', 'catalog.import')
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

async function withFreshDatabase<T>(fn: (db: Kysely<Database>) => Promise<T>): Promise<T> {
  const fresh = await createTestDatabase();
  const { db } = await openDatabase({ databaseUrl: fresh.url, dataDir: dir.dir, poolSize: 2 });
  try {
    await migrate(db);
    return await fn(db);
  } finally {
    await db.destroy();
    await fresh.drop();
  }
}

const ean = (n: number) => withCheckDigit(String(590_000_000_000 + n));
const HEADER = 'sku,name,price,cost,tax_class,barcodes,category,brand,unit,active,parent_sku,variant,description\n';

describe('import and export', () => {
  it('imports a catalog with variants and several barcodes; re-importing the same file changes nothing', async () => {
    const demo = (await collect(demoCatalogCsv(3000))).toString('utf8');
    const extra = [
      `TEE,"Cotton T-shirt, organic",19.90,6.10,standard,${ean(1)},Clothing > Tops,Fjord,piece,true,,,"Soft; ""heavy"" cotton"`,
      `TEE-S-RED,Cotton T-shirt S red,19.90,6.10,standard,${ean(2)}|${ean(3)}|SHELF-77,Clothing > Tops,Fjord,piece,true,TEE,S / red,`,
      `TEE-M-RED,Cotton T-shirt M red,21.50,6.10,standard,${ean(4)},Clothing > Tops,Fjord,piece,yes,TEE,M / red,`,
      `APPLES,Apples Gala,3.49,1.20,reduced,${ean(5)},Food > Produce,,weight,true,,,`,
    ].join('\n');
    const file = demo.replace(/^.*\n/, HEADER).replace(/\n/g, (m) => m) + extra;
    // The demo rows lack the last three columns: pad them.
    const padded = file
      .split('\n')
      .map((l, i) => (i === 0 || l.split(',').length >= 13 || l.startsWith('TEE') || l.startsWith('APPLES') ? l : `${l},,,`))
      .join('\n');
    const first = await importFile(padded, '?fileName=catalog.csv');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ applied: true, rows: 3004, inserted: 3004, updated: 0, badRowCount: 0 });

    const child = await fetch(`${server.url}/api/v1/products/search?q=${ean(3)}`).then((r) => r.json());
    expect(child.items[0]).toMatchObject({ sku: 'TEE-S-RED', match: 'exact' });
    const parent = await server.db.selectFrom('products').select(['id']).where('sku', '=', 'TEE').executeTakeFirstOrThrow();
    const variants = await server.db.selectFrom('products').select(['sku', 'parent_id', 'variant']).where('parent_id', '=', parent.id).orderBy('sku').execute();
    expect(variants.map((v) => [v.sku, v.variant])).toEqual([
      ['TEE-M-RED', 'M / red'],
      ['TEE-S-RED', 'S / red'],
    ]);

    const before = await catalogFingerprint();
    const seqBefore = await server.db
      .selectFrom('products')
      .select((eb) => eb.fn.max('catalog_seq').as('s'))
      .executeTakeFirstOrThrow();
    const again = await importFile(padded);
    expect(again.body).toMatchObject({ applied: true, inserted: 0, updated: 0, unchanged: 3004 });
    expect(await catalogFingerprint()).toBe(before);
    const seqAfter = await server.db
      .selectFrom('products')
      .select((eb) => eb.fn.max('catalog_seq').as('s'))
      .executeTakeFirstOrThrow();
    expect(seqAfter.s).toBe(seqBefore.s); // terminals get an empty delta
  });

  it('round-trips: the CSV export and the Arrow export, imported into an empty catalog, export the same catalog', async () => {
    const csv = await download('products');
    const arrow = await download('products', 'arrow');
    expect(csv.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf])); // a BOM, for spreadsheets
    for (const file of [csv, arrow]) {
      const again = await withFreshDatabase(async (db) => {
        const r = await importCatalog(db, Readable.from([file]), { actor: 'test' });
        expect(r).toMatchObject({ applied: true, badRowCount: 0, inserted: 3004 });
        return collect(exportData(db, 'products', 'csv'));
      });
      expect(again.toString('utf8')).toBe(csv.toString('utf8'));
    }
  });

  it('refuses bad files with a clear reason and changes nothing', async () => {
    const before = await catalogFingerprint();
    const audits = await importAudits();
    const good = `${HEADER}NEW-1,New thing,1.00,0.50,standard,${ean(100)},,,,,,,\n`;
    const cases: Array<[string, string | Uint8Array, string, RegExp]> = [
      ['a 0-byte file', '', 'import.empty_file', /empty/],
      ['a Latin-1 file', Buffer.from(`${HEADER}NEW-2,Crème brûlée,4.00,1.00,standard,,,,,,,,\n`, 'latin1'), 'import.bad_encoding', /UTF-8/],
      ['a PNG', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), 'import.not_csv', /PNG/],
      ['a Parquet file', Buffer.from('PAR1\x15\x04\x15\x00', 'latin1'), 'import.unsupported_format', /Parquet/],
      ['broken quoting', `${HEADER}"NEW-3,Open quote,1.00\n`, 'import.not_csv', /never closed/],
      ['no price column', 'sku,name\nNEW-4,No price\n', 'import.missing_columns', /price/],
      ['duplicated barcodes', `${good}NEW-5,Other,2.00,1.00,standard,${ean(100)},,,,,,,\n`, 'import.rows_invalid', /also on line 2/],
      ['a barcode of another product', `${HEADER}NEW-6,Thief,2.00,1.00,standard,${ean(1)},,,,,,,\n`, 'import.rows_invalid', /belongs to product TEE/],
      ['a bad check digit', `${HEADER}NEW-7,Typo,2.00,1.00,standard,4006381333932,,,,,,,\n`, 'import.rows_invalid', /check digit/],
      ['a negative price', `${HEADER}NEW-8,Refund?,-2.00,1.00,standard,,,,,,,,\n`, 'import.rows_invalid', /negative/],
    ];
    for (const [what, body, code, reason] of cases) {
      const r = await importFile(body);
      expect(r.status, what).toBe(422);
      expect(r.body.code, what).toBe(code);
      const text = `${r.body.detail} ${JSON.stringify(r.body.report?.badRows ?? [])}`;
      expect(text, what).toMatch(reason);
      expect(r.body.report.applied, what).toBe(false);
    }
    expect(await catalogFingerprint()).toBe(before);
    expect(await importAudits()).toBe(audits);
  });

  it('a dry run lists every bad row by line and reason; skip-bad-rows imports the others', async () => {
    const file = [
      HEADER.trim(),
      `OK-1,Fine one,1.00,0.40,standard,${ean(200)},,,,,,,`,
      `BAD-1,,1.00,0.40,standard,,,,,,,,`,
      `OK-2,Fine two,2.00,0.40,standard,${ean(201)},,,,,,,`,
      `BAD-2,Wrong tax,2.00,0.40,luxury,,,,,,,,`,
      `BAD-3,Short row,2.00`,
      `OK-1,Fine one again,1.00,0.40,standard,,,,,,,,`,
    ].join('\n');
    const before = await catalogFingerprint();
    const dry = await importFile(file, '?dryRun=true&mode=skip-bad-rows');
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ dryRun: true, applied: false, rows: 6, badRowCount: 4, inserted: 2 });
    expect(dry.body.badRows.map((b: { line: number; reason: string }) => [b.line, b.reason])).toEqual([
      [3, 'name is empty'],
      [5, 'tax class "luxury" does not exist'],
      [6, 'the row has 3 fields, the header has 13'],
      [7, 'SKU OK-1 is also on line 2'],
    ]);
    expect(await catalogFingerprint()).toBe(before);
    const real = await importFile(file, '?mode=skip-bad-rows');
    expect(real.body).toMatchObject({ applied: true, inserted: 2, badRowCount: 4 });
    const found = await fetch(`${server.url}/api/v1/products?sku=OK-2`).then((r) => r.json());
    expect(found.items[0]).toMatchObject({ name: 'Fine two', price: 200 });
  });

  it('reads the product CSVs Shopify and Square export', async () => {
    const shopify = [
      'Handle,Title,Body (HTML),Vendor,Type,Tags,Published,Option1 Name,Option1 Value,Variant SKU,Variant Grams,Variant Price,Variant Taxable,Variant Barcode,Image Src,Cost per item,Status',
      `mug,Enamel Mug,<p>Camp <b>mug</b></p>,Fjord,Kitchen,,true,Colour,Blue,MUG-BLUE,300,12.00,true,${ean(300)},http://x/1.jpg,4.00,active`,
      `mug,,,,,,,,Green,MUG-GREEN,300,12.50,true,${ean(301)},,4.10,`,
      'mug,,,,,,,,,,,,,,http://x/2.jpg,,',
    ].join('\n');
    const s = await importFile(shopify);
    expect(s.body).toMatchObject({ layout: 'shopify', applied: true, inserted: 2, badRowCount: 0 });
    const green = await fetch(`${server.url}/api/v1/products/search?q=MUG-GREEN`).then((r) => r.json());
    expect(green.items[0]).toMatchObject({ name: 'Enamel Mug - Green', price: 1250 });

    const square = [
      'Token,Item Name,Variation Name,SKU,Description,Category,GTIN,Price,Default Unit Cost,Archived',
      `X1,Espresso,Regular,ESP-1,Short coffee,Drinks,${ean(310)},2.20,0.30,N`,
      `X2,Latte,Large,LAT-L,,Drinks,,4.10,0.80,N`,
    ].join('\n');
    const q = await importFile(square);
    expect(q.body).toMatchObject({ layout: 'square', applied: true, inserted: 2 });
    const latte = await fetch(`${server.url}/api/v1/products/search?q=LAT-L`).then((r) => r.json());
    expect(latte.items[0]).toMatchObject({ name: 'Latte - Large', price: 410 });
  });

  it('a mapped spreadsheet with its own headers imports through the column-mapping step', async () => {
    const file = `Article;Bezeichnung;VK;EK\nART-9;Brezel;0,90;0,30\n`;
    const unmapped = await importFile(file);
    expect(unmapped.body.code).toBe('import.missing_columns');
    const mapped = await importFile(file, '?map=sku:Article,name:Bezeichnung,price:VK,cost:EK');
    expect(mapped.body).toMatchObject({ applied: true, inserted: 1 });
  });
});

describe('first load into an empty catalog', () => {
  /** Every index and constraint on the catalog's tables, as PostgreSQL would recreate it. */
  const schemaOf = async (db: Kysely<Database>) => {
    const r = await sql<{ d: string }>`
      SELECT pg_get_indexdef(indexrelid) AS d FROM pg_index WHERE indrelid IN ('products'::regclass, 'product_barcodes'::regclass)
      UNION ALL SELECT conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid IN ('products'::regclass, 'product_barcodes'::regclass)
      ORDER BY 1`.execute(db);
    return r.rows.map((x) => x.d);
  };

  it('a big first load keeps every index and key (also when rolled back), finds products by barcode, and a re-import changes nothing', async () => {
    const file = await collect(demoCatalogCsv(25_000));
    await withFreshDatabase(async (db) => {
      const before = await schemaOf(db);
      // A dry run goes all the way through the load and rolls back: the catalog is as it was.
      const dry = await importCatalog(db, Readable.from([file]), { actor: 'test', dryRun: true });
      expect(dry).toMatchObject({ applied: false, inserted: 25_000 });
      expect(await schemaOf(db)).toEqual(before);
      expect((await sql<{ n: number }>`SELECT count(*)::int AS n FROM products`.execute(db)).rows[0]?.n).toBe(0);
      const first = await importCatalog(db, Readable.from([file]), { actor: 'test' });
      expect(first).toMatchObject({ applied: true, badRowCount: 0, inserted: 25_000 });
      expect(await schemaOf(db)).toEqual(before);
      const code = withCheckDigit(String(400_000_000_000 + 1234));
      const hit = await sql<{ sku: string }>`SELECT p.sku FROM product_barcodes b JOIN products p ON p.id = b.product_id WHERE b.barcode = ${code}`.execute(db);
      expect(hit.rows).toHaveLength(1);
      const again = await importCatalog(db, Readable.from([file]), { actor: 'test' });
      expect(again).toMatchObject({ applied: true, inserted: 0, updated: 0, unchanged: 25_000 });
    });
  });
});

describe('crash safety', () => {
  it('a process killed mid-import leaves the catalog as it was; the rerun imports it all', async () => {
    const file = path.join(dir.dir, 'big.csv');
    writeFileSync(file, await collect(demoCatalogCsv(40_000, 500_000)));
    const count = async () =>
      Number(
        (
          await server.db
            .selectFrom('products')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await count();
    const fingerprint = await catalogFingerprint();
    const run = (killAt?: RegExp) =>
      new Promise<{ code: number | null; signal: string | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, ['transactional/bin/keel.mjs', 'import', file], {
          cwd: path.resolve(import.meta.dirname, '../..'),
          env: { ...process.env, DATABASE_URL: dbUrl, DATA_DIR: dir.dir },
        });
        let stderr = '';
        child.stderr.on('data', (d: Buffer) => {
          stderr += d.toString();
          if (killAt?.test(stderr)) child.kill('SIGKILL');
        });
        child.on('exit', (code, signal) => resolve({ code, signal, stderr }));
      });
    for (const moment of [/KiB/, /Applying/]) {
      const killed = await run(moment);
      expect(killed.signal).toBe('SIGKILL');
      expect(await count()).toBe(before);
      expect(await catalogFingerprint()).toBe(fingerprint);
    }
    const full = await run();
    expect(full.stderr).toMatch(/inserted 40000/);
    expect(full.code).toBe(0);
    expect(await count()).toBe(before + 40_000);
  });
});

describe('editing', () => {
  it('two people editing one product: the second save is refused (version check) and neither edit is lost silently', async () => {
    const p = await fetch(`${server.url}/api/v1/products?sku=APPLES`).then((r) => r.json());
    const { id, version } = p.items[0];
    const patch = (body: unknown) =>
      fetch(`${server.url}/api/v1/products/${id}`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const [a, b] = await Promise.all([patch({ version, price: 399 }), patch({ version, name: 'Apples Gala (loose)' })]);
    const statuses = [a.status, b.status].sort();
    expect(statuses).toEqual([200, 409]);
    const loser = a.status === 409 ? a : b;
    const problem = await loser.json();
    expect(problem).toMatchObject({ code: 'product.version_conflict', currentVersion: version + 1 });
    // The loser reloads and saves again: both edits are there.
    const retryBody = a.status === 409 ? { version: version + 1, price: 399 } : { version: version + 1, name: 'Apples Gala (loose)' };
    expect((await patch(retryBody)).status).toBe(200);
    const now = await fetch(`${server.url}/api/v1/products/${id}`).then((r) => r.json());
    expect(now).toMatchObject({ price: 399, name: 'Apples Gala (loose)', version: version + 2 });
    const audits = await server.db.selectFrom('audit_log').select('detail').where('action', '=', 'product.update').where('subject', '=', 'APPLES').execute();
    expect(audits).toHaveLength(2);
  });

  it('stock is the sum of movements: receive, then a count posts the difference', async () => {
    const p = await fetch(`${server.url}/api/v1/products?sku=APPLES`).then((r) => r.json());
    const id = p.items[0].id;
    const post = (url: string, body: unknown) =>
      fetch(`${server.url}${url}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async (r) => ({
        status: r.status,
        body: await r.json(),
      }));
    expect((await post('/api/v1/stock/receipts', { storeId: 1, productId: id, quantityMilli: 10_000, note: 'delivery 42' })).body).toMatchObject({
      onHandMilli: 10_000,
    });
    expect((await post('/api/v1/stock/receipts', { storeId: 1, productId: id, quantityMilli: -5 })).body.code).toBe('stock.invalid');
    expect((await post('/api/v1/stock/counts', { storeId: 1, productId: id, countedMilli: 7_250 })).body).toMatchObject({
      movementMilli: -2_750,
      onHandMilli: 7_250,
    });
    const level = await fetch(`${server.url}/api/v1/products/${id}/stock`).then((r) => r.json());
    expect(level.stores).toEqual([{ storeId: 1, onHandMilli: 7_250 }]);
    const movements = await server.db.selectFrom('stock_movements').select(['reason', 'quantity_milli']).where('product_id', '=', id).orderBy('id').execute();
    expect(movements.map((m) => [m.reason, m.quantity_milli])).toEqual([
      ['receiving', 10_000],
      ['count', -2_750],
    ]);
  });

  it('the scanner finds a product by barcode from the catalog in memory, and sees an edit as soon as it is saved', async () => {
    await expect.poll(async () => (await fetch(`${server.url}/health`).then((r) => r.json())).catalogInMemory, { timeout: 20_000 }).toBe('ready');
    const scan = (code: string) => fetch(`${server.url}/api/v1/products/by-barcode/${code}`);
    const found = await (await scan(ean(4))).json();
    expect(found).toMatchObject({ sku: 'TEE-M-RED', taxClass: 'standard', active: true });
    const unknown = await scan(withCheckDigit('590000099999'));
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).code).toBe('product.not_found');
    const edited = await fetch(`${server.url}/api/v1/products/${found.id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ version: found.version, price: found.price + 100, name: 'Cotton T-shirt M red (new season)' }),
    });
    expect(edited.status).toBe(200);
    // No wait: the write refreshed the server's memory before it answered.
    expect(await (await scan(ean(4))).json()).toMatchObject({
      price: found.price + 100,
      name: 'Cotton T-shirt M red (new season)',
      version: found.version + 1,
    });
    const search = await fetch(`${server.url}/api/v1/products/search?q=${encodeURIComponent('new season')}`).then((r) => r.json());
    expect(search.items.map((i: { sku: string; match: string }) => [i.sku, i.match])).toEqual([['TEE-M-RED', 'words']]);
  });

  it('search finds by barcode, SKU, name prefix and with a typo', async () => {
    const search = (q: string) => fetch(`${server.url}/api/v1/products/search?q=${encodeURIComponent(q)}`).then((r) => r.json());
    expect((await search(ean(4))).items[0]).toMatchObject({ sku: 'TEE-M-RED', match: 'exact' });
    expect((await search('tee-s-red')).items.some((i: { sku: string }) => i.sku === 'TEE-S-RED')).toBe(true);
    const prefix = await search('cotton t-sh');
    expect(prefix.items[0]).toMatchObject({ match: 'prefix' });
    expect(prefix.items[0].name).toMatch(/^Cotton T-shirt/);
    const typo = await search('enamle mug');
    expect(typo.items[0]).toMatchObject({ match: 'similar' });
    expect(typo.items[0].name).toMatch(/Enamel Mug/);
  });
});
