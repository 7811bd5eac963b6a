import { type Kysely, sql, type Transaction } from 'kysely';
import { appendAudit } from './audit-log.js';
import { CopyStaging, createStagingTables, type ImportStaging, UnnestStaging } from './catalog-import-staging.js';
import { CopyConnection } from './copy-connection.js';
import { CsvSyntaxError, readCsvRecords } from './csv-record-reader.js';
import type { Database } from './database.js';
import { readArrowRecords } from './product-arrow-reader.js';
import { type ColumnMapping, type LayoutName, type RawProduct, resolveLayout } from './product-file-layouts.js';
import { checkProductRow } from './product-row-check.js';

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
/** Rows between two 'reading' progress reports. */
const PROGRESS_ROWS = 5_000;

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
  // On a server PostgreSQL the whole import runs on one dedicated connection, staged with COPY.
  const connection = await CopyConnection.open(db);
  let failed: Error | undefined;
  try {
    await (connection?.db ?? db).transaction().execute(async (tx) => {
      await createStagingTables(tx);
      const staging: ImportStaging = connection ? new CopyStaging(tx, connection) : new UnnestStaging(tx);
      try {
        const counted = countBytes(source, (n) => {
          state.bytes += n;
        });
        const { format, records } = await openRecords(counted);
        state.format = format;
        let layout: ReturnType<typeof resolveLayout> | undefined;
        let nextProgress = PROGRESS_ROWS;
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
          else await staging.add(line, checked.row);
          if (state.rows >= nextProgress) {
            nextProgress += PROGRESS_ROWS;
            options.onProgress?.({ phase: 'reading', bytes: state.bytes, rows: state.rows });
          }
        }
        if (!layout) throw new FileError('import.empty_file', 'the file is empty');
        await staging.close();
      } catch (e) {
        staging.abort(e as Error);
        throw e;
      }
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
    failed = e as Error;
    throw e;
  } finally {
    await connection?.release(failed);
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
  const deferred = await deferIndexesOnFirstLoad(tx);
  if (deferred) {
    // The catalog was empty and is locked: plain inserts, no conflict to arbitrate.
    const added = await sql`
      INSERT INTO products (sku, barcode, name, description, price, cost, tax_class, active, unit, category_id, brand_id, variant)
      SELECT s.sku, s.barcode, s.name, s.description, s.price, s.cost, s.tax_class, s.active, s.unit, c.id, b.id, s.variant
      FROM import_rows s LEFT JOIN categories c ON c.path = s.category LEFT JOIN brands b ON b.name = s.brand`.execute(tx);
    await sql`
      INSERT INTO product_barcodes (barcode, product_id, kind)
      SELECT b.barcode, p.id, b.kind FROM import_barcodes b JOIN products p ON p.sku = b.sku`.execute(tx);
    await setParents(tx);
    await rebuildDeferred(tx, deferred);
    return { inserted: Number(added.numAffectedRows ?? 0), updated: 0 };
  }
  // New trigram entries gather in the GIN pending list and are merged in bulk, not one name at a time.
  await sql`SET LOCAL gin_pending_list_limit = '64MB'`.execute(tx);
  // Rows equal to what is stored are left out before the upsert (one hash anti-join), so they are
  // neither locked nor rewritten: re-importing the same file writes nothing.
  const up = await sql<{ inserted: number; updated: number }>`
    WITH up AS (
      INSERT INTO products AS p (sku, barcode, name, description, price, cost, tax_class, active, unit, category_id, brand_id, variant)
      SELECT s.sku, s.barcode, s.name, s.description, s.price, s.cost, s.tax_class, s.active, s.unit, c.id, b.id, s.variant
      FROM import_rows s LEFT JOIN categories c ON c.path = s.category LEFT JOIN brands b ON b.name = s.brand
      WHERE NOT EXISTS (
        SELECT 1 FROM products o WHERE o.sku = s.sku
          AND (COALESCE(s.barcode, o.barcode), s.name, s.description, s.price, s.cost, s.tax_class, s.active, s.unit, c.id, b.id, s.variant)
            IS NOT DISTINCT FROM (o.barcode, o.name, o.description, o.price, o.cost, o.tax_class, o.active, o.unit, o.category_id, o.brand_id, o.variant))
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
      WHERE NOT EXISTS (SELECT 1 FROM product_barcodes x WHERE x.barcode = b.barcode)
      ON CONFLICT (barcode) DO NOTHING
      RETURNING product_id
    )
    UPDATE products SET updated_at = now() WHERE id IN (SELECT product_id FROM added) AND catalog_seq <= ${startSeq}`.execute(tx);
  await setParents(tx);
  const counts = up.rows[0] ?? { inserted: 0, updated: 0 };
  return { inserted: Number(counts.inserted), updated: Number(counts.updated) };
}

async function setParents(tx: Transaction<Database>): Promise<void> {
  await sql`
    UPDATE products p SET parent_id = pp.id
    FROM import_rows s JOIN products pp ON pp.sku = s.parent_sku
    WHERE p.sku = s.sku AND p.parent_id IS DISTINCT FROM pp.id`.execute(tx);
}

/** A first load at least this big builds the catalog's secondary indexes after the insert. */
const FIRST_LOAD_BULK_ROWS = 20_000;

/**
 * A big first load into an empty catalog, as pg_restore does it: inside the import's transaction, drop
 * the indexes (the trigram GIN among them), unique constraints and foreign keys of products and their
 * barcodes (all but products' primary key, which other tables reference), insert, then build and check
 * each once, in bulk, from its own definition. A rollback or crash brings them back untouched; the
 * file's rows were already checked against each other, so the rebuilt constraints hold. Returns the
 * statements that rebuild them, or undefined when the catalog has products or the file is small.
 */
async function deferIndexesOnFirstLoad(tx: Transaction<Database>): Promise<string[] | undefined> {
  const staged = await sql<{ n: number }>`SELECT count(*)::int AS n FROM import_rows`.execute(tx);
  if (Number(staged.rows[0]?.n ?? 0) < FIRST_LOAD_BULK_ROWS) return undefined;
  await sql`LOCK TABLE products, product_barcodes IN ACCESS EXCLUSIVE MODE`.execute(tx);
  const any = await sql`SELECT 1 FROM products LIMIT 1`.execute(tx);
  if (any.rows.length > 0) return undefined;
  const deferred = await sql<{ drop: string; rebuild: string }>`
    SELECT format('ALTER TABLE %s DROP CONSTRAINT %I', c.conrelid::regclass, c.conname) AS drop,
      format('ALTER TABLE %s ADD CONSTRAINT %I %s', c.conrelid::regclass, c.conname, pg_get_constraintdef(c.oid)) AS rebuild,
      CASE c.contype WHEN 'f' THEN 1 ELSE 2 END AS drop_order
    FROM pg_constraint c
    WHERE c.conrelid IN ('products'::regclass, 'product_barcodes'::regclass) AND c.contype IN ('f', 'u', 'p')
      AND NOT (c.contype = 'p' AND c.conrelid = 'products'::regclass)
    UNION ALL
    SELECT format('DROP INDEX %s', i.indexrelid::regclass), pg_get_indexdef(i.indexrelid), 3 FROM pg_index i
    WHERE i.indrelid IN ('products'::regclass, 'product_barcodes'::regclass)
      AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
    ORDER BY drop_order, drop`.execute(tx);
  for (const { drop } of deferred.rows) await sql.raw(drop).execute(tx);
  return deferred.rows.map((r) => r.rebuild).sort((a, b) => rebuildOrder(a) - rebuildOrder(b));
}

/** Indexes and unique keys first (a foreign key needs its referenced key), foreign keys last. */
const rebuildOrder = (statement: string) => (statement.includes('FOREIGN KEY') ? 1 : 0);

async function rebuildDeferred(tx: Transaction<Database>, statements: readonly string[]): Promise<void> {
  await sql`SET LOCAL maintenance_work_mem = '256MB'`.execute(tx);
  for (const statement of statements) await sql.raw(statement).execute(tx);
  await sql`ANALYZE products; ANALYZE product_barcodes`.execute(tx);
}
