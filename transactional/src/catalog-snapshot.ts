import { createWriteStream, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CatalogIndex } from '@keel/terminal-ui/catalog-index';
import { Bool, Int32, makeData, makeVector, tableFromIPC, Utf8, type Vector } from 'apache-arrow';
import { type Kysely, sql } from 'kysely';
import { arrowIpcStream } from './arrow-ipc-stream.js';
import type { Database } from './database.js';
import { Problem } from './problem.js';

const PAGE_ROWS = 20_000;

/** Every statement writing products holds this advisory lock shared until it commits (migration 14). */
const CATALOG_WRITERS = 7301001;
const lastComplete = new WeakMap<Kysely<Database>, number>();
const reading = new WeakMap<Kysely<Database>, Promise<number>>();

/**
 * The catalog version a snapshot or delta brings a terminal to: the highest change number visible
 * while no writer is between numbering its rows and committing them, so no change numbered below it
 * can still appear (a long import commits numbers below ones an edit made meanwhile). While a writer
 * is at work, the last such version this process saw; if it has seen none yet, it waits for one.
 */
export function catalogVersion(db: Kysely<Database>): Promise<number> {
  // A reader takes the lock exclusively too, so two at once would turn each other away (and one would
  // answer an older version): this process's callers share the read in flight.
  let read = reading.get(db);
  if (!read) {
    read = readCatalogVersion(db).finally(() => reading.delete(db));
    reading.set(db, read);
  }
  return read;
}

async function readCatalogVersion(db: Kysely<Database>, wait = { everyMs: 100, forMs: 10_000 }): Promise<number> {
  for (const deadline = Date.now() + wait.forMs; ; ) {
    const version = await db.transaction().execute(async (tx) => {
      const free = await sql<{ free: boolean }>`SELECT pg_try_advisory_xact_lock(${CATALOG_WRITERS}) AS free`.execute(tx);
      if (!free.rows[0]?.free) return undefined;
      // A statement after the lock: its snapshot sees every writer that finished before.
      const r = await sql<{ v: number | null }>`SELECT max(catalog_seq) AS v FROM products`.execute(tx);
      return Number(r.rows[0]?.v ?? 0);
    });
    if (version !== undefined) {
      lastComplete.set(db, Math.max(version, lastComplete.get(db) ?? 0));
      return version;
    }
    const known = lastComplete.get(db);
    if (known !== undefined) return known;
    if (Date.now() > deadline) throw new Problem('catalog.busy', 'the catalog is being changed (an import?); try again shortly');
    await new Promise((r) => setTimeout(r, wait.everyMs));
  }
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

/** A Utf8 column written straight into one buffer (Arrow's generic builder is most of a snapshot's CPU time). */
function utf8Vector(values: readonly string[]): Vector {
  const valueOffsets = new Int32Array(values.length + 1);
  let total = 0;
  for (let i = 0; i < values.length; i++) {
    total += Buffer.byteLength(values[i] as string);
    valueOffsets[i + 1] = total;
  }
  const data = new Uint8Array(total);
  const into = Buffer.from(data.buffer, data.byteOffset, total);
  let at = 0;
  for (const v of values) at += into.write(v, at);
  return makeVector(makeData({ type: new Utf8(), length: values.length, valueOffsets, data }));
}

function boolVector(values: readonly boolean[]): Vector {
  const data = new Uint8Array((values.length + 7) >>> 3);
  values.forEach((v, i) => {
    if (v) data[i >>> 3] = (data[i >>> 3] as number) | (1 << (i & 7));
  });
  return makeVector(makeData({ type: new Bool(), length: values.length, data }));
}

function int32Vector(values: ReadonlyArray<number | null>): Vector {
  const data = new Int32Array(values.length);
  const nullBitmap = new Uint8Array((values.length + 7) >>> 3);
  let nullCount = 0;
  values.forEach((v, i) => {
    if (v === null) nullCount++;
    else {
      data[i] = v;
      nullBitmap[i >>> 3] = (nullBitmap[i >>> 3] as number) | (1 << (i & 7));
    }
  });
  return makeVector(makeData({ type: new Int32(), length: values.length, data, nullCount, nullBitmap }));
}

async function* pages(db: Kysely<Database>, since: number, upTo: number): AsyncGenerator<Record<string, Vector>> {
  let after = 0;
  for (;;) {
    // One merge join of the two primary-key orders per page (not a barcode sub-query per product);
    // the barcode side is bounded by the same keyset so each page starts where the last one ended.
    const r = await sql<SnapshotRow>`
      SELECT p.id, p.sku, p.name, p.price, p.tax_class, p.active, p.category_id, p.unit = 'weight' AS weighed,
        string_agg(b.barcode, '|' ORDER BY b.barcode IS DISTINCT FROM p.barcode, b.barcode) AS barcodes
      FROM products p LEFT JOIN product_barcodes b ON b.product_id = p.id AND b.product_id > ${after}
      WHERE p.id > ${after} ${since > 0 ? sql`AND p.catalog_seq > ${since}` : sql``} AND p.catalog_seq <= ${upTo}
      GROUP BY p.id ORDER BY p.id LIMIT ${PAGE_ROWS}`.execute(db);
    const rows = r.rows;
    if (rows.length === 0) return;
    after = rows[rows.length - 1]?.id ?? after;
    yield {
      id: int32Vector(rows.map((x) => x.id)),
      sku: utf8Vector(rows.map((x) => x.sku)),
      name: utf8Vector(rows.map((x) => x.name)),
      price: makeVector(BigInt64Array.from(rows, (x) => BigInt(x.price))),
      tax_class: utf8Vector(rows.map((x) => x.tax_class)),
      active: boolVector(rows.map((x) => x.active)),
      weighed: boolVector(rows.map((x) => x.weighed)),
      category_id: int32Vector(rows.map((x) => x.category_id)),
      barcodes: utf8Vector(rows.map((x) => x.barcodes ?? '')),
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

/** A snapshot file the server prepared: every product up to `version`, as an Arrow IPC stream on disk. */
export interface PreparedSnapshot {
  readonly version: number;
  readonly file: string;
  readonly bytes: number;
}

/** The terminals' search index for a prepared snapshot (terminal-ui's `CatalogIndex`, serialized). */
export interface PreparedIndex {
  readonly version: number;
  readonly file: string;
  readonly bytes: number;
}

/** How many products may have changed since the prepared file before a new one is built (deltas cover fewer). */
export const SNAPSHOT_STALE_AFTER = 5000;

/**
 * The terminals' full snapshot, built once per catalog version and kept as a plain file under `dir`,
 * so a till's first download is a file transfer, not a million-row query. When the catalog moves,
 * the file is still served while fewer than `staleAfter` products changed since its version (the
 * till fetches those as a delta right after); past that, the next request builds a new file. Files
 * from an earlier run of the server are not trusted (the database may have been restored): `dir` is
 * emptied when the server starts.
 */
export class PreparedSnapshots {
  readonly #db: Kysely<Database>;
  readonly #dir: string;
  readonly #staleAfter: number;
  #current: PreparedSnapshot | undefined;
  #building: Promise<PreparedSnapshot> | undefined;
  #index: { version: number; ready: Promise<PreparedIndex | undefined> } | undefined;

  constructor(db: Kysely<Database>, dir: string, staleAfter = SNAPSHOT_STALE_AFTER) {
    this.#db = db;
    this.#dir = dir;
    this.#staleAfter = staleAfter;
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
  }

  /** The prepared snapshot to serve now: the current file, or a new one built for the catalog's version. */
  async latest(): Promise<PreparedSnapshot> {
    const version = await catalogVersion(this.#db);
    const current = this.#current;
    if (current && (current.version === version || (version > current.version && (await this.#changedSince(current.version)) < this.#staleAfter)))
      return current;
    this.#building ??= this.#build(version).finally(() => {
      this.#building = undefined;
    });
    return this.#building;
  }

  /**
   * The search index of prepared snapshot `version`, built beside it (a till downloads it instead of
   * building its own); waits while it is being built, undefined when that snapshot is not the current one.
   */
  async index(version: number): Promise<PreparedIndex | undefined> {
    const i = this.#index;
    return i && i.version === version ? i.ready : undefined;
  }

  async #changedSince(version: number): Promise<number> {
    const r = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM (SELECT 1 FROM products WHERE catalog_seq > ${version} LIMIT ${this.#staleAfter}) changed`.execute(this.#db);
    return Number(r.rows[0]?.n ?? 0);
  }

  async #build(version: number): Promise<PreparedSnapshot> {
    const file = path.join(this.#dir, `snapshot-${version}.arrow`);
    const partial = `${file}.${process.pid}.partial`;
    try {
      await pipeline(Readable.from(catalogSnapshot(this.#db, 0, version)), createWriteStream(partial));
      await rename(partial, file);
    } catch (e) {
      rmSync(partial, { force: true });
      throw e;
    }
    const prepared = { version, file, bytes: statSync(file).size };
    this.#current = prepared;
    this.#index = { version, ready: this.#buildIndex(prepared).catch(() => undefined) };
    // Older files go (a download still reading one keeps its open file until it ends).
    for (const name of readdirSync(this.#dir)) if (path.join(this.#dir, name) !== file) rmSync(path.join(this.#dir, name), { force: true });
    return prepared;
  }

  /** Build the index in slices of rows with the event loop free between them; the till checks it on arrival. */
  async #buildIndex(prepared: PreparedSnapshot): Promise<PreparedIndex | undefined> {
    const table = tableFromIPC(await readFile(prepared.file));
    const index = await CatalogIndex.build(table, () => new Promise((resolve) => setImmediate(resolve)));
    const body = index.serialize({ version: prepared.version, snapshotBytes: prepared.bytes });
    const file = path.join(this.#dir, `index-${prepared.version}.bin`);
    const partial = `${file}.${process.pid}.partial`;
    await writeFile(partial, body);
    await rename(partial, file);
    if (this.#current?.version !== prepared.version) {
      rmSync(file, { force: true });
      return undefined;
    }
    return { version: prepared.version, file, bytes: body.byteLength };
  }
}
