import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { sql, type Transaction } from 'kysely';
import type { CopyConnection } from './copy-connection.js';
import type { Database } from './database.js';
import type { StagedProduct } from './product-row-check.js';

/**
 * Where checked rows wait inside the import's transaction: `import_rows` (barcodes '|'-joined with
 * their kinds), from which `import_barcodes` is filled in SQL once every row is in.
 */
export interface ImportStaging {
  add(line: number, row: StagedProduct): Promise<void>;
  /** Every row is in: finish loading and fill `import_barcodes`. */
  close(): Promise<void>;
  /** Abandon a load that failed half way (the transaction rolls back). */
  abort(error: Error): void;
}

export async function createStagingTables(tx: Transaction<Database>): Promise<void> {
  await sql`
    CREATE TEMP TABLE import_rows (
      line integer NOT NULL, sku text NOT NULL, barcode text, name text NOT NULL, description text NOT NULL,
      price bigint NOT NULL, cost bigint NOT NULL, tax_class text NOT NULL, active boolean NOT NULL, unit text NOT NULL,
      category text, brand text, parent_sku text, variant text, codes text, kinds text
    ) ON COMMIT DROP;
    CREATE TEMP TABLE import_barcodes (line integer NOT NULL, sku text NOT NULL, barcode text NOT NULL, kind text NOT NULL) ON COMMIT DROP;
  `.execute(tx);
}

async function fillBarcodes(tx: Transaction<Database>): Promise<void> {
  await sql`
    INSERT INTO import_barcodes (line, sku, barcode, kind)
    SELECT s.line, s.sku, c.code, c.kind
    FROM import_rows s, unnest(string_to_array(s.codes, '|'), string_to_array(s.kinds, '|')) AS c(code, kind)
    WHERE s.codes IS NOT NULL`.execute(tx);
}

const codesOf = (r: StagedProduct) => (r.barcodes.length ? r.barcodes.map((b) => b.code).join('|') : null);
const kindsOf = (r: StagedProduct) => (r.barcodes.length ? r.barcodes.map((b) => b.kind).join('|') : null);

/** Multi-row inserts from column arrays (unnest): for PGlite, which has no COPY from a client stream. */
export class UnnestStaging implements ImportStaging {
  static readonly BATCH_ROWS = 5_000;
  #rows: Array<[number, StagedProduct]> = [];
  constructor(readonly tx: Transaction<Database>) {}

  async add(line: number, row: StagedProduct): Promise<void> {
    this.#rows.push([line, row]);
    if (this.#rows.length >= UnnestStaging.BATCH_ROWS) await this.#flush();
  }

  async close(): Promise<void> {
    await this.#flush();
    await fillBarcodes(this.tx);
  }

  abort(): void {
    this.#rows = [];
  }

  async #flush(): Promise<void> {
    if (this.#rows.length === 0) return;
    const rows = this.#rows;
    this.#rows = [];
    const col = <T>(f: (r: StagedProduct, line: number) => T) => rows.map(([line, r]) => f(r, line));
    await sql`
      INSERT INTO import_rows SELECT * FROM unnest(
        ${col((_, l) => l)}::int[], ${col((r) => r.sku)}::text[], ${col((r) => r.barcodes[0]?.code ?? null)}::text[], ${col((r) => r.name)}::text[],
        ${col((r) => r.description)}::text[], ${col((r) => r.price)}::bigint[], ${col((r) => r.cost)}::bigint[], ${col((r) => r.taxClass)}::text[],
        ${col((r) => r.active)}::boolean[], ${col((r) => r.unit)}::text[], ${col((r) => r.category)}::text[], ${col((r) => r.brand)}::text[],
        ${col((r) => r.parentSku)}::text[], ${col((r) => r.variant)}::text[], ${col(codesOf)}::text[], ${col(kindsOf)}::text[])`.execute(this.tx);
  }
}

const SPECIAL = /[\\\t\n\r]/;
const ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** A value in COPY's text format: \N for null, backslash escapes for the four characters that need them. */
function copyText(v: string | null): string {
  if (v === null) return '\\N';
  return SPECIAL.test(v) ? v.replace(/[\\\t\n\r]/g, (c) => ESCAPES[c] as string) : v;
}

/**
 * `COPY import_rows FROM STDIN` on the transaction's own connection: rows leave as text lines while
 * the file is still being read, and PostgreSQL takes them in on its own core.
 */
export class CopyStaging implements ImportStaging {
  static readonly CHUNK_ROWS = 2_000;
  readonly #stream: Writable;
  #chunk: string[] = [];
  #error: Error | undefined;

  constructor(
    readonly tx: Transaction<Database>,
    connection: CopyConnection,
  ) {
    this.#stream = connection.copyFrom('COPY import_rows FROM STDIN');
    this.#stream.on('error', (e: Error) => {
      this.#error ??= e;
    });
  }

  async add(line: number, r: StagedProduct): Promise<void> {
    this.#chunk.push(
      `${line}\t${copyText(r.sku)}\t${copyText(r.barcodes[0]?.code ?? null)}\t${copyText(r.name)}\t${copyText(r.description)}\t${r.price}\t${r.cost}\t${copyText(r.taxClass)}\t${r.active ? 't' : 'f'}\t${r.unit}\t${copyText(r.category)}\t${copyText(r.brand)}\t${copyText(r.parentSku)}\t${copyText(r.variant)}\t${copyText(codesOf(r))}\t${copyText(kindsOf(r))}\n`,
    );
    if (this.#chunk.length >= CopyStaging.CHUNK_ROWS) await this.#write();
  }

  async close(): Promise<void> {
    await this.#write();
    this.#stream.end();
    await finished(this.#stream);
    await fillBarcodes(this.tx);
  }

  abort(error: Error): void {
    if (!this.#stream.destroyed) this.#stream.destroy(error);
  }

  async #write(): Promise<void> {
    if (this.#error) throw this.#error;
    if (this.#chunk.length === 0) return;
    const text = this.#chunk.join('');
    this.#chunk = [];
    // once() rejects if the stream errors while we wait for it to drain.
    if (!this.#stream.write(text) && !this.#error) await once(this.#stream, 'drain');
    if (this.#error) throw this.#error;
  }
}
