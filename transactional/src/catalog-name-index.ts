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
/** Products read per statement while the base index is built. */
const PAGE = 50_000;

export interface NameIndexOptions {
  /** Changed products kept beside the base index before it is rebuilt from the catalog. */
  readonly maxChanged?: number;
  /** How long after a lost listener connection (or a failed build) it is built again. */
  readonly retryMs?: number;
  /** Told after each build: products, distinct words, milliseconds. */
  readonly onBuilt?: (built: { products: number; words: number; ms: number }) => void;
}

/** A growable Int32Array: the index's columns, built without a JS array of millions of numbers. */
class Int32Column {
  values = new Int32Array(1 << 16);
  length = 0;
  push(v: number): void {
    if (this.length === this.values.length) {
      const bigger = new Int32Array(this.values.length * 2);
      bigger.set(this.values);
      this.values = bigger;
    }
    this.values[this.length++] = v;
  }
  done(): Int32Array {
    return this.values.slice(0, this.length);
  }
}

/** The catalog as the index last read it: positions 0..n-1 in id order, each with its name's word ids. */
interface Base {
  readonly ids: Int32Array;
  /** Word ids of position i: words[starts[i] .. starts[i + 1]). */
  readonly starts: Int32Array;
  readonly words: Int32Array;
  /** The name's length in UTF-16 units (ranking prefers shorter names). */
  readonly lengths: Int32Array;
  /** Positions holding each word id, shorter names first, then ascending (empty for words first seen after the base was built). */
  readonly postings: Int32Array[];
}

type State = 'building' | 'ready' | 'down' | 'closed';

/**
 * Which products hold words containing each search term, answered from memory: every distinct word of
 * every product name, with the products holding it, and each product's words. The till's name search
 * asks it for candidates instead of scanning a trigram index of a million names, then reads those
 * rows from PostgreSQL and checks them again, so a stale entry can cost a candidate, never a wrong hit.
 *
 * It stays current from PostgreSQL alone: before each answer it reads the products changed since the
 * highest change number it has seen, and it LISTENs for the ranges of change numbers each committed
 * statement announces (migration 14), in commit order, which also brings changes numbered below that
 * mark but committed later (an import that ran for minutes). Until it is built, and while its listener
 * is down, it answers nothing and the search uses SQL alone.
 */
export class CatalogNameIndex {
  #state: State = 'building';
  #vocabulary = new Map<string, number>();
  #spelled: string[] = [];
  #base: Base = { ids: new Int32Array(0), starts: new Int32Array(1), words: new Int32Array(0), lengths: new Int32Array(0), postings: [] };
  /** Products written since the base was built: their current word ids and name length (the base's entry is ignored). */
  #changed = new Map<number, { words: Int32Array; length: number }>();
  /** The highest change number applied. */
  #head = 0;
  /** Ranges of change numbers announced and not yet read. */
  #notices: Array<[number, number]> = [];
  #chain: Promise<void> = Promise.resolve();
  #listener: pg.Client | undefined;
  #retry: NodeJS.Timeout | undefined;
  #built: Promise<void> = Promise.resolve();

  readonly #maxChanged: number;
  readonly #retryMs: number;
  readonly #onBuilt: NameIndexOptions['onBuilt'];

  private constructor(
    private readonly db: Kysely<Database>,
    private readonly connectionString: string,
    options: NameIndexOptions,
  ) {
    this.#maxChanged = options.maxChanged ?? 50_000;
    this.#retryMs = options.retryMs ?? 5_000;
    this.#onBuilt = options.onBuilt;
  }

  /** Start listening and build the index in the background; `ready()` resolves when the first build ends. */
  static start(db: Kysely<Database>, connectionString: string, options: NameIndexOptions = {}): CatalogNameIndex {
    const index = new CatalogNameIndex(db, connectionString, options);
    index.#built = index.#open();
    return index;
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

  /** The listener was lost or a build failed: answer nothing (the search uses SQL) and start again later. */
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

  /** Read every product name (one snapshot, pages in id order) into a new base; notices from now on are kept. */
  async #build(): Promise<void> {
    this.#state = 'building';
    this.#notices = [];
    const began = performance.now();
    const vocabulary = new Map<string, number>();
    const spelled: string[] = [];
    const ids = new Int32Column();
    const starts = new Int32Column();
    const words = new Int32Column();
    const lengths = new Int32Column();
    let head = 0;
    await this.db
      .transaction()
      .setIsolationLevel('repeatable read')
      .execute(async (tx) => {
        for (let after = 0; ; ) {
          const page = await sql<{ id: number; name: string; seq: string }>`
            SELECT id, name, catalog_seq::text AS seq FROM products WHERE id > ${after} ORDER BY id LIMIT ${PAGE}`.execute(tx);
          for (const r of page.rows) {
            ids.push(r.id);
            starts.push(words.length);
            lengths.push(r.name.length);
            for (const w of wordIds(r.name, vocabulary, spelled)) words.push(w);
            head = Math.max(head, Number(r.seq));
          }
          if (page.rows.length < PAGE) break;
          after = page.rows[page.rows.length - 1]?.id as number;
        }
      });
    starts.push(words.length);
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
    this.#base = { ...base, postings };
    this.#changed = new Map();
    this.#head = head;
    this.#state = 'ready';
    this.#onBuilt?.({ products: base.ids.length, words: spelled.length, ms: Math.round(performance.now() - began) });
  }

  /**
   * The best `want` products (by `rankOf`) whose names hold, for every group, a word containing one of
   * the group's terms, after bringing the index up to date; or undefined when the index cannot answer
   * now (building, listener down, a term it does not index).
   */
  async holding(groups: readonly (readonly string[])[], want: number): Promise<number[] | undefined> {
    if (this.#state !== 'ready' || !groups.every((g) => g.every((t) => INDEXED_TERM.test(t)))) return undefined;
    const current = await prepared(sql<{ head: string | null }>`SELECT max(catalog_seq)::text AS head FROM products`.compile(this.db));
    const head = Number((await this.db.executeQuery(current)).rows[0]?.head ?? 0);
    // One catch-up at a time, in order; a failed one leaves its ranges for the next.
    const caughtUp = this.#chain.then(() => this.#catchUp(head));
    this.#chain = caughtUp.catch(() => undefined);
    try {
      await caughtUp;
    } catch {
      return undefined;
    }
    if (this.#state !== 'ready') return undefined;
    return this.#find(groups, want);
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
          prepared(sql<{ id: number; name: string }>`SELECT id, name FROM products WHERE catalog_seq BETWEEN ${lo} AND ${hi}`.compile(this.db)),
        );
        for (const r of rows.rows) this.#changed.set(r.id, { words: Int32Array.from(wordIds(r.name, this.#vocabulary, this.#spelled)), length: r.name.length });
        this.#head = Math.max(this.#head, hi);
      }
    } catch (e) {
      // Not read: read again next time.
      this.#notices.push(...ranges);
      throw e;
    }
  }

  #find(groups: readonly (readonly string[])[], want: number): number[] {
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
    const { ids, starts, words, lengths, postings } = this.#base;
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
    // The best `want` hits so far, best first (rank, then id).
    const topRank = new Float64Array(want);
    const topId = new Int32Array(want);
    let kept = 0;
    const offer = (r: number, id: number) => {
      const last = kept - 1;
      if (kept === want && (r > (topRank[last] as number) || (r === topRank[last] && id > (topId[last] as number)))) return;
      let k = kept < want ? kept++ : last;
      for (; k > 0 && ((topRank[k - 1] as number) > r || (topRank[k - 1] === r && (topId[k - 1] as number) > id)); k--) {
        topRank[k] = topRank[k - 1] as number;
        topId[k] = topId[k - 1] as number;
      }
      topRank[k] = r;
      topId[k] = id;
    };
    for (const [id, { words: held, length }] of this.#changed) {
      const r = rank(held, 0, held.length, length);
      if (r >= 0) offer(r, id);
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
            offer(r, id);
          }
        }
      }
    }
    return Array.from(topId.subarray(0, kept));
  }
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
