import { Bool, Int32, makeVector, Utf8, type Vector, vectorFromArray } from 'apache-arrow';
import { type Kysely, sql } from 'kysely';
import { arrowIpcStream } from './arrow-ipc-stream.js';
import type { Database } from './database.js';

const PAGE_ROWS = 20_000;

/** The catalog version a snapshot or delta brings a terminal to: the highest change number committed. */
export async function catalogVersion(db: Kysely<Database>): Promise<number> {
  const r = await sql<{ v: number | null }>`SELECT max(catalog_seq) AS v FROM products`.execute(db);
  return Number(r.rows[0]?.v ?? 0);
}

interface SnapshotRow {
  id: number;
  sku: string;
  name: string;
  price: number;
  tax_class: string;
  active: boolean;
  category_id: number | null;
  weighed: boolean;
  barcodes: string | null;
}

async function* pages(db: Kysely<Database>, since: number, upTo: number): AsyncGenerator<Record<string, Vector>> {
  let after = 0;
  for (;;) {
    const r = await sql<SnapshotRow>`
      SELECT p.id, p.sku, p.name, p.price, p.tax_class, p.active, p.category_id, p.unit = 'weight' AS weighed,
        (SELECT string_agg(b.barcode, '|' ORDER BY b.barcode IS DISTINCT FROM p.barcode, b.barcode) FROM product_barcodes b WHERE b.product_id = p.id) AS barcodes
      FROM products p
      WHERE p.id > ${after} ${since > 0 ? sql`AND p.catalog_seq > ${since}` : sql``} AND p.catalog_seq <= ${upTo}
      ORDER BY p.id LIMIT ${PAGE_ROWS}`.execute(db);
    const rows = r.rows;
    if (rows.length === 0) return;
    after = rows[rows.length - 1]?.id ?? after;
    yield {
      id: vectorFromArray(
        rows.map((x) => x.id),
        new Int32(),
      ),
      sku: vectorFromArray(
        rows.map((x) => x.sku),
        new Utf8(),
      ),
      name: vectorFromArray(
        rows.map((x) => x.name),
        new Utf8(),
      ),
      price: makeVector(BigInt64Array.from(rows, (x) => BigInt(x.price))),
      tax_class: vectorFromArray(
        rows.map((x) => x.tax_class),
        new Utf8(),
      ),
      active: vectorFromArray(
        rows.map((x) => x.active),
        new Bool(),
      ),
      weighed: vectorFromArray(
        rows.map((x) => x.weighed),
        new Bool(),
      ),
      category_id: vectorFromArray(
        rows.map((x) => x.category_id),
        new Int32(),
      ),
      barcodes: vectorFromArray(
        rows.map((x) => x.barcodes ?? ''),
        new Utf8(),
      ),
    };
    if (rows.length < PAGE_ROWS) return;
  }
}

/**
 * The terminal's offline catalog as an Arrow IPC stream: every product (since = 0) or only those
 * changed after version `since` (a delta; deactivated products come with active = false), up to
 * `upTo`, the version the caller reports back. Prices are Int64 minor units; barcodes '|'-joined, the primary one first.
 */
export function catalogSnapshot(db: Kysely<Database>, since: number, upTo: number): AsyncIterable<Uint8Array> {
  return arrowIpcStream(pages(db, since, upTo));
}
