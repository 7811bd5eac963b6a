import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatalogMemory } from '../src/catalog-memory.js';
import { productByBarcode, searchProducts } from '../src/catalog-search.js';
import { migrate } from '../src/migrate.js';
import { openDatabase } from '../src/open-database.js';
import { createTestDatabase, tempDataDir } from './support/test-env.js';

/** The tills' barcode lookup and name search answered from the catalog in the server's memory, against the real PostgreSQL. */
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let opened: Awaited<ReturnType<typeof openDatabase>>;
const data = tempDataDir();
const indexes: CatalogMemory[] = [];

const NAMES = [
  'Valley Farm Whole Milk 1 L',
  'Valley Farm Semi-skimmed Milk 2 L',
  'Nordic Gold Lager 6 x 330 ml',
  'Organic Salted Butter 250 g',
  'Organic Unsalted Butter 250 g',
  'Mint Toothpaste 75 ml',
  'Tomato Juice 1 L',
  'Cherry Tomatoes 250 g',
  'Coca-Cola 1.5 L',
  'Milk Chocolate Bar 100 g',
];

beforeAll(async () => {
  database = await createTestDatabase();
  opened = await openDatabase({ databaseUrl: database.url, dataDir: data.dir, poolSize: 4 });
  await migrate(opened.db);
  await sql`INSERT INTO products (sku, name, price, cost, tax_class, barcode)
    SELECT 'P-' || i, name, 100 + i, 50, 'standard', '200000000' || lpad(i::text, 3, '0') || '0' FROM unnest(${NAMES}::text[]) WITH ORDINALITY AS t(name, i)`.execute(
    opened.db,
  );
  await sql`INSERT INTO product_barcodes (barcode, product_id, kind) SELECT barcode, id, 'internal' FROM products`.execute(opened.db);
  await sql`INSERT INTO product_barcodes (barcode, product_id, kind) SELECT 'TILL-CODE-7', id, 'internal' FROM products WHERE sku = 'P-7'`.execute(opened.db);
});

afterAll(async () => {
  for (const index of indexes) await index.close();
  await opened?.db.destroy();
  await database?.drop();
  data.remove();
});

async function started(options?: Parameters<typeof CatalogMemory.start>[2]): Promise<CatalogMemory> {
  const memory = CatalogMemory.start(opened.db, database.url, { pollMs: 60_000, ...options });
  indexes.push(memory);
  await memory.ready();
  expect(memory.state).toBe('ready');
  return memory;
}

const names = async (q: string, index?: CatalogMemory) => (await searchProducts(opened.db, q, {}, 20, 0, index)).map((h) => `${h.match}:${h.name}`);
const rename = (sku: string, name: string) => sql`UPDATE products SET name = ${name}, version = version + 1 WHERE sku = ${sku}`.execute(opened.db);

describe('name search from the catalog in memory', () => {
  it('gives the same answers as the SQL search: words anywhere, inside words, typos, and terms with punctuation', async () => {
    const index = await started();
    for (const q of ['whole mi', 'milk', 'butter organic', 'alted', 'tomatoe juice', 'toothpaste mint', 'coca-cola', 'cola', 'organic buttr', 'nothing here']) {
      expect(await names(q, index), q).toEqual(await names(q));
    }
    expect(await names('butter organic', index)).toEqual(['words:Organic Salted Butter 250 g', 'words:Organic Unsalted Butter 250 g']);
    expect(await names('organic buttr', index)).toEqual(['similar:Organic Salted Butter 250 g', 'similar:Organic Unsalted Butter 250 g']);
  });

  it('ranks every match, not the first few: the shortest name whose words start with the terms comes first among hundreds', async () => {
    await sql`INSERT INTO products (sku, name, price, cost, tax_class)
      SELECT 'LONG-' || i, 'Hillside Dairy Farm Creamy Whole Milk Bottle No ' || i, 150, 90, 'standard' FROM generate_series(1, 300) AS i`.execute(opened.db);
    await sql`INSERT INTO products (sku, name, price, cost, tax_class) VALUES ('OAT-1', 'Oat Milk 1 L', 199, 90, 'standard'), ('OAT-2', 'Oatmilk Barista 1 L', 209, 95, 'standard')`.execute(
      opened.db,
    );
    const index = await started();
    const hits = await names('milk', index);
    expect(hits.slice(0, 3)).toEqual(['prefix:Milk Chocolate Bar 100 g', 'words:Oat Milk 1 L', 'words:Valley Farm Whole Milk 1 L']);
    // 'milk' inside a word ranks after every name where it starts one.
    expect(hits).not.toContain('words:Oatmilk Barista 1 L');
    expect((await searchProducts(opened.db, 'milk', {}, 400, 0, index)).at(-1)?.name).toBe('Oatmilk Barista 1 L');
    await sql`DELETE FROM products WHERE sku LIKE 'LONG-%' OR sku LIKE 'OAT-%'`.execute(opened.db);
  });

  it('answers a rename and a new product once the server has refreshed after the write, and no longer finds a product by its old name', async () => {
    const index = await started();
    await rename('P-6', 'Fresh Spearmint Paste 75 ml');
    await sql`INSERT INTO products (sku, name, price, cost, tax_class) VALUES ('P-NEW', 'Blood Orange Sparkling Water', 99, 40, 'standard')`.execute(opened.db);
    // What a write through the server does before it answers.
    await index.refresh();
    expect(await names('toothpaste', index)).toEqual([]);
    expect(await names('spearmint', index)).toEqual(['words:Fresh Spearmint Paste 75 ml']);
    expect(await names('sparkling orange', index)).toEqual(['words:Blood Orange Sparkling Water']);
    await rename('P-6', 'Mint Toothpaste 75 ml');
  });

  it('finds a change numbered below one it has already seen once that change commits (a long import)', async () => {
    const index = await started();
    const slow = new pg.Client({ connectionString: database.url });
    await slow.connect();
    try {
      // The slow transaction takes its change number first, then a quick edit takes a higher one and commits.
      await slow.query('BEGIN');
      await slow.query(`UPDATE products SET name = 'Zesty Lemon Soda 330 ml' WHERE sku = 'P-10'`);
      await rename('P-3', 'Nordic Gold Lager 4 x 440 ml');
      await index.refresh();
      expect(await names('lager', index)).toEqual(['words:Nordic Gold Lager 4 x 440 ml']);
      expect(await names('lemon soda', index)).toEqual([]);
      await slow.query('COMMIT');
      // Its notice arrives after the commit: the index reads the announced range.
      await expect.poll(() => names('lemon soda', index), { timeout: 5_000 }).toEqual(['words:Zesty Lemon Soda 330 ml']);
      expect(await names('chocolate', index)).toEqual([]);
    } finally {
      await slow.end();
    }
    await rename('P-10', 'Milk Chocolate Bar 100 g');
  });

  it('rebuilds itself when more products changed than it keeps beside its base, and answers from SQL meanwhile', async () => {
    const index = await started({ maxChanged: 3 });
    await sql`UPDATE products SET name = name || ' Value Pack', version = version + 1 WHERE sku IN ('P-1', 'P-2', 'P-4', 'P-5')`.execute(opened.db);
    await index.refresh();
    expect(index.state).toBe('building');
    expect(await names('value pack milk', index)).toEqual([
      'words:Valley Farm Whole Milk 1 L Value Pack',
      'words:Valley Farm Semi-skimmed Milk 2 L Value Pack',
    ]);
    await index.ready();
    expect(index.state).toBe('ready');
    expect(await names('pack butter', index)).toEqual(['words:Organic Salted Butter 250 g Value Pack', 'words:Organic Unsalted Butter 250 g Value Pack']);
  });

  it('answers nothing while its listener is down (the search still answers from SQL), then builds itself again', async () => {
    const index = await started({ retryMs: 200 });
    const listeners = await sql<{ pid: number }>`
      SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN keel_catalog' AND pid <> pg_backend_pid()`.execute(opened.db);
    await sql`SELECT pg_terminate_backend(pid) FROM unnest(${listeners.rows.map((r) => r.pid)}::int[]) AS pid`.execute(opened.db);
    await expect.poll(() => index.state, { timeout: 5_000 }).not.toBe('ready');
    await rename('P-8', 'Cherry Plum Tomatoes 250 g');
    expect(await names('plum tomatoes', index)).toEqual(['words:Cherry Plum Tomatoes 250 g']);
    await expect.poll(() => index.state, { timeout: 5_000 }).toBe('ready');
    expect(await names('plum tomatoes', index)).toEqual(['words:Cherry Plum Tomatoes 250 g']);
  });
});

describe('barcode lookups from the catalog in memory', () => {
  const scan = (code: string, memory?: CatalogMemory) => productByBarcode(opened.db, code, memory);
  const fields = ['id', 'sku', 'name', 'price', 'tax_class', 'active', 'unit', 'version'] as const;
  const shown = (p: Awaited<ReturnType<typeof scan>>) => p && Object.fromEntries(fields.map((k) => [k, p[k]]));

  it('answers what the database answers, for numeric and other codes, and nothing for an unknown code', async () => {
    const memory = await started();
    for (const code of ['2000000000010', '2000000000070', 'TILL-CODE-7', '2000000000100']) {
      expect(shown(await scan(code, memory)), code).toEqual(shown(await scan(code)));
      expect(await scan(code, memory)).toBeDefined();
    }
    expect(await scan('2000000000070', memory)).toMatchObject({ sku: 'P-7', price: 107, tax_class: 'standard', active: true, unit: 'piece' });
    expect(await memory.byBarcode('9999999999994')).toBeNull();
    expect(await memory.byBarcode('NO-SUCH-CODE')).toBeNull();
  });

  it('follows price edits, a code moved to another product and a code removed, once each commits', async () => {
    const memory = await started();
    await sql`UPDATE products SET price = 999, active = false, version = version + 1 WHERE sku = 'P-7'`.execute(opened.db);
    await expect.poll(() => scan('TILL-CODE-7', memory)).toMatchObject({ sku: 'P-7', price: 999, active: false });
    await opened.db.transaction().execute(async (tx) => {
      await sql`UPDATE product_barcodes SET product_id = (SELECT id FROM products WHERE sku = 'P-8') WHERE barcode = 'TILL-CODE-7'`.execute(tx);
      await sql`DELETE FROM product_barcodes WHERE barcode = '2000000000020'`.execute(tx);
      await sql`UPDATE products SET barcode = NULL, version = version + 1 WHERE sku IN ('P-2', 'P-7', 'P-8')`.execute(tx);
    });
    await expect.poll(() => scan('TILL-CODE-7', memory)).toMatchObject({ sku: 'P-8' });
    expect(await memory.byBarcode('2000000000020')).toBeNull();
    expect(await scan('2000000000070', memory)).toMatchObject({ sku: 'P-7', price: 999 });
    expect(shown(await scan('2000000000080', memory))).toEqual(shown(await scan('2000000000080')));
  });

  it('reads a change nobody announced on its next poll', async () => {
    const memory = await started({ pollMs: 50 });
    // As if the notice were lost: the change is made with the announcing triggers off for this session.
    const quiet = new pg.Client({ connectionString: database.url });
    await quiet.connect();
    try {
      await quiet.query('BEGIN');
      await quiet.query(`SET LOCAL session_replication_role = replica`);
      await quiet.query(`UPDATE products SET price = 1234, catalog_seq = nextval('catalog_seq') WHERE sku = 'P-9'`);
      await quiet.query('COMMIT');
    } finally {
      await quiet.end();
    }
    await expect.poll(() => scan('2000000000090', memory)).toMatchObject({ sku: 'P-9', price: 1234 });
  });
});
