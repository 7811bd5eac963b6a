import { NUMERIC, NumericCodeTable } from '@keel/terminal-ui/catalog-index';
import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import type { Database } from './database.js';
import { prepared } from './prepared-statements.js';

const WORD = /[\p{L}\p{N}]+/gu;
/** Hits ranked per search, in the order the index walks them: the rest of a very common word's products are not looked at. */
const RANKED = 1000;

/** The words of a name as search sees them: lower-case runs of letters and digits. */
export function nameWords(name: string): string[] {
  return name.toLowerCase().match(WORD) ?? [];
}

/**
 * How a name ranks for a search (lower first): names where more of the term groups start a word
 * come first, then shorter names. `starts` counts the groups one of whose terms starts a word.
 */
export function rankOf(groups: number, starts: number, nameLength: number): number {
  return (groups - starts) * PER_GROUP + nameLength;
}
const PER_GROUP = 1_000_000;

/** A search term the index answers: letters and digits only (it then lies inside one word of a name). */
export const INDEXED_TERM = /^[\p{L}\p{N}]+$/u;
/** Products read per statement while the base is built. */
const PAGE = 50_000;

/** A product as the tills' lookups answer it (the columns the barcode lookup and the search show). */
export interface CatalogRow {
  readonly id: number;
  readonly sku: string;
  readonly barcode: string | null;
  readonly name: string;
  readonly price: number;
  readonly cost: number;
  readonly tax_class: string;
  readonly active: boolean;
  readonly category_id: number | null;
  readonly brand_id: number | null;
  readonly unit: string;
  readonly version: number;
}

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

/** A growable typed array: the base's columns, built without a JS array of millions of numbers. */
class Column<T extends Int32Array | Float64Array> {
  length = 0;
  constructor(public values: T) {}
  push(v: number): void {
    if (this.length === this.values.length) {
      const bigger = new (this.values.constructor as new (n: number) => T)(this.values.length * 2);
      bigger.set(this.values);
      this.values = bigger;
    }
    this.values[this.length++] = v;
  }
  done(): T {
    return this.values.slice(0, this.length) as T;
  }
}
const int32s = () => new Column(new Int32Array(1 << 16));
const float64s = () => new Column(new Float64Array(1 << 16));

/** UTF-8 text end to end in one buffer: a million names and SKUs without a million strings. */
class TextColumn {
  bytes = Buffer.alloc(1 << 20);
  length = 0;
  push(text: string): void {
    const need = this.length + Buffer.byteLength(text);
    if (need > this.bytes.length) {
      const bigger = Buffer.alloc(Math.max(need, this.bytes.length * 2));
      this.bytes.copy(bigger, 0, 0, this.length);
      this.bytes = bigger;
    }
    this.length += this.bytes.write(text, this.length);
  }
  done(): Buffer {
    return Buffer.from(this.bytes.subarray(0, this.length));
  }
}

/** The few distinct values of a column (tax classes, units) and each row's index into them. */
class Distinct {
  readonly values: string[] = [];
  readonly #index = new Map<string, number>();
  of(value: string): number {
    let i = this.#index.get(value);
    if (i === undefined) {
      i = this.values.length;
      this.#index.set(value, i);
      this.values.push(value);
    }
    return i;
  }
}

/** The catalog as it was last read whole: positions 0..n-1 in id order. */
interface Base {
  readonly ids: Int32Array;
  /** Word ids of position i: words[starts[i] .. starts[i + 1]). */
  readonly starts: Int32Array;
  readonly words: Int32Array;
  /** The name's length in UTF-16 units (ranking prefers shorter names). */
  readonly lengths: Int32Array;
  /** Positions holding each word id, shorter names first, then ascending (empty for words first seen after the base was built). */
  readonly postings: Int32Array[];
  /** Name, SKU and primary barcode of position i: text[textAt[i] .. skuAt[i]), [skuAt[i] .. codeAt[i]), [codeAt[i] .. textAt[i + 1]). */
  readonly text: Buffer;
  readonly textAt: Int32Array;
  readonly skuAt: Int32Array;
  readonly codeAt: Int32Array;
  readonly prices: Float64Array;
  readonly costs: Float64Array;
  readonly versions: Int32Array;
  /** Category and brand ids (0 for none). */
  readonly categories: Int32Array;
  readonly brands: Int32Array;
  readonly flags: Int32Array;
  readonly taxClasses: readonly string[];
  readonly units: readonly string[];
  /** Numeric barcodes (most) to a position; any other code in a Map. */
  readonly codes: NumericCodeTable;
  readonly otherCodes: Map<string, number>;
}

/** flags: bit 0 active, bit 1 has a primary barcode, bits 2-15 the tax class, bits 16-31 the unit. */
const flagsOf = (r: ProductRead, taxClass: number, unit: number) => (r.active ? 1 : 0) | (r.barcode === null ? 0 : 2) | (taxClass << 2) | (unit << 16);

/** A product written since the base was built, as read then (the base's entry is ignored). */
interface Changed {
  readonly words: Int32Array;
  readonly length: number;
  readonly product: CatalogRow;
  readonly codes: readonly string[];
}

interface ProductRead extends CatalogRow {
  seq: string;
  codes: string | null;
}
const READ = sql`p.id, p.sku, p.barcode, p.name, p.price, p.cost, p.tax_class, p.active, p.category_id, p.brand_id, p.unit, p.version,
  p.catalog_seq::text AS seq, string_agg(b.barcode, ' ') AS codes`;

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
  #vocabulary = new Map<string, number>();
  #spelled: string[] = [];
  #base: Base | undefined;
  #changed = new Map<number, Changed>();
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
    const vocabulary = new Map<string, number>();
    const spelled: string[] = [];
    const ids = int32s();
    const starts = int32s();
    const words = int32s();
    const lengths = int32s();
    const textAt = int32s();
    const skuAt = int32s();
    const codeAt = int32s();
    const versions = int32s();
    const categories = int32s();
    const brands = int32s();
    const flags = int32s();
    const codePositions = int32s();
    const prices = float64s();
    const costs = float64s();
    const numericCodes = float64s();
    const otherCodes = new Map<string, number>();
    const text = new TextColumn();
    const taxClasses = new Distinct();
    const units = new Distinct();
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
            const pos = ids.length;
            ids.push(r.id);
            starts.push(words.length);
            lengths.push(r.name.length);
            for (const w of wordIds(r.name, vocabulary, spelled)) words.push(w);
            textAt.push(text.length);
            text.push(r.name);
            skuAt.push(text.length);
            text.push(r.sku);
            codeAt.push(text.length);
            text.push(r.barcode ?? '');
            prices.push(r.price);
            costs.push(r.cost);
            versions.push(r.version);
            categories.push(r.category_id ?? 0);
            brands.push(r.brand_id ?? 0);
            flags.push(flagsOf(r, taxClasses.of(r.tax_class), units.of(r.unit)));
            for (const code of r.codes?.split(' ') ?? []) {
              if (NUMERIC.test(code)) {
                numericCodes.push(Number(code));
                codePositions.push(pos);
              } else otherCodes.set(code, pos);
            }
            head = Math.max(head, Number(r.seq));
          }
          if (page.rows.length < PAGE) break;
          after = page.rows[page.rows.length - 1]?.id as number;
        }
      });
    starts.push(words.length);
    textAt.push(text.length);
    const codes = new NumericCodeTable(numericCodes.length);
    for (let i = 0; i < numericCodes.length; i++) codes.set(numericCodes.values[i] as number, codePositions.values[i] as number);
    const base = { ids: ids.done(), starts: starts.done(), words: words.done(), lengths: lengths.done() };
    const counts = new Int32Array(spelled.length);
    for (const w of base.words) counts[w] = (counts[w] as number) + 1;
    const postings = Array.from(counts, (n) => new Int32Array(n));
    const filled = new Int32Array(spelled.length);
    // Each word's products in name-length order (a counting sort), so a search can stop once no
    // product left in a word's list can outrank the ones it holds.
    let longest = 0;
    for (const l of base.lengths) longest = Math.max(longest, l);
    const firstOfLength = new Int32Array(longest + 2);
    for (const l of base.lengths) firstOfLength[l + 1] = (firstOfLength[l + 1] as number) + 1;
    for (let l = 1; l < firstOfLength.length; l++) firstOfLength[l] = (firstOfLength[l] as number) + (firstOfLength[l - 1] as number);
    const byLength = new Int32Array(base.ids.length);
    for (let pos = 0; pos < base.ids.length; pos++) {
      const l = base.lengths[pos] as number;
      byLength[firstOfLength[l] as number] = pos;
      firstOfLength[l] = (firstOfLength[l] as number) + 1;
    }
    for (const pos of byLength)
      for (let k = base.starts[pos] as number; k < (base.starts[pos + 1] as number); k++) {
        const w = base.words[k] as number;
        (postings[w] as Int32Array)[filled[w] as number] = pos;
        filled[w] = (filled[w] as number) + 1;
      }
    if (this.#state !== 'building') return;
    this.#vocabulary = vocabulary;
    this.#spelled = spelled;
    this.#base = {
      ...base,
      postings,
      text: text.done(),
      textAt: textAt.done(),
      skuAt: skuAt.done(),
      codeAt: codeAt.done(),
      prices: prices.done(),
      costs: costs.done(),
      versions: versions.done(),
      categories: categories.done(),
      brands: brands.done(),
      flags: flags.done(),
      taxClasses: taxClasses.values,
      units: units.values,
      codes,
      otherCodes,
    };
    this.#changed = new Map();
    this.#changedCodes = new Map();
    this.#head = head;
    this.#state = 'ready';
    this.#onBuilt?.({ products: base.ids.length, words: spelled.length, ms: Math.round(performance.now() - began) });
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
    const pos = NUMERIC.test(code) ? base.codes.get(Number(code)) : base.otherCodes.get(code);
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
    return base && this.#find(base, groups, want);
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
          const codes = r.codes?.split(' ') ?? [];
          const { seq: _, codes: __, ...product } = r;
          this.#changed.set(r.id, { words: Int32Array.from(wordIds(r.name, this.#vocabulary, this.#spelled)), length: r.name.length, product, codes });
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

  #find(base: Base, groups: readonly (readonly string[])[], want: number): CatalogRow[] {
    const vocabularySize = this.#spelled.length;
    // Per group: which words hold one of its terms (1 = a term starts the word, 2 = inside it).
    const marks = groups.map((terms) => {
      const mark = new Uint8Array(vocabularySize);
      for (let w = 0; w < vocabularySize; w++) {
        const word = this.#spelled[w] as string;
        for (const t of terms) {
          if (word.startsWith(t)) mark[w] = 1;
          else if (mark[w] === 0 && word.includes(t)) mark[w] = 2;
        }
      }
      return mark;
    });
    const { ids, starts, words, lengths, postings } = base;
    /** The rank of a product whose words are held[from..to), or -1 when a group has no word in them. */
    const rank = (held: ArrayLike<number>, from: number, to: number, length: number): number => {
      let starting = 0;
      for (const mark of marks) {
        let best = 0;
        for (let k = from; k < to && best !== 1; k++) {
          const m = mark[held[k] as number] as number;
          if (m > 0 && (best === 0 || m < best)) best = m;
        }
        if (best === 0) return -1;
        if (best === 1) starting++;
      }
      return rankOf(marks.length, starting, length);
    };
    // The best `want` hits so far, best first (rank, then id), with their base position (-1: a changed product).
    const topRank = new Float64Array(want);
    const topId = new Int32Array(want);
    const topPos = new Int32Array(want);
    let kept = 0;
    const offer = (r: number, id: number, pos: number) => {
      const last = kept - 1;
      if (kept === want && (r > (topRank[last] as number) || (r === topRank[last] && id > (topId[last] as number)))) return;
      let k = kept < want ? kept++ : last;
      for (; k > 0 && ((topRank[k - 1] as number) > r || (topRank[k - 1] === r && (topId[k - 1] as number) > id)); k--) {
        topRank[k] = topRank[k - 1] as number;
        topId[k] = topId[k - 1] as number;
        topPos[k] = topPos[k - 1] as number;
      }
      topRank[k] = r;
      topId[k] = id;
      topPos[k] = pos;
    };
    for (const [id, { words: held, length }] of this.#changed) {
      const r = rank(held, 0, held.length, length);
      if (r >= 0) offer(r, id, -1);
    }
    // Walk the group whose words the fewest products hold, words starting with a term first.
    let walk = 0;
    let least = Number.POSITIVE_INFINITY;
    marks.forEach((mark, g) => {
      let count = 0;
      for (let w = 0; w < mark.length; w++) if (mark[w]) count += postings[w]?.length ?? 0;
      if (count < least) [least, walk] = [count, g];
    });
    const mark = marks[walk] as Uint8Array;
    // When a word is walked, the step it was walked at: a product holding a word walked before is not looked at twice.
    const walkedAt = new Int32Array(vocabularySize).fill(0x7fffffff);
    let step = 0;
    const changed = this.#changed.size > 0 ? this.#changed : undefined;
    let hits = 0;
    for (const kind of [1, 2]) {
      // The best rank a product of this pass can have: a word of the walked group starts with a term only in the first.
      const floor = kind === 1 ? 0 : PER_GROUP;
      for (let w = 0; w < mark.length && hits < RANKED; w++) {
        const list = mark[w] === kind ? postings[w] : undefined;
        if (!list) continue;
        const now = step++;
        walkedAt[w] = now;
        candidates: for (let i = 0; i < list.length && hits < RANKED; i++) {
          const pos = list[i] as number;
          // Names only get longer down the list: once the best kept are better than any to come, stop.
          if (kept === want && floor + (lengths[pos] as number) > (topRank[kept - 1] as number)) break;
          const id = ids[pos] as number;
          if (changed?.has(id)) continue;
          for (let k = starts[pos] as number; k < (starts[pos + 1] as number); k++) if ((walkedAt[words[k] as number] as number) < now) continue candidates;
          const r = rank(words, starts[pos] as number, starts[pos + 1] as number, lengths[pos] as number);
          if (r >= 0) {
            hits++;
            offer(r, id, pos);
          }
        }
      }
    }
    return Array.from(topPos.subarray(0, kept), (pos, k) => (pos >= 0 ? rowAt(base, pos) : (this.#changed.get(topId[k] as number) as Changed).product));
  }
}

/** The product at a base position, as a row. */
function rowAt(base: Base, pos: number): CatalogRow {
  const f = base.flags[pos] as number;
  const text = (from: Int32Array, to: Int32Array, at: number) => base.text.toString('utf8', from[at], to[at]);
  return {
    id: base.ids[pos] as number,
    sku: text(base.skuAt, base.codeAt, pos),
    barcode: f & 2 ? base.text.toString('utf8', base.codeAt[pos], base.textAt[pos + 1]) : null,
    name: text(base.textAt, base.skuAt, pos),
    price: base.prices[pos] as number,
    cost: base.costs[pos] as number,
    tax_class: base.taxClasses[(f >>> 2) & 0x3fff] as string,
    active: (f & 1) === 1,
    category_id: base.categories[pos] || null,
    brand_id: base.brands[pos] || null,
    unit: base.units[f >>> 16] as string,
    version: base.versions[pos] as number,
  };
}

/** The distinct word ids of a name, adding new words to the vocabulary. */
function wordIds(name: string, vocabulary: Map<string, number>, spelled: string[]): number[] {
  const out: number[] = [];
  for (const word of nameWords(name)) {
    let id = vocabulary.get(word);
    if (id === undefined) {
      id = spelled.length;
      vocabulary.set(word, id);
      spelled.push(word);
    }
    if (!out.includes(id)) out.push(id);
  }
  return out;
}
