import type { Table, Vector } from 'apache-arrow';

/** A product as the terminal sells it, read from the offline catalog. */
export interface CatalogProduct {
  readonly id: number;
  readonly sku: string;
  readonly name: string;
  /** Integer minor units. */
  readonly price: number;
  readonly taxClass: string;
  readonly active: boolean;
  readonly weighed: boolean;
  readonly barcodes: readonly string[];
}

const WORD = /[\p{L}\p{N}]+/gu;
/** The words of a name or a search as search sees them: lower-case runs of letters and digits (the server's search too). */
export const words = (text: string): string[] => text.toLowerCase().match(WORD) ?? [];

/** Open-addressing hash from a numeric barcode (at most 15 digits, exact in a double) to a row. */
export class NumericCodeTable {
  readonly keys: Float64Array;
  readonly rows: Int32Array;
  readonly #mask: number;
  constructor(capacity: number, stored?: { keys: Float64Array; rows: Int32Array }) {
    if (stored) {
      this.keys = stored.keys;
      this.rows = stored.rows;
    } else {
      let size = 1024;
      while (size < capacity * 2) size *= 2;
      this.keys = new Float64Array(size).fill(-1);
      this.rows = new Int32Array(size);
    }
    this.#mask = this.keys.length - 1;
  }
  #slot(key: number): number {
    return (Math.imul((key % 4294967296) ^ Math.floor(key / 4294967296), 2654435761) >>> 0) & this.#mask;
  }
  set(key: number, row: number): void {
    let i = this.#slot(key);
    while (this.keys[i] !== -1 && this.keys[i] !== key) i = (i + 1) & this.#mask;
    this.keys[i] = key;
    this.rows[i] = row;
  }
  get(key: number): number | undefined {
    for (let i = this.#slot(key); this.keys[i] !== -1; i = (i + 1) & this.#mask) if (this.keys[i] === key) return this.rows[i];
    return undefined;
  }
}

/** A barcode the numeric table holds (any other goes in a Map). */
export const NUMERIC = /^\d{1,15}$/;
/** Hits ranked per search (in index order): the rest of a very common word's rows are not looked at. */
const RANKED = 1000;

/** The first index in [lo, hi) of the ascending `sorted` whose value is not below `key` (hi when none). */
function lowerBound<T extends number | string>(sorted: ArrayLike<T>, key: T, lo = 0, hi = sorted.length): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as T) < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** FNV-1a over a string: the slot of a SKU in the SKU table. */
function hashText(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** What identifies the snapshot a stored index was built from: a stored index for another one is not used. */
export interface IndexKey {
  /** The snapshot's catalog version. */
  readonly version: number;
  /** The snapshot file's length in bytes. */
  readonly snapshotBytes: number;
}

/** The index's arrays, built from a snapshot or mapped from a stored index file. */
interface IndexParts {
  codeKeys: Float64Array;
  codeRows: Int32Array;
  skuRows: Int32Array;
  /** Dense: row by id (-1 none). Sparse: the ids, sorted, with `idRows` beside them. */
  idKeys: Int32Array;
  idRows: Int32Array | null;
  postingStarts: Int32Array;
  postingRows: Int32Array;
  vocabulary: string[];
  otherCodes: Map<string, number>;
}

/** 'KCI1': the stored index's first word; FORMAT moves whenever the layout changes. */
const MAGIC = 0x3149434b;
const FORMAT = 2;
const HEADER_DOUBLES = 8;
const SECTIONS = 9;
const align8 = (n: number) => (n + 7) & ~7;

/** A checksum over 32-bit words (FNV-style, two lanes): catches a torn or damaged index file. */
function checksum(bytes: Uint8Array): number {
  const words = new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 2);
  let a = 2166136261 | 0;
  let b = 374761393 | 0;
  const n = words.length & ~1;
  for (let i = 0; i < n; i += 2) {
    a = Math.imul(a ^ (words[i] as number), 16777619);
    b = Math.imul(b ^ (words[i + 1] as number), 16777619);
  }
  if (words.length & 1) a = Math.imul(a ^ (words[n] as number), 16777619);
  for (let i = words.length << 2; i < bytes.byteLength; i++) b = Math.imul(b ^ (bytes[i] as number), 16777619);
  return ((a ^ Math.imul(b, 31)) >>> 0) + 0;
}

/**
 * A string column read row after row (ascending), lower-cased when asked: each all-ASCII chunk is
 * decoded once and cut by its offsets, which is several times faster than `Vector.get` per row
 * (a chunk search and a decoder call each). Other chunks (and nulls) take the per-row path.
 */
function sequentialText(vector: Vector | null, lower: boolean): (r: number) => string {
  if (!vector) return () => '';
  const chunks = vector.data;
  const decoder = new TextDecoder();
  let k = -1;
  let start = 0;
  let end = 0;
  let text: string | undefined;
  let offsets: Int32Array = new Int32Array(1);
  let values: Uint8Array = new Uint8Array(0);
  let nulls = false;
  return (r) => {
    while (r >= end) {
      k++;
      const d = chunks[k];
      if (!d) return '';
      start = end;
      end += d.length;
      offsets = d.valueOffsets as Int32Array;
      values = d.values as Uint8Array;
      nulls = d.nullCount > 0 || d.offset !== 0;
      text = undefined;
      if (!nulls) {
        const first = offsets[0] as number;
        const bytes = values.subarray(first, offsets[d.length] as number);
        let ascii = true;
        for (let i = 0; i < bytes.length; i++)
          if ((bytes[i] as number) > 127) {
            ascii = false;
            break;
          }
        if (ascii && first === 0) text = lower ? decoder.decode(bytes).toLowerCase() : decoder.decode(bytes);
      }
    }
    const i = r - start;
    if (text !== undefined) return text.substring(offsets[i] as number, offsets[i + 1] as number);
    const one = nulls ? ((vector.get(r) as string | null) ?? '') : decoder.decode(values.subarray(offsets[i] as number, offsets[i + 1] as number));
    return lower ? one.toLowerCase() : one;
  };
}

/** Build the index's arrays from a snapshot: one pass over the rows, postings in two passes (count, then fill). */
function* buildSteps(table: Table): Generator<void, IndexParts> {
  const n = table.numRows;
  const codes = new NumericCodeTable(n);
  const otherCodes = new Map<string, number>();
  const barcodeOf = sequentialText(table.getChild('barcodes'), false);
  const nameOf = sequentialText(table.getChild('name'), true);
  const skuOf = sequentialText(table.getChild('sku'), true);
  let skuSize = 1024;
  while (skuSize < n * 2) skuSize *= 2;
  const skuRows = new Int32Array(skuSize).fill(-1);
  const ids = new Int32Array(n);
  let r0 = 0;
  for (const batch of table.batches) {
    const col = batch.getChild('id')?.toArray() as Int32Array | undefined;
    if (col) ids.set(col.subarray(0, batch.numRows), r0);
    r0 += batch.numRows;
  }
  let maxId = 0;
  for (let r = 0; r < n; r++) maxId = Math.max(maxId, ids[r] as number);
  let idKeys: Int32Array;
  let idRows: Int32Array | null = null;
  if (maxId < 4 * n + 1024) {
    idKeys = new Int32Array(maxId + 1).fill(-1);
    for (let r = 0; r < n; r++) idKeys[ids[r] as number] = r;
  } else {
    const order = Array.from({ length: n }, (_, r) => r).sort((a, b) => (ids[a] as number) - (ids[b] as number));
    idKeys = Int32Array.from(order, (r) => ids[r] as number);
    idRows = Int32Array.from(order);
  }
  const wordIds = new Map<string, number>();
  let rowWords = new Int32Array(Math.max(1024, n * 4));
  let used = 0;
  const rowStarts = new Int32Array(n + 1);
  let counts = new Int32Array(1024);
  const seen: number[] = [];
  for (let r = 0; r < n; r++) {
    if ((r & 0x1fff) === 0x1fff) yield;
    const code = barcodeOf(r);
    if (code) {
      for (const c of code.split('|')) {
        if (NUMERIC.test(c)) codes.set(Number(c), r);
        else otherCodes.set(c, r);
      }
    }
    const sku = skuOf(r);
    if (sku) {
      let slot = hashText(sku) & (skuSize - 1);
      while ((skuRows[slot] as number) !== -1) slot = (slot + 1) & (skuSize - 1);
      skuRows[slot] = r;
    }
    rowStarts[r] = used;
    seen.length = 0;
    for (const w of nameOf(r).match(WORD) ?? []) {
      let wid = wordIds.get(w);
      if (wid === undefined) {
        wid = wordIds.size;
        wordIds.set(w, wid);
        if (wid >= counts.length) {
          const grown = new Int32Array(counts.length * 2);
          grown.set(counts);
          counts = grown;
        }
      }
      if (seen.includes(wid)) continue;
      seen.push(wid);
      if (used === rowWords.length) {
        const grown = new Int32Array(rowWords.length * 2);
        grown.set(rowWords);
        rowWords = grown;
      }
      rowWords[used++] = wid;
      counts[wid] = (counts[wid] as number) + 1;
    }
  }
  rowStarts[n] = used;
  // Postings in vocabulary order, one flat array: word k's rows are postingRows[starts[k] .. starts[k + 1]).
  const byId = [...wordIds.keys()];
  const order = byId.map((_, i) => i).sort((a, b) => ((byId[a] as string) < (byId[b] as string) ? -1 : 1));
  const rank = new Int32Array(byId.length);
  order.forEach((wid, k) => {
    rank[wid] = k;
  });
  const postingStarts = new Int32Array(byId.length + 1);
  for (let k = 0; k < order.length; k++) postingStarts[k + 1] = (postingStarts[k] as number) + (counts[order[k] as number] as number);
  const postingRows = new Int32Array(used);
  const fill = postingStarts.slice(0, byId.length);
  for (let r = 0; r < n; r++) {
    if ((r & 0x1fff) === 0x1fff) yield;
    for (let k = rowStarts[r] as number; k < (rowStarts[r + 1] as number); k++) {
      const at = rank[rowWords[k] as number] as number;
      postingRows[fill[at] as number] = r;
      fill[at] = (fill[at] as number) + 1;
    }
  }
  return {
    codeKeys: codes.keys,
    codeRows: codes.rows,
    skuRows,
    idKeys,
    idRows,
    postingStarts,
    postingRows,
    vocabulary: order.map((i) => byId[i] as string),
    otherCodes,
  };
}

/** Build the index's arrays in one go. */
function buildParts(table: Table): IndexParts {
  const steps = buildSteps(table);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * The offline catalog's search structures over one Arrow snapshot: barcodes in a hash table,
 * name words in posting lists (row numbers per word, sorted vocabulary for prefixes and typos).
 * Changed products (deltas) sit in a small overlay that hides their snapshot rows. The arrays
 * can be saved (`serialize`) and mapped back (`restore`) so a reopen does not rebuild them.
 */
export class CatalogIndex {
  readonly #table: Table;
  readonly #cols: Columns;
  /** The first row of each chunk of the name column. */
  readonly #nameStarts: Int32Array;
  readonly #parts: IndexParts;
  readonly #codes: NumericCodeTable;
  readonly #overlaySkus = new Map<string, number>();
  readonly #hidden = new Set<number>();
  /** The same rows as `#hidden`, one byte a row (a search checks every hit), allocated by the first delta. */
  #hiddenRows: Uint8Array | undefined;
  readonly #overlay = new Map<number, CatalogProduct>();
  readonly #overlayCodes = new Map<string, number>();
  #marks: Uint8Array;

  constructor(table: Table, parts: IndexParts = buildParts(table)) {
    this.#table = table;
    this.#cols = columnsOf(table);
    const chunks = this.#cols.name?.data ?? [];
    this.#nameStarts = new Int32Array(Math.max(1, chunks.length));
    for (let k = 1; k < chunks.length; k++) this.#nameStarts[k] = (this.#nameStarts[k - 1] as number) + (chunks[k - 1]?.length ?? 0);
    this.#parts = parts;
    this.#codes = new NumericCodeTable(0, { keys: parts.codeKeys, rows: parts.codeRows });
    this.#marks = new Uint8Array(table.numRows);
  }

  /** Build in slices of 8,192 rows, calling `pause` between them (a server keeps answering meanwhile). */
  static async build(table: Table, pause: () => Promise<void>): Promise<CatalogIndex> {
    const steps = buildSteps(table);
    for (;;) {
      const step = steps.next();
      if (step.done) return new CatalogIndex(table, step.value);
      await pause();
    }
  }

  /**
   * The index saved as one file: a header (format, the snapshot's version and length, a checksum),
   * then every array 8-byte aligned so `restore` maps them without copying.
   */
  serialize(key: IndexKey): Uint8Array {
    const p = this.#parts;
    const enc = new TextEncoder();
    const sections: Uint8Array[] = [
      new Uint8Array(p.codeKeys.buffer, p.codeKeys.byteOffset, p.codeKeys.byteLength),
      new Uint8Array(p.codeRows.buffer, p.codeRows.byteOffset, p.codeRows.byteLength),
      new Uint8Array(p.skuRows.buffer, p.skuRows.byteOffset, p.skuRows.byteLength),
      new Uint8Array(p.idKeys.buffer, p.idKeys.byteOffset, p.idKeys.byteLength),
      p.idRows ? new Uint8Array(p.idRows.buffer, p.idRows.byteOffset, p.idRows.byteLength) : new Uint8Array(0),
      new Uint8Array(p.postingStarts.buffer, p.postingStarts.byteOffset, p.postingStarts.byteLength),
      new Uint8Array(p.postingRows.buffer, p.postingRows.byteOffset, p.postingRows.byteLength),
      enc.encode(JSON.stringify(p.vocabulary)),
      enc.encode(JSON.stringify([...p.otherCodes])),
    ];
    const headBytes = align8((HEADER_DOUBLES + 2 * SECTIONS) * 8);
    let total = headBytes;
    const offsets = sections.map((s) => {
      const at = total;
      total = align8(total + s.byteLength);
      return at;
    });
    const out = new Uint8Array(total);
    const head = new Float64Array(out.buffer, 0, HEADER_DOUBLES + 2 * SECTIONS);
    sections.forEach((s, i) => {
      out.set(s, offsets[i] as number);
      head[HEADER_DOUBLES + 2 * i] = offsets[i] as number;
      head[HEADER_DOUBLES + 2 * i + 1] = s.byteLength;
    });
    head[0] = MAGIC;
    head[1] = FORMAT;
    head[2] = key.version;
    head[3] = key.snapshotBytes;
    head[4] = this.#table.numRows;
    head[6] = total;
    head[5] = checksum(out.subarray(8 * 6 + 8));
    return out;
  }

  /**
   * The index stored by `serialize`, over the same snapshot `table`; undefined when the file is not
   * one (damaged, cut short, another format) or was built for another snapshot: the caller rebuilds.
   */
  static restore(table: Table, file: ArrayBuffer, key: IndexKey): CatalogIndex | undefined {
    const headBytes = align8((HEADER_DOUBLES + 2 * SECTIONS) * 8);
    if (file.byteLength < headBytes || file.byteLength % 8 !== 0) return undefined;
    const head = new Float64Array(file, 0, HEADER_DOUBLES + 2 * SECTIONS);
    if (head[0] !== MAGIC || head[1] !== FORMAT || head[2] !== key.version || head[3] !== key.snapshotBytes) return undefined;
    if (head[4] !== table.numRows || head[6] !== file.byteLength) return undefined;
    if (head[5] !== checksum(new Uint8Array(file, 8 * 6 + 8))) return undefined;
    const section = (i: number): [number, number] | undefined => {
      const at = head[HEADER_DOUBLES + 2 * i] as number;
      const len = head[HEADER_DOUBLES + 2 * i + 1] as number;
      return Number.isInteger(at) && Number.isInteger(len) && at >= headBytes && at % 8 === 0 && at + len <= file.byteLength ? [at, len] : undefined;
    };
    const all = Array.from({ length: SECTIONS }, (_, i) => section(i));
    if (all.some((s) => !s)) return undefined;
    const [ck, cr, sk, ik, ir, ps, pr, vo, oc] = all as [
      [number, number],
      [number, number],
      [number, number],
      [number, number],
      [number, number],
      [number, number],
      [number, number],
      [number, number],
      [number, number],
    ];
    const i32 = ([at, len]: [number, number]) => new Int32Array(file, at, len >>> 2);
    const dec = new TextDecoder();
    try {
      const codeKeys = new Float64Array(file, ck[0], ck[1] >>> 3);
      const codeRows = i32(cr);
      // A JSON array, not one string split: split() leaves slices of one big string, slower to compare in searches.
      const vocabulary = JSON.parse(dec.decode(new Uint8Array(file, vo[0], vo[1]))) as string[];
      if (!Array.isArray(vocabulary)) return undefined;
      const postingStarts = i32(ps);
      const postingRows = i32(pr);
      const skuRows = i32(sk);
      if (codeKeys.length !== codeRows.length || (codeKeys.length & (codeKeys.length - 1)) !== 0) return undefined;
      if ((skuRows.length & (skuRows.length - 1)) !== 0 || postingStarts.length !== vocabulary.length + 1) return undefined;
      if (postingStarts[vocabulary.length] !== postingRows.length) return undefined;
      const parts: IndexParts = {
        codeKeys,
        codeRows,
        skuRows,
        idKeys: i32(ik),
        idRows: ir[1] > 0 ? i32(ir) : null,
        postingStarts,
        postingRows,
        vocabulary,
        otherCodes: new Map(JSON.parse(dec.decode(new Uint8Array(file, oc[0], oc[1]))) as Array<[string, number]>),
      };
      return new CatalogIndex(table, parts);
    } catch {
      return undefined;
    }
  }

  /** The snapshot row of a product id, or -1. */
  #rowOf(id: number): number {
    const { idKeys, idRows } = this.#parts;
    if (!idRows) return id >= 0 && id < idKeys.length ? (idKeys[id] as number) : -1;
    const lo = lowerBound(idKeys, id);
    return idKeys[lo] === id ? (idRows[lo] as number) : -1;
  }

  /** Every product, changes applied: the snapshot rows still current, then the changed ones (a compaction writes these). */
  *products(): Generator<CatalogProduct> {
    for (let r = 0; r < this.#table.numRows; r++) if (!this.#hidden.has(r)) yield this.#row(r);
    yield* this.#overlay.values();
  }

  /**
   * A hit's rank: names starting with the first word first, then shorter names. Read from the name's
   * UTF-8 bytes when they are plain ASCII (no string is decoded: this is most of a search's time);
   * otherwise from the decoded name, which gives the same score.
   */
  #nameScore(r: number, first: string, firstBytes: Uint8Array | undefined): number {
    const starts = this.#nameStarts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if ((starts[mid] as number) <= r) lo = mid;
      else hi = mid - 1;
    }
    const d = this.#cols.name?.data[lo];
    if (firstBytes && d && d.offset === 0 && d.nullCount === 0) {
      const offsets = d.valueOffsets as Int32Array;
      const values = d.values as Uint8Array;
      const i = r - (starts[lo] as number);
      const from = offsets[i] as number;
      const to = offsets[i + 1] as number;
      let ascii = true;
      for (let k = from; k < to; k++)
        if ((values[k] as number) > 127) {
          ascii = false;
          break;
        }
      if (ascii) {
        let prefix = to - from >= firstBytes.length;
        for (let k = 0; prefix && k < firstBytes.length; k++) {
          let b = values[from + k] as number;
          if (b >= 65 && b <= 90) b += 32;
          prefix = b === firstBytes[k];
        }
        return (prefix ? 0 : 1000) + (to - from);
      }
    }
    const name = String(this.#cols.name?.get(r) ?? '').toLowerCase();
    return (name.startsWith(first) ? 0 : 1000) + name.length;
  }

  /** The products changed since the snapshot (the latest of each). */
  changed(): CatalogProduct[] {
    return [...this.#overlay.values()];
  }

  get size(): number {
    return this.#table.numRows - this.#hidden.size + this.#overlay.size;
  }

  #row(r: number): CatalogProduct {
    return rowOf(this.#cols, r);
  }

  /** Apply a delta: each product in it replaces (or adds) the one with its id. */
  applyDelta(delta: Table): number {
    const cols = columnsOf(delta);
    for (let r = 0; r < delta.numRows; r++) {
      const p = rowOf(cols, r);
      const old = this.#overlay.get(p.id);
      if (old) {
        for (const c of old.barcodes) this.#overlayCodes.delete(c);
        this.#overlaySkus.delete(old.sku.toLowerCase());
      }
      const baseRow = this.#rowOf(p.id);
      if (baseRow >= 0) {
        this.#hidden.add(baseRow);
        this.#hiddenRows ??= new Uint8Array(this.#table.numRows);
        this.#hiddenRows[baseRow] = 1;
      }
      this.#overlay.set(p.id, p);
      for (const c of p.barcodes) this.#overlayCodes.set(c, p.id);
      this.#overlaySkus.set(p.sku.toLowerCase(), p.id);
    }
    return delta.numRows;
  }

  /** The product with this barcode (or SKU-less internal code), or undefined. */
  byBarcode(code: string): CatalogProduct | undefined {
    const changed = this.#overlayCodes.get(code);
    if (changed !== undefined) {
      const p = this.#overlay.get(changed);
      if (p?.barcodes.includes(code)) return p;
    }
    const r = NUMERIC.test(code) ? this.#codes.get(Number(code)) : this.#parts.otherCodes.get(code);
    if (r === undefined || this.#hidden.has(r)) return undefined;
    const p = this.#row(r);
    // Numeric keys drop leading zeros: make sure the row really carries this code.
    return p.barcodes.includes(code) ? p : undefined;
  }

  /** The product with this id (changed or not), or undefined. */
  byId(id: number): CatalogProduct | undefined {
    const changed = this.#overlay.get(id);
    if (changed) return changed;
    const r = this.#rowOf(id);
    if (r < 0 || this.#hidden.has(r)) return undefined;
    return this.#row(r);
  }

  /** The product with this SKU (any case), or undefined. */
  bySku(sku: string): CatalogProduct | undefined {
    const key = sku.toLowerCase();
    const changed = this.#overlaySkus.get(key);
    if (changed !== undefined) {
      const p = this.#overlay.get(changed);
      if (p && p.sku.toLowerCase() === key) return p;
    }
    const skuRows = this.#parts.skuRows;
    const mask = skuRows.length - 1;
    const skus = this.#cols.sku;
    for (let slot = hashText(key) & mask; (skuRows[slot] as number) !== -1; slot = (slot + 1) & mask) {
      const r = skuRows[slot] as number;
      if (!this.#hidden.has(r) && String(skus?.get(r) ?? '').toLowerCase() === key) return this.#row(r);
    }
    return undefined;
  }

  #wordRange(prefix: string): [number, number] {
    const v = this.#parts.vocabulary;
    const lo = lowerBound(v, prefix);
    let end = lo;
    while (end < v.length && (v[end] as string).startsWith(prefix)) end++;
    return [lo, end];
  }

  /** Vocabulary words one edit (insert, delete, change or swap) from `w`: typo tolerance. */
  #nearWords(w: string): number[] {
    const out: number[] = [];
    if (w.length < 4) return out;
    const [lo, hi] = this.#wordRange(w.slice(0, 1));
    for (let i = lo; i < hi; i++) if (withinOneEdit(w, this.#parts.vocabulary[i] as string)) out.push(i);
    return out;
  }

  /**
   * Name search as the cashier types: every word must match (the last one as a prefix); a word
   * that matches nothing is tried with one typo. Names starting with the first word rank first, then shorter names.
   */
  search(text: string, limit = 20): CatalogProduct[] {
    const terms = words(text);
    if (terms.length === 0) return [];
    const lists: number[][] = terms.map((t, i) => {
      if (i === terms.length - 1) {
        const [lo, hi] = this.#wordRange(t);
        const ids: number[] = [];
        for (let k = lo; k < hi; k++) ids.push(k);
        return ids.length ? ids : this.#nearWords(t);
      }
      const [lo, hi] = this.#wordRange(t);
      return lo < hi && this.#parts.vocabulary[lo] === t ? [lo] : this.#nearWords(t);
    });
    const results: CatalogProduct[] = [];
    if (lists.every((l) => l.length > 0)) {
      // Count, per row, how many terms it matched; rows reaching every term are hits. The term with
      // the fewest rows goes first (its rows are the candidates); a later term whose lists are long
      // next to the candidates is checked by binary search in its (sorted) lists instead of a scan.
      const { postingStarts, postingRows } = this.#parts;
      const rowsOf = (wordIds: number[]) => wordIds.reduce((n, wid) => n + (postingStarts[wid + 1] as number) - (postingStarts[wid] as number), 0);
      const sizes = lists.map(rowsOf);
      // Hits keep the order they had when the first term led (ascending rows for a one-word first term).
      const reorder = (lists[0] as number[]).length === 1;
      const order = lists.map((_, i) => i);
      if (reorder) order.sort((a, b) => (sizes[a] as number) - (sizes[b] as number));
      const marks = this.#marks;
      const touched: number[] = [];
      order.forEach((term, ti) => {
        const wordIds = lists[term] as number[];
        if (ti > 0 && touched.length * wordIds.length * 24 < (sizes[term] as number)) {
          for (const r of touched) {
            if (marks[r] !== ti) continue;
            for (const wid of wordIds) {
              const end = postingStarts[wid + 1] as number;
              const lo = lowerBound(postingRows, r, postingStarts[wid] as number, end);
              if (postingRows[lo] === r && lo < end) {
                marks[r] = ti + 1;
                break;
              }
            }
          }
          return;
        }
        // One term: only the first RANKED rows shown are ranked, so the scan stops there.
        const single = lists.length === 1;
        const hidden = this.#hiddenRows;
        let shown = 0;
        scan: for (const wid of wordIds) {
          const end = postingStarts[wid + 1] as number;
          for (let k = postingStarts[wid] as number; k < end; k++) {
            const r = postingRows[k] as number;
            if (marks[r] === ti) {
              marks[r] = ti + 1;
              if (ti === 0) touched.push(r);
              if (single && !hidden?.[r] && ++shown >= RANKED) break scan;
            }
          }
        }
      });
      const need = terms.length;
      const hits: number[] = [];
      const hidden = this.#hiddenRows;
      for (const r of touched) {
        if (marks[r] === need && !hidden?.[r]) hits.push(r);
        marks[r] = 0;
      }
      if (reorder && order[0] !== 0) hits.sort((a, b) => a - b);
      const first = terms[0] as string;
      const firstBytes = /^[a-z0-9]*$/.test(first) ? new TextEncoder().encode(first) : undefined;
      const scored = hits.slice(0, RANKED).map((r) => ({ r, score: this.#nameScore(r, first, firstBytes) }));
      scored.sort((a, b) => a.score - b.score);
      for (const s of scored.slice(0, limit)) results.push(this.#row(s.r));
    }
    for (const p of this.#overlay.values()) {
      const name = p.name.toLowerCase();
      if (terms.every((t, i) => (i === terms.length - 1 ? words(name).some((w) => w.startsWith(t)) : words(name).includes(t)))) results.unshift(p);
    }
    return results.slice(0, limit);
  }
}

/** A snapshot's (or delta's) columns, looked up once: `Table.getChild` assembles a new vector each call. */
interface Columns {
  readonly id: Vector | null;
  readonly sku: Vector | null;
  readonly name: Vector | null;
  readonly price: Vector | null;
  readonly taxClass: Vector | null;
  readonly active: Vector | null;
  readonly weighed: Vector | null;
  readonly barcodes: Vector | null;
}

const columnsOf = (t: Table): Columns => ({
  id: t.getChild('id'),
  sku: t.getChild('sku'),
  name: t.getChild('name'),
  price: t.getChild('price'),
  taxClass: t.getChild('tax_class'),
  active: t.getChild('active'),
  weighed: t.getChild('weighed'),
  barcodes: t.getChild('barcodes'),
});

/** Row `r` of a snapshot or delta as a product. */
function rowOf(c: Columns, r: number): CatalogProduct {
  const codes = (c.barcodes?.get(r) as string | null) ?? '';
  return {
    id: c.id?.get(r) as number,
    sku: c.sku?.get(r) as string,
    name: c.name?.get(r) as string,
    price: Number(c.price?.get(r) as bigint),
    taxClass: c.taxClass?.get(r) as string,
    active: c.active?.get(r) as boolean,
    weighed: c.weighed?.get(r) as boolean,
    barcodes: codes ? codes.split('|') : [],
  };
}

function withinOneEdit(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 1 || a === b) return a === b;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  if (a.length === b.length) {
    if (a.slice(i + 1) === b.slice(i + 1)) return true;
    return a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
  }
  return a.length > b.length ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
}
