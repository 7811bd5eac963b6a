import { formatDecimalMoney } from '@keel/core';
import { Bool, Int32, makeVector, Utf8, type Vector, vectorFromArray } from 'apache-arrow';
import { type Kysely, sql } from 'kysely';
import { arrowIpcStream } from './arrow-ipc-stream.js';
import type { Database } from './database.js';
import { parquetStream } from './parquet-stream.js';

export type ExportFormat = 'csv' | 'arrow' | 'parquet';
export type ExportKind = 'products' | 'stock' | 'sales' | 'customers';
export const EXPORT_KINDS: readonly ExportKind[] = ['products', 'stock', 'sales', 'customers'];

const CHUNK_ROWS = 10_000;

type Cell = string | number | boolean | null;
interface ColumnSpec {
  readonly name: string;
  /** 'money' is minor units: decimal text in CSV, Int64 `<name>_minor` in Arrow. */
  readonly type: 'text' | 'int' | 'bigint' | 'money' | 'bool';
}
interface ExportSpec {
  readonly columns: readonly ColumnSpec[];
  /** One page after the keyset position; `next` is the position after it, undefined at the end. */
  page(db: Kysely<Database>, after: string | number, limit: number): Promise<{ rows: Cell[][]; next: string | number | undefined }>;
  readonly firstKey: string | number;
}

const PRODUCTS: ExportSpec = {
  columns: [
    { name: 'sku', type: 'text' },
    { name: 'name', type: 'text' },
    { name: 'price', type: 'money' },
    { name: 'cost', type: 'money' },
    { name: 'tax_class', type: 'text' },
    { name: 'barcodes', type: 'text' },
    { name: 'description', type: 'text' },
    { name: 'category', type: 'text' },
    { name: 'brand', type: 'text' },
    { name: 'unit', type: 'text' },
    { name: 'active', type: 'bool' },
    { name: 'parent_sku', type: 'text' },
    { name: 'variant', type: 'text' },
  ],
  firstKey: 0,
  async page(db, after, limit) {
    const r = await sql<Record<string, Cell> & { id: number }>`
      SELECT p.id, p.sku, p.name, p.price, p.cost, p.tax_class,
        (SELECT string_agg(pb.barcode, '|' ORDER BY pb.barcode IS DISTINCT FROM p.barcode, pb.barcode) FROM product_barcodes pb WHERE pb.product_id = p.id) AS barcodes,
        p.description, c.path AS category, b.name AS brand, p.unit, p.active, pp.sku AS parent_sku, p.variant
      FROM products p LEFT JOIN categories c ON c.id = p.category_id LEFT JOIN brands b ON b.id = p.brand_id LEFT JOIN products pp ON pp.id = p.parent_id
      WHERE p.id > ${after} ORDER BY p.id LIMIT ${limit}`.execute(db);
    return {
      rows: r.rows.map((row) => PRODUCTS.columns.map((c) => row[c.name] ?? null)),
      next: r.rows.length === limit ? r.rows.at(-1)?.id : undefined,
    };
  },
};

const STOCK: ExportSpec = {
  columns: [
    { name: 'store_id', type: 'int' },
    { name: 'sku', type: 'text' },
    { name: 'name', type: 'text' },
    { name: 'quantity_milli', type: 'bigint' },
  ],
  firstKey: 0,
  async page(db, after, limit) {
    // Stock is the sum of movements: a page of products, then their sums per store.
    const r = await sql<{ id: number; store_id: number | null; sku: string; name: string; quantity_milli: number | null }>`
      WITH page AS (SELECT id, sku, name FROM products WHERE id > ${after} ORDER BY id LIMIT ${limit})
      SELECT page.id, m.store_id, page.sku, page.name, sum(m.quantity_milli)::bigint AS quantity_milli
      FROM page LEFT JOIN stock_movements m ON m.product_id = page.id
      GROUP BY page.id, m.store_id, page.sku, page.name ORDER BY page.id, m.store_id`.execute(db);
    const products = new Set(r.rows.map((x) => x.id)).size;
    return {
      rows: r.rows.filter((x) => x.store_id !== null).map((x) => [x.store_id, x.sku, x.name, x.quantity_milli]),
      next: products === limit ? r.rows.at(-1)?.id : undefined,
    };
  },
};

const SALES: ExportSpec = {
  columns: [
    { name: 'sale_id', type: 'text' },
    { name: 'line_no', type: 'int' },
    { name: 'store_id', type: 'int' },
    { name: 'occurred_at', type: 'text' },
    { name: 'business_day', type: 'text' },
    { name: 'sku', type: 'text' },
    { name: 'quantity_milli', type: 'bigint' },
    { name: 'unit_price', type: 'money' },
    { name: 'discount', type: 'money' },
    { name: 'tax', type: 'money' },
    { name: 'total', type: 'money' },
  ],
  firstKey: '00000000-0000-0000-0000-000000000000|0',
  async page(db, after, limit) {
    const [afterId, afterLine] = String(after).split('|');
    const r = await sql<{ sale_id: string; line_no: number; cells: Cell[] }>`
      SELECT l.sale_id, l.line_no,
        json_build_array(s.id, l.line_no, s.store_id, to_char(s.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), s.business_day::text,
          l.sku, l.quantity_milli, l.unit_price, l.discount, l.tax, l.total) AS cells
      FROM sale_lines l JOIN sales s ON s.id = l.sale_id
      WHERE (l.sale_id, l.line_no) > (${afterId}::uuid, ${Number(afterLine)}::smallint)
      ORDER BY l.sale_id, l.line_no LIMIT ${limit}`.execute(db);
    const last = r.rows.at(-1);
    return { rows: r.rows.map((x) => x.cells), next: r.rows.length === limit && last ? `${last.sale_id}|${last.line_no}` : undefined };
  },
};

/** Customers: personal data, so the route audits every export of it. */
const CUSTOMERS: ExportSpec = {
  columns: [
    { name: 'id', type: 'bigint' },
    { name: 'code', type: 'text' },
    { name: 'name', type: 'text' },
    { name: 'email', type: 'text' },
    { name: 'phone', type: 'text' },
    { name: 'created_at', type: 'text' },
    { name: 'sales', type: 'bigint' },
  ],
  firstKey: 0,
  async page(db, after, limit) {
    const r = await sql<{ id: number; cells: Cell[] }>`
      SELECT c.id, json_build_array(c.id, c.code, c.name, c.email, c.phone, to_char(c.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
        (SELECT count(*) FROM sales s WHERE s.customer_id = c.id)) AS cells
      FROM customers c WHERE c.id > ${after} ORDER BY c.id LIMIT ${limit}`.execute(db);
    return { rows: r.rows.map((x) => x.cells), next: r.rows.length === limit ? r.rows.at(-1)?.id : undefined };
  },
};

const SPECS: Readonly<Record<ExportKind, ExportSpec>> = { products: PRODUCTS, stock: STOCK, sales: SALES, customers: CUSTOMERS };

async function* pages(db: Kysely<Database>, spec: ExportSpec): AsyncGenerator<Cell[][]> {
  let after: string | number | undefined = spec.firstKey;
  while (after !== undefined) {
    const { rows, next } = await spec.page(db, after, CHUNK_ROWS);
    if (rows.length > 0) yield rows;
    after = next;
  }
}

/** Stream an export as CSV (UTF-8 with BOM, for spreadsheets), an Arrow IPC stream or Parquet (DuckDB, pandas, polars). */
export function exportData(db: Kysely<Database>, kind: ExportKind, format: ExportFormat): AsyncIterable<Uint8Array> {
  const spec = SPECS[kind];
  if (format === 'csv') return csvStream(db, spec);
  // A Parquet file always has a schema, even with no rows: an empty export is one empty batch.
  return format === 'arrow' ? arrowIpcStream(batches(db, spec)) : parquetStream(batches(db, spec, true));
}

const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;
function csvCell(v: Cell, type: ColumnSpec['type']): string {
  if (v === null) return '';
  if (type === 'money') return formatDecimalMoney(Number(v));
  const s = String(v);
  return NEEDS_QUOTES.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

async function* csvStream(db: Kysely<Database>, spec: ExportSpec): AsyncGenerator<Uint8Array> {
  const enc = new TextEncoder();
  yield enc.encode(`\uFEFF${spec.columns.map((c) => c.name).join(',')}\r\n`);
  for await (const rows of pages(db, spec)) {
    let out = '';
    for (const row of rows) out += `${row.map((v, i) => csvCell(v, spec.columns[i]?.type ?? 'text')).join(',')}\r\n`;
    yield enc.encode(out);
  }
}

function arrowColumn(values: Cell[], type: ColumnSpec['type']): Vector {
  switch (type) {
    case 'money':
    case 'bigint':
      return makeVector(BigInt64Array.from(values, (v) => BigInt(v ?? 0)));
    case 'int':
      return vectorFromArray(values as Array<number | null>, new Int32());
    case 'bool':
      return vectorFromArray(values as Array<boolean | null>, new Bool());
    default:
      return vectorFromArray(
        values.map((v) => (v === null ? null : String(v))),
        new Utf8(),
      );
  }
}

function columnSet(spec: ExportSpec, rows: Cell[][]): Record<string, Vector> {
  const cols: Record<string, Vector> = {};
  spec.columns.forEach((c, i) => {
    cols[c.type === 'money' ? `${c.name}_minor` : c.name] = arrowColumn(
      rows.map((r) => r[i] ?? null),
      c.type,
    );
  });
  return cols;
}

async function* batches(db: Kysely<Database>, spec: ExportSpec, atLeastOne = false): AsyncGenerator<Record<string, Vector>> {
  let any = false;
  for await (const rows of pages(db, spec)) {
    any = true;
    yield columnSet(spec, rows);
  }
  if (!any && atLeastOne) yield columnSet(spec, []);
}
