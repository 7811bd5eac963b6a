import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { productByBarcode, searchProducts } from '../src/catalog-search.js';
import { CopyConnection } from '../src/copy-connection.js';
import { migrate } from '../src/migrate.js';
import { openDatabase } from '../src/open-database.js';
import { prepared } from '../src/prepared-statements.js';
import { createTestDatabase, tempDataDir } from './support/test-env.js';

/** The scanner's lookup runs as a named prepared statement on PostgreSQL: planned once a connection, never a stale answer. */
let database: Awaited<ReturnType<typeof createTestDatabase>>;
let opened: Awaited<ReturnType<typeof openDatabase>>;
const data = tempDataDir();

beforeAll(async () => {
  database = await createTestDatabase();
  opened = await openDatabase({ databaseUrl: database.url, dataDir: data.dir, poolSize: 2 });
  await migrate(opened.db);
  await sql`INSERT INTO products (sku, name, price, cost, tax_class) VALUES ('MILK-1', 'Whole milk 1 L', 129, 80, 'standard'), ('TEA-1', 'Green tea', 350, 120, 'standard')`.execute(
    opened.db,
  );
  await sql`INSERT INTO product_barcodes (barcode, product_id, kind) SELECT '4006381333931', id, 'ean13' FROM products WHERE sku = 'MILK-1'`.execute(opened.db);
});

afterAll(async () => {
  await opened?.db.destroy();
  await database?.drop();
  data.remove();
});

/** Run `fn` with one connection of the server's pool to itself, where its prepared statements are visible. */
async function onOneConnection(fn: (conn: CopyConnection) => Promise<void>): Promise<void> {
  const conn = await CopyConnection.open(opened.db);
  if (!conn) throw new Error('a server PostgreSQL pool was expected');
  try {
    await fn(conn);
  } finally {
    await conn.release();
  }
}

describe('the barcode lookup as a prepared statement', () => {
  it('is prepared once on the connection, answers the current price after an edit, and leaves other statements unprepared', () =>
    onOneConnection(async (conn) => {
      expect(await productByBarcode(conn.db, '4006381333931')).toMatchObject({ sku: 'MILK-1', price: 129 });
      await sql`UPDATE products SET price = 135 WHERE sku = 'MILK-1'`.execute(opened.db);
      expect(await productByBarcode(conn.db, '4006381333931')).toMatchObject({ sku: 'MILK-1', price: 135 });
      expect(await productByBarcode(conn.db, '0000000000000')).toBeUndefined();
      await sql`SELECT ${'not prepared'}::text AS x`.execute(conn.db);
      const statements = await conn.client.query<{ name: string; statement: string }>('SELECT name, statement FROM pg_prepared_statements');
      expect(statements.rows).toHaveLength(1);
      expect(statements.rows[0]?.name).toMatch(/^keel_[0-9a-f]{20}$/);
      expect(statements.rows[0]?.statement).toMatch(/FROM product_barcodes b JOIN products p .* WHERE b\.barcode = \$1/s);
    }));

  it('keeps answering name prefixes once PostgreSQL plans the prepared search generically', () =>
    onOneConnection(async (conn) => {
      // PostgreSQL may switch to one generic plan after five runs; the answers must not change.
      for (let i = 0; i < 8; i++) {
        const hits = await searchProducts(conn.db, i % 2 ? 'Whole M' : 'green t', {}, 20, 0);
        expect(hits.map((h) => [h.sku, h.match])).toEqual([i % 2 ? ['MILK-1', 'prefix'] : ['TEA-1', 'prefix']]);
      }
      expect((await searchProducts(conn.db, 'MILK-1', {}, 20, 0))[0]).toMatchObject({ sku: 'MILK-1', match: 'exact' });
      const statements = await conn.client.query<{ statement: string }>('SELECT statement FROM pg_prepared_statements');
      expect(statements.rows.map((r) => r.statement).join('\n')).toMatch(/~>=~ \$1 AND lower\(p\.name\) ~<~ \$2/);
    }));

  it('runs a statement unprepared once a migration changed its columns under it, instead of failing', () =>
    onOneConnection(async (conn) => {
      await sql`CREATE TABLE shelf_labels (id integer PRIMARY KEY); INSERT INTO shelf_labels VALUES (1)`.execute(opened.db);
      const read = async () => (await conn.db.executeQuery(prepared(sql`SELECT * FROM shelf_labels WHERE id = ${1}`.compile(conn.db)))).rows;
      expect(await read()).toEqual([{ id: 1 }]);
      await sql`ALTER TABLE shelf_labels ADD COLUMN text text NOT NULL DEFAULT 'Sale'`.execute(opened.db);
      expect(await read()).toEqual([{ id: 1, text: 'Sale' }]);
      expect(await read()).toEqual([{ id: 1, text: 'Sale' }]);
    }));
});
