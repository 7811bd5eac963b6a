import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatalogNameIndex } from '../src/catalog-name-index.js';
import { searchProducts } from '../src/catalog-search.js';
import { migrate } from '../src/migrate.js';
import { openDatabase } from '../src/open-database.js';
import { createTestDatabase, tempDataDir } from './support/test-env.js';

/** The till's name search with its candidates from the server's in-memory name index, against the real PostgreSQL. */
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let opened: Awaited<ReturnType<typeof openDatabase>>;
const data = tempDataDir();
const indexes: CatalogNameIndex[] = [];

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
  await sql`INSERT INTO products (sku, name, price, cost, tax_class)
    SELECT 'P-' || i, name, 100 + i, 50, 'standard' FROM unnest(${NAMES}::text[]) WITH ORDINALITY AS t(name, i)`.execute(opened.db);
});

afterAll(async () => {
  for (const index of indexes) await index.close();
  await opened?.db.destroy();
  await database?.drop();
  data.remove();
});

async function started(options?: Parameters<typeof CatalogNameIndex.start>[2]): Promise<CatalogNameIndex> {
  const index = CatalogNameIndex.start(opened.db, database.url, options);
  indexes.push(index);
  await index.ready();
  expect(index.state).toBe('ready');
  return index;
}

const names = async (q: string, index?: CatalogNameIndex) => (await searchProducts(opened.db, q, {}, 20, 0, index)).map((h) => `${h.match}:${h.name}`);
const rename = (sku: string, name: string) => sql`UPDATE products SET name = ${name}, version = version + 1 WHERE sku = ${sku}`.execute(opened.db);

describe('the in-memory name index', () => {
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

  it('answers a rename and a new product at once, and no longer finds a product by its old name', async () => {
    const index = await started();
    await rename('P-6', 'Fresh Spearmint Paste 75 ml');
    await sql`INSERT INTO products (sku, name, price, cost, tax_class) VALUES ('P-NEW', 'Blood Orange Sparkling Water', 99, 40, 'standard')`.execute(opened.db);
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
