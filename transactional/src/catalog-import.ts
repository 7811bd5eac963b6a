import { type Kysely, sql, type Transaction } from 'kysely';
import { appendAudit } from './audit-log.js';
import { CsvSyntaxError, readCsvRecords } from './csv-record-reader.js';
import type { Database } from './database.js';
import { readArrowRecords } from './product-arrow-reader.js';
import { type ColumnMapping, type LayoutName, type RawProduct, resolveLayout } from './product-file-layouts.js';
import { checkProductRow, type StagedProduct } from './product-row-check.js';

export type ImportMode = 'all-or-nothing' | 'skip-bad-rows';
export type ImportFileErrorCode = 'import.empty_file' | 'import.not_csv' | 'import.bad_encoding' | 'import.missing_columns' | 'import.unsupported_format';

export interface ImportOptions {
  readonly layout?: LayoutName | 'auto';
  readonly mapping?: ColumnMapping;
  readonly mode?: ImportMode;
  readonly dryRun?: boolean;
  readonly fileName?: string;
  readonly actor: string;
  readonly requestId?: string | null;
  /** Called as rows are read (phase 'reading') and once per later phase. */
  readonly onProgress?: (p: ImportProgress) => void;
}

export interface ImportProgress {
  readonly phase: 'reading' | 'checking' | 'applying' | 'done';
  readonly bytes: number;
  readonly rows: number;
}

export interface BadRow {
  readonly line: number;
  readonly sku: string;
  readonly reason: string;
}

export interface ImportReport {
  readonly fileName: string | null;
  readonly format: 'csv' | 'arrow' | null;
  readonly layout: LayoutName | null;
  readonly mapping: ColumnMapping;
  readonly headers: readonly string[];
  readonly mode: ImportMode;
  readonly dryRun: boolean;
  /** True when the catalog was changed (never for a dry run or a refused file). */
  readonly applied: boolean;
  readonly fileError: { code: ImportFileErrorCode; message: string } | null;
  readonly rows: number;
  readonly goodRows: number;
  readonly badRows: readonly BadRow[];
  readonly badRowCount: number;
  /** What the import did (or, on a dry run, would do). */
  readonly inserted: number;
  readonly updated: number;
  readonly unchanged: number;
}

/** Bad rows listed in a report; beyond this only their count grows. */
const MAX_LISTED_BAD_ROWS = 100_000;
const BATCH_ROWS = 5_000;

class FileError extends Error {
  constructor(
    readonly code: ImportFileErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Import products from a CSV or Arrow file, streamed: rows go in batches into a temporary staging
 * table inside ONE transaction, are checked there against each other and the catalog, then upserted
 * by SKU. A crash at any point rolls the whole import back; re-importing the same file changes nothing.
 */
export async function importCatalog(db: Kysely<Database>, source: AsyncIterable<Uint8Array>, options: ImportOptions): Promise<ImportReport> {
  const mode = options.mode ?? 'all-or-nothing';
  const dryRun = options.dryRun ?? false;
  const taxClasses = new Set((await db.selectFrom('tax_classes').select('code').execute()).map((t) => t.code));
  const state = {
    format: null as ImportReport['format'],
    layout: null as LayoutName | null,
    mapping: {} as ColumnMapping,
    headers: [] as string[],
    rows: 0,
    bytes: 0,
    bad: [] as BadRow[],
    badCount: 0,
  };
  const addBad = (b: BadRow) => {
    state.badCount++;
    if (state.bad.length < MAX_LISTED_BAD_ROWS) state.bad.push(b);
  };
  const report = (extra: Partial<ImportReport>): ImportReport => ({
    fileName: options.fileName ?? null,
    format: state.format,
    layout: state.layout,
    mapping: state.mapping,
    headers: state.headers,
    mode,
    dryRun,
    applied: false,
    fileError: null,
    rows: state.rows,
    goodRows: state.rows - state.badCount,
    badRows: [...state.bad].sort((a, b) => a.line - b.line),
    badRowCount: state.badCount,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    ...extra,
  });

  const rollback = new Error('rollback');
  let outcome: ImportReport | undefined;
  try {
    await db.transaction().execute(async (tx) => {
      await createStaging(tx);
      const batch = new StagingBatch(tx);
      const counted = countBytes(source, (n) => {
        state.bytes += n;
      });
      const { format, records } = await openRecords(counted);
      state.format = format;
      let layout: ReturnType<typeof resolveLayout> | undefined;
      for await (const { line, fields } of records) {
        if (!layout) {
          state.headers = fields.map((f) => f.trim());
          layout = resolveLayout(state.headers, options.layout ?? 'auto', options.mapping ?? {});
          state.layout = layout.layout;
          state.mapping = layout.mapping;
          if (layout.missing.length > 0) {
            throw new FileError(
              'import.missing_columns',
              `the file has no column for ${layout.missing.join(', ')} (found: ${state.headers.slice(0, 20).join(', ') || 'nothing'})`,
            );
          }
          continue;
        }
        if (fields.length === 1 && fields[0] === '') continue;
        if (fields.length !== state.headers.length) {
          state.rows++;
          addBad({ line, sku: '', reason: `the row has ${fields.length} fields, the header has ${state.headers.length}` });
          continue;
        }
        const raw: RawProduct | undefined = layout.read(fields);
        if (!raw) continue;
        state.rows++;
        const checked = checkProductRow(raw, taxClasses);
        if (!checked.ok) addBad({ line, sku: raw.sku, reason: checked.reason });
        else batch.add(line, checked.row);
        if (batch.size >= BATCH_ROWS) {
          await batch.flush();
          options.onProgress?.({ phase: 'reading', bytes: state.bytes, rows: state.rows });
        }
      }
      if (!layout) throw new FileError('import.empty_file', 'the file is empty');
      await batch.flush();
      options.onProgress?.({ phase: 'checking', bytes: state.bytes, rows: state.rows });
      for (const b of await crossCheck(tx)) addBad(b);
      if (state.badCount > 0 && mode === 'all-or-nothing') {
        outcome = report({});
        throw rollback;
      }
      options.onProgress?.({ phase: 'applying', bytes: state.bytes, rows: state.rows });
      const counts = await apply(tx);
      const good = state.rows - state.badCount;
      outcome = report({ applied: !dryRun, ...counts, unchanged: good - counts.inserted - counts.updated });
      if (dryRun) throw rollback;
      await appendAudit(tx, {
        actor: options.actor,
        action: 'catalog.import',
        subject: options.fileName ?? null,
        detail: { rows: state.rows, inserted: counts.inserted, updated: counts.updated, badRows: state.badCount, mode },
        requestId: options.requestId ?? null,
      });
    });
  } catch (e) {
    if (e === rollback && outcome) return finish(outcome);
    if (e instanceof FileError) return finish(report({ fileError: { code: e.code, message: e.message } }));
    throw e;
  }
  return finish(outcome as ImportReport);

  function finish(r: ImportReport): ImportReport {
    options.onProgress?.({ phase: 'done', bytes: state.bytes, rows: state.rows });
    return r;
  }
}

async function* countBytes(source: AsyncIterable<Uint8Array>, add: (n: number) => void): AsyncGenerator<Uint8Array> {
  for await (const chunk of source) {
    add(chunk.byteLength);
    yield chunk;
  }
}

interface FileRecord {
  readonly line: number;
  readonly fields: string[];
}

const MAGIC: ReadonlyArray<[string, number[]]> = [
  ['Parquet', [0x50, 0x41, 0x52, 0x31]],
  ['ZIP (a spreadsheet workbook?)', [0x50, 0x4b, 0x03, 0x04]],
  ['PDF', [0x25, 0x50, 0x44, 0x46]],
  ['PNG', [0x89, 0x50, 0x4e, 0x47]],
  ['JPEG', [0xff, 0xd8, 0xff]],
  ['GZIP', [0x1f, 0x8b]],
];
const ARROW_FILE = [0x41, 0x52, 0x52, 0x4f, 0x57, 0x31]; // "ARROW1"
const ARROW_STREAM = [0xff, 0xff, 0xff, 0xff];

const startsWith = (head: Uint8Array, magic: readonly number[]) => magic.every((b, i) => head[i] === b);

/** Look at the first bytes to tell CSV from Arrow from things that are neither. */
async function openRecords(source: AsyncIterable<Uint8Array>): Promise<{ format: 'csv' | 'arrow'; records: AsyncIterable<FileRecord> }> {
  const it = source[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let headLength = 0;
  while (headLength < 8) {
    const n = await it.next();
    if (n.done) break;
    head.push(n.value);
    headLength += n.value.byteLength;
  }
  if (headLength === 0) throw new FileError('import.empty_file', 'the file is empty (0 bytes)');
  const first = Buffer.concat(head);
  const rest: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]: async function* () {
      yield first;
      for (let n = await it.next(); !n.done; n = await it.next()) yield n.value;
    } as () => AsyncIterator<Uint8Array>,
  };
  if (startsWith(first, ARROW_FILE) || startsWith(first, ARROW_STREAM)) return { format: 'arrow', records: readArrowRecords(rest) };
  for (const [name, magic] of MAGIC) {
    if (startsWith(first, magic)) {
      const code = name === 'Parquet' ? 'import.unsupported_format' : 'import.not_csv';
      throw new FileError(
        code,
        name === 'Parquet' ? 'Parquet import is not supported yet: export the file as CSV or Arrow' : `this is a ${name} file, not CSV`,
      );
    }
  }
  if (first.subarray(0, 4096).includes(0)) throw new FileError('import.not_csv', 'the file holds binary data (NUL bytes), not CSV text');
  return { format: 'csv', records: csvFileRecords(rest) };
}

/** Decode strictly as UTF-8 (a Latin-1 or UTF-16 file is refused, not garbled) and read CSV records. */
async function* csvFileRecords(source: AsyncIterable<Uint8Array>): AsyncGenerator<FileRecord> {
  let lines = 1;
  async function* text(): AsyncGenerator<string> {
    const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
    for await (const chunk of source) {
      let s: string;
      try {
        s = decoder.decode(chunk, { stream: true });
      } catch {
        throw new FileError('import.bad_encoding', `the file is not UTF-8 text (near line ${lines}); save it as "CSV UTF-8" and try again`);
      }
      for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) lines++;
      yield s;
    }
    try {
      yield decoder.decode();
    } catch {
      throw new FileError('import.bad_encoding', 'the file ends in the middle of a UTF-8 character');
    }
  }
  try {
    yield* readCsvRecords(text());
  } catch (e) {
    if (e instanceof CsvSyntaxError) throw new FileError('import.not_csv', `the file is not valid CSV: ${e.message}`);
    throw e;
  }
}

async function createStaging(tx: Transaction<Database>): Promise<void> {
  await sql`
    CREATE TEMP TABLE import_rows (
      line integer NOT NULL, sku text NOT NULL, barcode text, name text NOT NULL, description text NOT NULL,
      price bigint NOT NULL, cost bigint NOT NULL, tax_class text NOT NULL, active boolean NOT NULL, unit text NOT NULL,
      category text, brand text, parent_sku text, variant text
    ) ON COMMIT DROP;
    CREATE TEMP TABLE import_barcodes (line integer NOT NULL, sku text NOT NULL, barcode text NOT NULL, kind text NOT NULL) ON COMMIT DROP;
  `.execute(tx);
}

/** Column arrays for one multi-row insert (unnest): one round trip per few thousand rows. */
class StagingBatch {
  #rows: Array<[number, StagedProduct]> = [];
  constructor(readonly tx: Transaction<Database>) {}
  get size(): number {
    return this.#rows.length;
  }
  add(line: number, row: StagedProduct): void {
    this.#rows.push([line, row]);
  }
  async flush(): Promise<void> {
    if (this.#rows.length === 0) return;
    const rows = this.#rows;
    this.#rows = [];
    const col = <T>(f: (r: StagedProduct, line: number) => T) => rows.map(([line, r]) => f(r, line));
    await sql`
      INSERT INTO import_rows SELECT * FROM unnest(
        ${col((_, l) => l)}::int[], ${col((r) => r.sku)}::text[], ${col((r) => r.barcodes[0]?.code ?? null)}::text[], ${col((r) => r.name)}::text[],
        ${col((r) => r.description)}::text[], ${col((r) => r.price)}::bigint[], ${col((r) => r.cost)}::bigint[], ${col((r) => r.taxClass)}::text[],
        ${col((r) => r.active)}::boolean[], ${col((r) => r.unit)}::text[], ${col((r) => r.category)}::text[], ${col((r) => r.brand)}::text[],
        ${col((r) => r.parentSku)}::text[], ${col((r) => r.variant)}::text[])`.execute(this.tx);
    const codes = rows.flatMap(([line, r]) => r.barcodes.map((b) => [line, r.sku, b.code, b.kind] as const));
    if (codes.length > 0) {
      await sql`INSERT INTO import_barcodes SELECT * FROM unnest(${codes.map((c) => c[0])}::int[], ${codes.map((c) => c[1])}::text[], ${codes.map((c) => c[2])}::text[], ${codes.map((c) => c[3])}::text[])`.execute(
        this.tx,
      );
    }
  }
}

/** Checks that need every row or the catalog: duplicates within the file, barcodes of other products, parents. */
async function crossCheck(tx: Transaction<Database>): Promise<BadRow[]> {
  await sql`ANALYZE import_rows; ANALYZE import_barcodes`.execute(tx);
  const bad: BadRow[] = [];
  const dupSku = await sql<{ line: number; sku: string; first: number }>`
    SELECT s.line, s.sku, d.first FROM import_rows s
    JOIN (SELECT sku, min(line) AS first FROM import_rows GROUP BY sku HAVING count(*) > 1) d ON d.sku = s.sku
    WHERE s.line > d.first`.execute(tx);
  for (const r of dupSku.rows) bad.push({ line: r.line, sku: r.sku, reason: `SKU ${r.sku} is also on line ${r.first}` });
  const dupCode = await sql<{ line: number; sku: string; barcode: string; first: number }>`
    SELECT b.line, b.sku, b.barcode, d.first FROM import_barcodes b
    JOIN (SELECT barcode, min(line) AS first FROM import_barcodes GROUP BY barcode HAVING count(*) > 1) d ON d.barcode = b.barcode
    WHERE b.line > d.first`.execute(tx);
  for (const r of dupCode.rows) bad.push({ line: r.line, sku: r.sku, reason: `barcode ${r.barcode} is also on line ${r.first}` });
  const taken = await sql<{ line: number; sku: string; barcode: string; owner: string }>`
    SELECT b.line, b.sku, b.barcode, p.sku AS owner FROM import_barcodes b
    JOIN product_barcodes pb ON pb.barcode = b.barcode JOIN products p ON p.id = pb.product_id
    WHERE p.sku <> b.sku`.execute(tx);
  for (const r of taken.rows) bad.push({ line: r.line, sku: r.sku, reason: `barcode ${r.barcode} belongs to product ${r.owner}` });
  const lines = [...new Set(bad.map((b) => b.line))];
  if (lines.length > 0) {
    await sql`DELETE FROM import_rows WHERE line = ANY(${lines}::int[])`.execute(tx);
    await sql`DELETE FROM import_barcodes WHERE line = ANY(${lines}::int[])`.execute(tx);
  }
  const orphans = await sql<{ line: number; sku: string; parent_sku: string }>`
    SELECT s.line, s.sku, s.parent_sku FROM import_rows s
    WHERE s.parent_sku IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM import_rows t WHERE t.sku = s.parent_sku)
      AND NOT EXISTS (SELECT 1 FROM products p WHERE p.sku = s.parent_sku)`.execute(tx);
  for (const r of orphans.rows) bad.push({ line: r.line, sku: r.sku, reason: `parent SKU ${r.parent_sku} is neither in the file nor in the catalog` });
  if (orphans.rows.length > 0) {
    const o = orphans.rows.map((r) => r.line);
    await sql`DELETE FROM import_rows WHERE line = ANY(${o}::int[])`.execute(tx);
    await sql`DELETE FROM import_barcodes WHERE line = ANY(${o}::int[])`.execute(tx);
  }
  return bad;
}

/** Categories, brands, then one upsert by SKU that skips rows equal to what is stored, then barcodes and parents. */
async function apply(tx: Transaction<Database>): Promise<{ inserted: number; updated: number }> {
  const paths = await sql<{ category: string }>`SELECT DISTINCT category FROM import_rows WHERE category IS NOT NULL`.execute(tx);
  const all = new Set<string>();
  for (const { category } of paths.rows) {
    const parts = category.split(' > ');
    for (let i = 1; i <= parts.length; i++) all.add(parts.slice(0, i).join(' > '));
  }
  for (const path of [...all].sort((a, b) => a.split(' > ').length - b.split(' > ').length)) {
    const parts = path.split(' > ');
    const parent = parts.length > 1 ? parts.slice(0, -1).join(' > ') : null;
    await sql`INSERT INTO categories (parent_id, name, path)
      SELECT (SELECT id FROM categories WHERE path = ${parent}), ${parts.at(-1)}, ${path} ON CONFLICT (path) DO NOTHING`.execute(tx);
  }
  await sql`INSERT INTO brands (name) SELECT DISTINCT brand FROM import_rows WHERE brand IS NOT NULL ON CONFLICT (name) DO NOTHING`.execute(tx);
  const start = await sql<{ seq: number }>`SELECT nextval('catalog_seq') AS seq`.execute(tx);
  const startSeq = Number(start.rows[0]?.seq);
  // New trigram entries gather in the GIN pending list and are merged in bulk, not one name at a time.
  await sql`SET LOCAL gin_pending_list_limit = '64MB'`.execute(tx);
  const up = await sql<{ inserted: number; updated: number }>`
    WITH up AS (
      INSERT INTO products AS p (sku, barcode, name, description, price, cost, tax_class, active, unit, category_id, brand_id, variant)
      SELECT s.sku, s.barcode, s.name, s.description, s.price, s.cost, s.tax_class, s.active, s.unit, c.id, b.id, s.variant
      FROM import_rows s LEFT JOIN categories c ON c.path = s.category LEFT JOIN brands b ON b.name = s.brand
      ON CONFLICT (sku) DO UPDATE SET
        barcode = COALESCE(EXCLUDED.barcode, p.barcode), name = EXCLUDED.name, description = EXCLUDED.description,
        price = EXCLUDED.price, cost = EXCLUDED.cost, tax_class = EXCLUDED.tax_class, active = EXCLUDED.active, unit = EXCLUDED.unit,
        category_id = EXCLUDED.category_id, brand_id = EXCLUDED.brand_id, variant = EXCLUDED.variant,
        version = p.version + 1, updated_at = now()
      WHERE (COALESCE(EXCLUDED.barcode, p.barcode), EXCLUDED.name, EXCLUDED.description, EXCLUDED.price, EXCLUDED.cost, EXCLUDED.tax_class,
             EXCLUDED.active, EXCLUDED.unit, EXCLUDED.category_id, EXCLUDED.brand_id, EXCLUDED.variant)
        IS DISTINCT FROM (p.barcode, p.name, p.description, p.price, p.cost, p.tax_class, p.active, p.unit, p.category_id, p.brand_id, p.variant)
      RETURNING (xmax = 0) AS inserted
    )
    SELECT count(*) FILTER (WHERE inserted)::int AS inserted, count(*) FILTER (WHERE NOT inserted)::int AS updated FROM up`.execute(tx);
  await sql`
    WITH added AS (
      INSERT INTO product_barcodes (barcode, product_id, kind)
      SELECT b.barcode, p.id, b.kind FROM import_barcodes b JOIN products p ON p.sku = b.sku
      ON CONFLICT (barcode) DO NOTHING
      RETURNING product_id
    )
    UPDATE products SET updated_at = now() WHERE id IN (SELECT product_id FROM added) AND catalog_seq <= ${startSeq}`.execute(tx);
  await sql`
    UPDATE products p SET parent_id = pp.id
    FROM import_rows s JOIN products pp ON pp.sku = s.parent_sku
    WHERE p.sku = s.sku AND p.parent_id IS DISTINCT FROM pp.id`.execute(tx);
  const counts = up.rows[0] ?? { inserted: 0, updated: 0 };
  return { inserted: Number(counts.inserted), updated: Number(counts.updated) };
}
