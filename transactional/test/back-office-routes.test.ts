import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KeelServer, startKeel } from '../src/keel-server.js';
import { createTestDatabase, tempDataDir, testConfig } from './support/test-env.js';

/** What the back office pages rely on, on the real PostgreSQL: filtered pages, stale edits, receipts with cost, import progress, Parquet exports. */
let server: KeelServer;
let dir: { dir: string; remove: () => void };
let cleanup: Array<() => Promise<void> | void> = [];

const HEADER = 'sku,name,price,cost,tax_class,category,brand,active\n';
const PRODUCTS = 250;
/** Every third product is in Drinks, the rest in Food's two aisles; every fifth is by Fjord, every seventh is inactive. */
function catalogCsv(): string {
  const rows = Array.from({ length: PRODUCTS }, (_, i) => {
    const n = i + 1;
    return `BO-${String(n).padStart(4, '0')},Product ${n},${(n % 90) + 1}.25,0.50,standard,${n % 3 === 0 ? 'Drinks' : n % 3 === 1 ? 'Food > Produce' : 'Food > Bakery'},${n % 5 === 0 ? 'Fjord' : 'Acme'},${n % 7 === 0 ? 'false' : 'true'}`;
  });
  return HEADER + rows.join('\n');
}

async function call(method: string, url: string, body?: unknown) {
  const res = await fetch(`${server.url}${url}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? null : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json().catch(() => null) };
}

beforeAll(async () => {
  const db = await createTestDatabase();
  dir = tempDataDir();
  cleanup = [db.drop, dir.remove];
  server = await startKeel(testConfig({ databaseUrl: db.url, dataDir: dir.dir }, { trustLoopback: true }), { dashboardsDist: null });
  const res = await fetch(`${server.url}/api/v1/catalog/imports`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: catalogCsv() });
  expect(res.status).toBe(200);
});

afterAll(async () => {
  await server?.close();
  for (const c of cleanup.reverse()) await c();
});

async function facetId(kind: 'categories' | 'brands', label: string): Promise<number> {
  const r = await call('GET', `/api/v1/catalog/${kind}?prefix=${encodeURIComponent(label)}`);
  const hit = r.body.items.find((x: { path?: string; name?: string }) => (x.path ?? x.name) === label);
  return hit.id;
}

describe('browsing the catalog page by page', () => {
  it('walks every page of a filtered list, each product once, and only matching products', async () => {
    const drinks = await facetId('categories', 'Drinks');
    const fjord = await facetId('brands', 'Fjord');
    const seen: string[] = [];
    let after = 0;
    for (let pages = 0; pages < 20; pages++) {
      const r = await call('GET', `/api/v1/products?category=${drinks}&brand=${fjord}&active=true&limit=4&after=${after}`);
      expect(r.status).toBe(200);
      for (const p of r.body.items) expect(p).toMatchObject({ categoryId: drinks, brandId: fjord, active: true });
      seen.push(...r.body.items.map((p: { sku: string }) => p.sku));
      if (r.body.next === null) break;
      after = r.body.next;
    }
    const expected = Array.from({ length: PRODUCTS }, (_, i) => i + 1)
      .filter((n) => n % 3 === 0 && n % 5 === 0 && n % 7 !== 0)
      .map((n) => `BO-${String(n).padStart(4, '0')}`);
    expect(seen).toEqual(expected);
  });

  it('a category includes its sub-categories: Food pages through both of its aisles in id order', async () => {
    const [food, bakery, produce] = (await Promise.all(['Food', 'Food > Bakery', 'Food > Produce'].map((c) => facetId('categories', c)))) as [
      number,
      number,
      number,
    ];
    const walk = async (category: number, extra = '') => {
      const seen: Array<{ sku: string; categoryId: number }> = [];
      let after = 0;
      for (let pages = 0; pages < 100; pages++) {
        const r = await call('GET', `/api/v1/products?category=${category}${extra}&limit=7&after=${after}`);
        expect(r.status).toBe(200);
        seen.push(...r.body.items);
        if (r.body.next === null) break;
        after = r.body.next;
      }
      return seen;
    };
    const all = Array.from({ length: PRODUCTS }, (_, i) => i + 1);
    const skus = (ns: number[]) => ns.map((n) => `BO-${String(n).padStart(4, '0')}`);
    const everyFood = await walk(food);
    expect(everyFood.map((p) => p.sku)).toEqual(skus(all.filter((n) => n % 3 !== 0)));
    expect(new Set(everyFood.map((p) => p.categoryId))).toEqual(new Set([bakery, produce]));
    expect((await walk(bakery)).map((p) => p.sku)).toEqual(skus(all.filter((n) => n % 3 === 2)));
    const inactiveFood = await walk(food, '&active=false');
    expect(inactiveFood.map((p) => p.sku)).toEqual(skus(all.filter((n) => n % 3 !== 0 && n % 7 === 0)));
  });

  it('lists categories and brands for the filters, and refuses a bad filter without changing anything', async () => {
    const cats = await call('GET', '/api/v1/catalog/categories');
    expect(cats.body.items.map((c: { path: string }) => c.path)).toEqual(expect.arrayContaining(['Drinks', 'Food > Produce']));
    const bad = await call('GET', '/api/v1/products?category=abc');
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('request.invalid');
  });
});

describe('editing a product', () => {
  it('refuses an edit made on a stale version, keeps the first edit and audits only it', async () => {
    const p = (await call('GET', '/api/v1/products?sku=BO-0001')).body.items[0];
    const first = await call('PATCH', `/api/v1/products/${p.id}`, { version: p.version, price: 999 });
    expect(first.status).toBe(200);
    const second = await call('PATCH', `/api/v1/products/${p.id}`, { version: p.version, price: 111 });
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ code: 'product.version_conflict', currentVersion: p.version + 1 });
    expect((await call('GET', `/api/v1/products/${p.id}`)).body.price).toBe(999);
    const audits = await server.db.selectFrom('audit_log').select(['detail']).where('action', '=', 'product.update').where('subject', '=', 'BO-0001').execute();
    expect(audits.map((a) => (a.detail as { changes: unknown }).changes)).toEqual([{ price: 999 }]);
  });
});

describe('receiving and counting stock', () => {
  it('posts a receipt with its unit cost and reference, then a count posts the difference', async () => {
    const p = (await call('GET', '/api/v1/products?sku=BO-0002')).body.items[0];
    const received = await call('POST', '/api/v1/stock/receipts', {
      storeId: 1,
      productId: p.id,
      quantityMilli: 12_000,
      unitCost: 45,
      reference: 'DN-2026-118',
    });
    expect(received.status).toBe(201);
    expect(received.body).toMatchObject({ movementMilli: 12_000, onHandMilli: 12_000 });
    const counted = await call('POST', '/api/v1/stock/counts', { storeId: 1, productId: p.id, countedMilli: 10_000 });
    expect(counted.body).toMatchObject({ movementMilli: -2_000, onHandMilli: 10_000 });
    const stock = await call('GET', `/api/v1/products/${p.id}/stock`);
    expect(stock.body.stores).toEqual([{ storeId: 1, onHandMilli: 10_000 }]);
    const moves = await server.db
      .selectFrom('stock_movements')
      .select(['reason', 'quantity_milli', 'unit_cost', 'reference'])
      .where('product_id', '=', p.id)
      .orderBy('id')
      .execute();
    expect(moves.map((m) => ({ ...m, quantity_milli: Number(m.quantity_milli), unit_cost: m.unit_cost === null ? null : Number(m.unit_cost) }))).toEqual([
      { reason: 'receiving', quantity_milli: 12_000, unit_cost: 45, reference: 'DN-2026-118' },
      { reason: 'count', quantity_milli: -2_000, unit_cost: null, reference: null },
    ]);
    const audit = await server.db
      .selectFrom('audit_log')
      .select(['detail'])
      .where('action', '=', 'stock.receiving')
      .where('subject', '=', 'BO-0002')
      .executeTakeFirstOrThrow();
    expect(audit.detail).toMatchObject({ quantityMilli: 12_000, unitCost: 45, reference: 'DN-2026-118' });
  });

  it('refuses a receipt of nothing, a negative cost or an empty reference, and records nothing', async () => {
    const p = (await call('GET', '/api/v1/products?sku=BO-0003')).body.items[0];
    const bad = [{ quantityMilli: 0 }, { quantityMilli: 1000, unitCost: -1 }, { quantityMilli: 1000, reference: '' }];
    const codes = [];
    for (const b of bad) codes.push((await call('POST', '/api/v1/stock/receipts', { storeId: 1, productId: p.id, ...b })).body.code);
    expect(codes).toEqual(['stock.invalid', 'request.invalid', 'request.invalid']);
    const moves = await server.db.selectFrom('stock_movements').select('id').where('product_id', '=', p.id).execute();
    expect(moves).toEqual([]);
  });
});

describe('importing with progress', () => {
  it('reports the progress of an import to the one who started it, and the bad rows of a dry run by line', async () => {
    const file = `${HEADER}NEW-1,New one,1.00,0.50,standard,Drinks,Acme,true\nNEW-2,New two,abc,0.50,standard,Drinks,Acme,true\nNEW-3,New three,2.00,0.50,standard,Drinks,Acme,true\n`;
    const res = await fetch(`${server.url}/api/v1/catalog/imports?dryRun=true&progressId=test-progress-1`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: file,
    });
    const report = await res.json();
    expect(report).toMatchObject({ dryRun: true, applied: false, rows: 3, badRowCount: 1 });
    expect(report.badRows).toEqual([{ line: 3, sku: 'NEW-2', reason: expect.stringMatching(/price/) }]);
    const progress = await call('GET', '/api/v1/catalog/imports/progress/test-progress-1');
    expect(progress.body).toMatchObject({ phase: 'done', rows: 3, bytes: Buffer.byteLength(file), finished: true });
    const unknown = await call('GET', '/api/v1/catalog/imports/progress/never-started');
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('import.progress_unknown');
    expect((await call('GET', '/api/v1/products?sku=NEW-1')).body.items).toEqual([]);
  });
});

describe('following a long import', () => {
  it('shows rows read while the upload is still coming, then the end', async () => {
    const rows = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => `LONG-${from + i},Long import ${from + i},1.00,0.50,standard,Drinks,Acme,true\n`).join('');
    let release: () => void = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    const body = new ReadableStream<Uint8Array>({
      async start(c) {
        c.enqueue(new TextEncoder().encode(HEADER + rows(1, 6000)));
        await held; // the rest of the file comes only once the test has seen the progress
        c.enqueue(new TextEncoder().encode(rows(6001, 1000)));
        c.close();
      },
    });
    const upload = fetch(`${server.url}/api/v1/catalog/imports?dryRun=true&progressId=long-import-1`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body,
      duplex: 'half',
    } as RequestInit);
    await expect
      .poll(async () => (await call('GET', '/api/v1/catalog/imports/progress/long-import-1')).body, { timeout: 30_000 })
      .toMatchObject({ phase: 'reading', finished: false, rows: 5000 });
    release();
    const report = await (await upload).json();
    expect(report).toMatchObject({ rows: 7000, badRowCount: 0, inserted: 7000, dryRun: true });
    expect((await call('GET', '/api/v1/catalog/imports/progress/long-import-1')).body).toMatchObject({ phase: 'done', rows: 7000, finished: true });
  });
});

describe('Parquet exports', () => {
  async function readBack(kind: string): Promise<Record<string, number>[]> {
    const res = await fetch(`${server.url}/api/v1/exports/${kind}?format=parquet`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.apache.parquet');
    const file = path.join(dir.dir, `${kind}.parquet`);
    writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    // Read back by another engine than the writer: ClickHouse's own Parquet reader (chDB).
    return server.warehouse.query(
      `SELECT count() AS n, sum(${kind === 'products' ? 'price_minor' : kind === 'stock' ? 'quantity_milli' : 'total_minor'}) AS s FROM file({p:String}, Parquet)`,
      {
        p: file,
      },
    );
  }

  it('writes products, stock and (empty) sales as Parquet files another engine reads to the same figures', async () => {
    const products = await server.db
      .selectFrom('products')
      .select((eb) => [eb.fn.countAll<string>().as('n'), eb.fn.sum<string>('price').as('s')])
      .executeTakeFirstOrThrow();
    expect(await readBack('products')).toEqual([{ n: Number(products.n), s: Number(products.s) }]);
    const stock = await server.db
      .selectFrom('stock_movements')
      .select((eb) => eb.fn.sum<string>('quantity_milli').as('s'))
      .executeTakeFirstOrThrow();
    expect(await readBack('stock')).toEqual([{ n: 1, s: Number(stock.s) }]);
    expect(await readBack('sales')).toEqual([{ n: 0, s: null }]); // no sales yet: the file has the columns and no row
  });
});

describe('customers export', () => {
  it('streams every customer with their sales count as CSV, and audits who took the personal data', async () => {
    const ada = await call('POST', '/api/v1/customers', { name: 'Ada Lovelace', email: 'ada@example.org', phone: '+44 20 7946 0000', code: 'C-ADA' });
    const bob = await call('POST', '/api/v1/customers', { name: 'Bob, "the builder"', phone: '555 0101' });
    expect([ada.status, bob.status]).toEqual([201, 201]);
    const res = await fetch(`${server.url}/api/v1/exports/customers`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="keel-customers.csv"');
    const lines = (await res.text())
      .replace(/^\uFEFF/, '')
      .trim()
      .split(/\r?\n/);
    expect(lines[0]).toBe('id,code,name,email,phone,created_at,sales');
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(new RegExp(`^${ada.body.id},C-ADA,Ada Lovelace,ada@example.org,\\+44 20 7946 0000,\\d{4}-\\d{2}-\\d{2}T[^,]+Z,0$`));
    expect(lines[2]).toMatch(new RegExp(`^${bob.body.id},,"Bob, ""the builder""",,555 0101,[^,]+,0$`));
    const audits = await server.db.selectFrom('audit_log').select(['actor', 'detail']).where('action', '=', 'export.customers').execute();
    expect(audits).toHaveLength(1);
    expect(audits[0]?.detail).toEqual({ format: 'csv' });
  });
});
