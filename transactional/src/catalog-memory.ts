import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import { type Base, BaseBuilder, CATALOG_ROW_COLUMNS, type CatalogRow, positionOfCode, rowAt, Vocabulary } from './catalog-columns.js';
import { bestHolding, type ChangedProduct, INDEXED_TERM } from './catalog-word-rank.js';
import type { Database } from './database.js';
import { prepared } from './prepared-statements.js';

/** Products read per statement while the base is built. */
const PAGE = 50_000;

export interface CatalogMemoryOptions {
  /** Changed products kept beside the base before it is rebuilt from the catalog. */
  readonly maxChanged?: number;
  /** How long after a lost listener connection (or a failed build) it is built again. */
  readonly retryMs?: number;
  /** How often it reads changes nobody announced (a safety net under LISTEN). */
  readonly pollMs?: number;
  /** Told after each build: products, distinct words, milliseconds. */
  readonly onBuilt?: (built: { products: number; words: number; ms: number }) => void;
}

interface ProductRead extends CatalogRow {
  seq: string;
  codes: string | null;
}
const READ = sql`${CATALOG_ROW_COLUMNS}, p.catalog_seq::text AS seq, string_agg(b.barcode, ' ') AS codes`;
const codesOf = (r: ProductRead) => r.codes?.split(' ') ?? [];

type State = 'building' | 'ready' | 'down' | 'closed';

/**
 * The catalog in the server's memory for the tills' two hot lookups, answered without a database
 * round trip: the scanner's barcode, and the name search's words (every distinct word of every name
 * with the products holding it, ranked here).
 *
 * It stays current from PostgreSQL alone. It LISTENs for the ranges of change numbers
 * (`catalog_seq`) each committed statement announces (migration 14), delivered in commit order, so
 * it also gets changes numbered below ones it has seen but committed later (an import that ran for
 * minutes), and reads them before its next answer. A write through this server calls `refresh()`
 * before it answers, so the writer's next lookup sees it; a poll does the same every `pollMs` in case
 * a notice never came. Until it is built, and while its listener is down, it answers nothing and the
 * lookups use SQL alone.
 */
export class CatalogMemory {
  #state: State = 'building';
  #vocabulary = new Vocabulary();
  #base: Base | undefined;
  #changed = new Map<number, ChangedProduct>();
  /** Barcodes of changed products: the product that held the code when last read. */
  #changedCodes = new Map<string, number>();
  /** The highest change number applied. */
  #head = 0;
  /** Ranges of change numbers announced and not yet read. */
  #notices: Array<[number, number]> = [];
  #chain: Promise<void> = Promise.resolve();
  #listener: pg.Client | undefined;
  #retry: NodeJS.Timeout | undefined;
  #poll: NodeJS.Timeout | undefined;
  #built: Promise<void> = Promise.resolve();

  readonly #maxChanged: number;
  readonly #retryMs: number;
  readonly #onBuilt: CatalogMemoryOptions['onBuilt'];

  private constructor(
    private readonly db: Kysely<Database>,
    private readonly connectionString: string,
    options: CatalogMemoryOptions,
  ) {
    this.#maxChanged = options.maxChanged ?? 50_000;
    this.#retryMs = options.retryMs ?? 5_000;
    this.#onBuilt = options.onBuilt;
    this.#poll = setInterval(() => void this.refresh(), options.pollMs ?? 1_000).unref();
  }

  /** Start listening and build in the background; `ready()` resolves when the first build ends. */
  static start(db: Kysely<Database>, connectionString: string, options: CatalogMemoryOptions = {}): CatalogMemory {
    const memory = new CatalogMemory(db, connectionString, options);
    memory.#built = memory.#open();
    return memory;
  }

  /** Resolves when the current build has ended (built, or failed and scheduled again). */
  ready(): Promise<void> {
    return this.#built;
  }

  get state(): State {
    return this.#state;
  }

  async close(): Promise<void> {
    this.#state = 'closed';
    clearTimeout(this.#retry);
    clearInterval(this.#poll);
    await this.#listener?.end().catch(() => undefined);
  }

  async #open(): Promise<void> {
    if (this.#state === 'closed') return;
    this.#state = 'building';
    const listener = new pg.Client({ connectionString: this.connectionString });
    this.#listener = listener;
    listener.on('notification', (n) => {
      const [lo, hi] = (n.payload ?? '').split(':').map(Number);
      if (lo !== undefined && hi !== undefined && Number.isFinite(lo) && Number.isFinite(hi)) this.#notices.push([lo, hi]);
    });
    listener.on('error', () => this.#down(listener));
    listener.on('end', () => this.#down(listener));
    try {
      await listener.connect();
      await listener.query('LISTEN keel_catalog');
      await this.#build();
    } catch {
      this.#down(listener);
    }
  }

  /** The listener was lost or a build failed: answer nothing (lookups use SQL) and start again later. */
  #down(listener: pg.Client | undefined): void {
    if (this.#listener !== listener || this.#state === 'closed') return;
    this.#state = 'down';
    this.#listener = undefined;
    listener?.end().catch(() => undefined);
    clearTimeout(this.#retry);
    this.#retry = setTimeout(() => {
      this.#built = this.#open();
    }, this.#retryMs).unref();
  }

  /** Read every product (one snapshot, pages in id order) into a new base; notices from now on are kept. */
  async #build(): Promise<void> {
    this.#state = 'building';
    this.#notices = [];
    const began = performance.now();
    const builder = new BaseBuilder(new Vocabulary());
    let head = 0;
    await this.db
      .transaction()
      .setIsolationLevel('repeatable read')
      .execute(async (tx) => {
        for (let after = 0; ; ) {
          // One merge join of the two primary-key orders per page, as the tills' snapshot reads them.
          const page = await sql<ProductRead>`
            SELECT ${READ}
            FROM products p LEFT JOIN product_barcodes b ON b.product_id = p.id AND b.product_id > ${after}
            WHERE p.id > ${after} GROUP BY p.id ORDER BY p.id LIMIT ${PAGE}`.execute(tx);
          for (const r of page.rows) {
            builder.add(r, codesOf(r));
            head = Math.max(head, Number(r.seq));
          }
          if (page.rows.length < PAGE) break;
          after = page.rows[page.rows.length - 1]?.id as number;
        }
      });
    const base = builder.finish();
    if (this.#state !== 'building') return;
    this.#vocabulary = builder.vocabulary;
    this.#base = base;
    this.#changed = new Map();
    this.#changedCodes = new Map();
    this.#head = head;
    this.#state = 'ready';
    this.#onBuilt?.({ products: base.ids.length, words: builder.vocabulary.spelled.length, ms: Math.round(performance.now() - began) });
  }

  /**
   * The product holding `code` (null when none does), from memory after reading any announced
   * change; undefined when it cannot answer now (building, listener down).
   */
  async byBarcode(code: string): Promise<CatalogRow | null | undefined> {
    const base = await this.#current();
    if (!base) return undefined;
    const changedId = this.#changedCodes.get(code);
    const changed = changedId === undefined ? undefined : this.#changed.get(changedId);
    if (changed?.codes.includes(code)) return changed.product;
    const pos = positionOfCode(base, code);
    if (pos === undefined) return null;
    // Changed since the base: it no longer holds the code (it would have been found above).
    if (this.#changed.has(base.ids[pos] as number)) return null;
    return rowAt(base, pos);
  }

  /**
   * The best `want` products (by `rankOf`) whose names hold, for every group, a word containing one of
   * the group's terms, after reading any announced change; or undefined when it cannot answer now
   * (building, listener down, a term it does not index).
   */
  async holding(groups: readonly (readonly string[])[], want: number): Promise<CatalogRow[] | undefined> {
    if (!groups.every((g) => g.every((t) => INDEXED_TERM.test(t)))) return undefined;
    const base = await this.#current();
    return base && bestHolding(base, this.#vocabulary, this.#changed, groups, want);
  }

  /** The base to answer from, after reading the changes announced so far; undefined when it cannot answer. */
  async #current(): Promise<Base | undefined> {
    if (this.#state !== 'ready') return undefined;
    if (this.#notices.length > 0 && !(await this.#caughtUp(this.#head))) return undefined;
    return this.#state === 'ready' ? this.#base : undefined;
  }

  async #currentHead(): Promise<number> {
    const current = prepared(sql<{ head: string | null }>`SELECT max(catalog_seq)::text AS head FROM products`.compile(this.db));
    return Number((await this.db.executeQuery(current)).rows[0]?.head ?? 0);
  }

  /** Read every change committed so far: after a write through this server, so its next lookup sees it. Never throws. */
  async refresh(): Promise<void> {
    if (this.#state === 'ready') await this.#caughtUp(await this.#currentHead().catch(() => this.#head));
  }

  /** Catch up to `head` and every announced range, one catch-up at a time; false when it failed (a failed one leaves its ranges for the next). */
  async #caughtUp(head: number): Promise<boolean> {
    const caughtUp = this.#chain.then(() => this.#catchUp(head));
    this.#chain = caughtUp.catch(() => undefined);
    try {
      await caughtUp;
      return true;
    } catch {
      return false;
    }
  }

  /** Read the products of every announced range and those numbered above the head; rebuild when there are too many. */
  async #catchUp(head: number): Promise<void> {
    if (this.#state !== 'ready') return;
    const ranges = this.#notices;
    this.#notices = [];
    if (head > this.#head) ranges.push([this.#head + 1, head]);
    let size = this.#changed.size;
    for (const [lo, hi] of ranges) size += hi - lo + 1;
    if (size > this.#maxChanged) {
      const listener = this.#listener;
      this.#built = this.#build().catch(() => this.#down(listener));
      return;
    }
    try {
      for (const [lo, hi] of ranges) {
        const rows = await this.db.executeQuery(
          prepared(
            sql<ProductRead>`
              SELECT ${READ}
              FROM products p LEFT JOIN product_barcodes b ON b.product_id = p.id
              WHERE p.catalog_seq BETWEEN ${lo} AND ${hi} GROUP BY p.id`.compile(this.db),
          ),
        );
        for (const r of rows.rows) {
          const codes = codesOf(r);
          const { seq: _, codes: __, ...product } = r;
          this.#changed.set(r.id, { words: Int32Array.from(this.#vocabulary.idsOf(r.name)), length: r.name.length, product, codes });
          for (const code of codes) this.#changedCodes.set(code, r.id);
        }
        this.#head = Math.max(this.#head, hi);
      }
    } catch (e) {
      // Not read: read again next time.
      this.#notices.push(...ranges);
      throw e;
    }
  }
}
