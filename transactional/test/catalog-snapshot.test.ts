import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CatalogIndex } from '@keel/terminal-ui/catalog-index';
import { type Table, tableFromIPC } from 'apache-arrow';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importCatalog } from '../src/catalog-import.js';
import { catalogSnapshot, PreparedSnapshots } from '../src/catalog-snapshot.js';
import { demoCatalogCsv } from '../src/demo-catalog.js';
import { type KeelServer, startKeel } from '../src/keel-server.js';
import { createTestDatabase, tempDataDir, testConfig } from './support/test-env.js';

/** The terminals' Arrow snapshot: a prepared file per catalog version, deltas for what changed since. */
let server: KeelServer;
let dataDir: string;
let dbUrl: string;
let cleanup: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  const db = await createTestDatabase();
  const dir = tempDataDir();
  dataDir = dir.dir;
  dbUrl = db.url;
  cleanup = [db.drop, dir.remove];
  server = await startKeel(testConfig({ databaseUrl: db.url, dataDir: dir.dir }, { trustLoopback: true }), { dashboardsDist: null });
  const r = await importCatalog(server.db, demoCatalogCsv(3000), { actor: 'test' });
  expect(r.inserted).toBe(3000);
});

afterAll(async () => {
  await server?.close();
  for (const c of cleanup.reverse()) await c();
});

async function download(since?: number): Promise<{ version: number; length: string | null; bytes: Uint8Array; table: Table }> {
  const res = await fetch(`${server.url}/api/v1/catalog/snapshot${since === undefined ? '' : `?since=${since}`}`);
  expect(res.status).toBe(200);
  const bytes = new Uint8Array(await res.arrayBuffer());
  return { version: Number(res.headers.get('x-catalog-version')), length: res.headers.get('content-length'), bytes, table: tableFromIPC(bytes) };
}

function product(table: Table, sku: string): Record<string, unknown> | undefined {
  for (let r = 0; r < table.numRows; r++) {
    if (table.getChild('sku')?.get(r) === sku) {
      const row = table.get(r)?.toJSON() as Record<string, unknown>;
      return { ...row, price: Number(row.price) };
    }
  }
  return undefined;
}

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Table> {
  const chunks: Uint8Array[] = [];
  for await (const c of stream) chunks.push(c);
  return tableFromIPC(Buffer.concat(chunks));
}

describe('catalog snapshot for terminals', () => {
  it('serves a prepared file per catalog version, and an edit reaches a till through the delta', async () => {
    const first = await download();
    expect(first.table.numRows).toBe(3000);
    expect(Number(first.length)).toBe(first.bytes.byteLength);
    const before = product(first.table, 'D0000123');
    expect(before).toMatchObject({ sku: 'D0000123', active: true });

    // The search index the server built beside the file: a till maps it instead of building its own.
    const indexed = await fetch(`${server.url}/api/v1/catalog/snapshot/index?version=${first.version}`);
    expect(indexed.status).toBe(200);
    const index = CatalogIndex.restore(first.table, await indexed.arrayBuffer(), { version: first.version, snapshotBytes: first.bytes.byteLength });
    expect(index?.byBarcode(String(before?.barcodes))).toMatchObject({ sku: 'D0000123' });
    expect(index?.bySku('d0000123')).toMatchObject({ sku: 'D0000123' });
    expect(index?.search(String(before?.name)).map((p) => p.sku)).toContain('D0000123');
    const other = await fetch(`${server.url}/api/v1/catalog/snapshot/index?version=${first.version - 1}`);
    expect(other.status).toBe(404);
    expect((await other.json()).code).toBe('catalog.index_unavailable');
    expect(readdirSync(path.join(dataDir, 'catalog-snapshots')).sort()).toEqual([`index-${first.version}.bin`, `snapshot-${first.version}.arrow`]);

    // The same bytes as the live query gives for that version (the file is that query, kept).
    const live = await collect(catalogSnapshot(server.db, 0, first.version));
    expect(live.numRows).toBe(3000);
    expect(product(live, 'D0000123')).toEqual(before);
    expect(Buffer.from((await download()).bytes).equals(Buffer.from(first.bytes))).toBe(true);

    // A second barcode and a new price: the prepared file may trail (few changes), the delta carries the edit.
    const row = await server.db.selectFrom('products').select(['id', 'barcode']).where('sku', '=', 'D0000123').executeTakeFirstOrThrow();
    await server.db.insertInto('product_barcodes').values({ barcode: '2900000001234', product_id: row.id, kind: 'internal' }).execute();
    await server.db.updateTable('products').set({ price: 4242 }).where('id', '=', row.id).execute();
    const again = await download();
    expect(again.version).toBe(first.version);
    const delta = await download(again.version);
    expect(delta.version).toBeGreaterThan(first.version);
    expect(delta.table.numRows).toBe(1);
    expect(product(delta.table, 'D0000123')).toMatchObject({ price: 4242, barcodes: `${row.barcode}|2900000001234` });
  });

  it('a change numbered before an edit but committed after it still reaches the till (a long import beside an edit)', async () => {
    const synced = await download((await download()).version);
    const slow = new pg.Client({ connectionString: dbUrl });
    await slow.connect();
    try {
      // The slow writer numbers its row first; a quick edit numbers its row after and commits first.
      await slow.query('BEGIN');
      await slow.query(`UPDATE products SET price = 5151 WHERE sku = 'D0000200'`);
      await server.db.updateTable('products').set({ price: 5252 }).where('sku', '=', 'D0000201').execute();
      const during = await download(synced.version);
      await slow.query('COMMIT');
      const after = await download(during.version);
      expect(product(after.table, 'D0000200')).toMatchObject({ price: 5151 });
      expect(product(during.table, 'D0000201') ?? product(after.table, 'D0000201')).toMatchObject({ price: 5252 });
    } finally {
      await slow.end();
    }
  });

  it('builds a new file once more products changed than a delta should carry, and drops the old one', async () => {
    const dir = path.join(dataDir, 'prepared-test');
    const snapshots = new PreparedSnapshots(server.db, dir, 10);
    const a = await snapshots.latest();
    expect(await snapshots.latest()).toEqual(a);
    await server.db.updateTable('products').set({ price: 777 }).where('id', '<=', 5).execute();
    expect(await snapshots.latest()).toEqual(a);
    await server.db.updateTable('products').set({ price: 778 }).where('id', '<=', 20).execute();
    const b = await snapshots.latest();
    expect(b.version).toBeGreaterThan(a.version);
    expect(existsSync(a.file)).toBe(false);
    expect(await snapshots.index(a.version)).toBeUndefined();
    const bIndex = await snapshots.index(b.version);
    expect(bIndex?.version).toBe(b.version);
    expect(readdirSync(dir).sort()).toEqual([path.basename(bIndex?.file ?? ''), path.basename(b.file)]);
    const table = tableFromIPC(readFileSync(b.file));
    expect(table.numRows).toBe(3000);
    let changed = 0;
    for (let r = 0; r < table.numRows; r++)
      if ((table.getChild('id')?.get(r) as number) <= 20) changed += Number(table.getChild('price')?.get(r)) === 778 ? 1 : 0;
    expect(changed).toBe(20);
    // Two tills asking at once share one build.
    await server.db.updateTable('products').set({ price: 779 }).where('id', '<=', 20).execute();
    const [c, d] = await Promise.all([snapshots.latest(), snapshots.latest()]);
    expect(c).toEqual(d);
    expect(c.version).toBeGreaterThan(b.version);
  });
});
