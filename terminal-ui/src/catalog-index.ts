import type { Table } from 'apache-arrow';

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
const words = (text: string): string[] => text.toLowerCase().match(WORD) ?? [];

/** Open-addressing hash from a numeric barcode (at most 15 digits, exact in a double) to a row. */
class NumericCodeTable {
  readonly #keys: Float64Array;
  readonly #rows: Int32Array;
  readonly #mask: number;
  constructor(capacity: number) {
    let size = 1024;
    while (size < capacity * 2) size *= 2;
    this.#keys = new Float64Array(size).fill(-1);
    this.#rows = new Int32Array(size);
    this.#mask = size - 1;
  }
  #slot(key: number): number {
    return (Math.imul((key % 4294967296) ^ Math.floor(key / 4294967296), 2654435761) >>> 0) & this.#mask;
  }
  set(key: number, row: number): void {
    let i = this.#slot(key);
    while (this.#keys[i] !== -1 && this.#keys[i] !== key) i = (i + 1) & this.#mask;
    this.#keys[i] = key;
    this.#rows[i] = row;
  }
  get(key: number): number | undefined {
    for (let i = this.#slot(key); this.#keys[i] !== -1; i = (i + 1) & this.#mask) if (this.#keys[i] === key) return this.#rows[i];
    return undefined;
  }
}

const NUMERIC = /^\d{1,15}$/;

/** FNV-1a over a string: the slot of a SKU in the SKU table. */
function hashText(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

/**
 * The offline catalog's search structures over one Arrow snapshot: barcodes in a hash table,
 * name words in posting lists (row numbers per word, sorted vocabulary for prefixes and typos).
 * Changed products (deltas) sit in a small overlay that hides their snapshot rows.
 */
export class CatalogIndex {
  readonly #table: Table;
  readonly #codes: NumericCodeTable;
  /** Rows by lower-cased SKU hash (open addressing, -1 empty); a hit is checked against the row's SKU. */
  readonly #skuRows: Int32Array;
  readonly #overlaySkus = new Map<string, number>();
  readonly #otherCodes = new Map<string, number>();
  readonly #vocabulary: string[];
  readonly #postings: Int32Array[];
  readonly #rowOfId: Map<number, number> | Int32Array;
  readonly #hidden = new Set<number>();
  readonly #overlay = new Map<number, CatalogProduct>();
  readonly #overlayCodes = new Map<string, number>();
  #marks: Uint8Array;

  constructor(table: Table) {
    this.#table = table;
    const n = table.numRows;
    this.#marks = new Uint8Array(n);
    this.#codes = new NumericCodeTable(n);
    const barcodes = table.getChild('barcodes');
    const ids = table.getChild('id');
    const names = table.getChild('name');
    const skus = table.getChild('sku');
    let skuSize = 1024;
    while (skuSize < n * 2) skuSize *= 2;
    this.#skuRows = new Int32Array(skuSize).fill(-1);
    let maxId = 0;
    for (let r = 0; r < n; r++) maxId = Math.max(maxId, ids?.get(r) as number);
    const rowOfId = maxId < 4 * n + 1024 ? new Int32Array(maxId + 1).fill(-1) : new Map<number, number>();
    // Word -> rows, built in two passes (count, then fill) into one typed array per word.
    const wordIds = new Map<string, number>();
    const rowWords: number[] = [];
    const rowStarts = new Int32Array(n + 1);
    const counts: number[] = [];
    for (let r = 0; r < n; r++) {
      const id = ids?.get(r) as number;
      if (rowOfId instanceof Int32Array) rowOfId[id] = r;
      else rowOfId.set(id, r);
      const codes = barcodes?.get(r) as string | null;
      if (codes) {
        for (const code of codes.split('|')) {
          if (NUMERIC.test(code)) this.#codes.set(Number(code), r);
          else this.#otherCodes.set(code, r);
        }
      }
      const sku = ((skus?.get(r) as string | null) ?? '').toLowerCase();
      if (sku) {
        let slot = hashText(sku) & (skuSize - 1);
        while ((this.#skuRows[slot] as number) !== -1) slot = (slot + 1) & (skuSize - 1);
        this.#skuRows[slot] = r;
      }
      rowStarts[r] = rowWords.length;
      const seen = new Set<number>();
      for (const w of words((names?.get(r) as string) ?? '')) {
        let wid = wordIds.get(w);
        if (wid === undefined) {
          wid = wordIds.size;
          wordIds.set(w, wid);
          counts.push(0);
        }
        if (seen.has(wid)) continue;
        seen.add(wid);
        rowWords.push(wid);
        counts[wid] = (counts[wid] ?? 0) + 1;
      }
    }
    rowStarts[n] = rowWords.length;
    this.#rowOfId = rowOfId;
    const byId = [...wordIds.keys()];
    const lists = counts.map((c) => new Int32Array(c));
    const fill = new Int32Array(counts.length);
    for (let r = 0; r < n; r++) {
      for (let k = rowStarts[r] as number; k < (rowStarts[r + 1] as number); k++) {
        const wid = rowWords[k] as number;
        const at = fill[wid] as number;
        (lists[wid] as Int32Array)[at] = r;
        fill[wid] = at + 1;
      }
    }
    const order = byId.map((_, i) => i).sort((a, b) => ((byId[a] as string) < (byId[b] as string) ? -1 : 1));
    this.#vocabulary = order.map((i) => byId[i] as string);
    this.#postings = order.map((i) => lists[i] as Int32Array);
  }

  get size(): number {
    return this.#table.numRows - this.#hidden.size + this.#overlay.size;
  }

  #row(r: number): CatalogProduct {
    const t = this.#table;
    const codes = (t.getChild('barcodes')?.get(r) as string | null) ?? '';
    return {
      id: t.getChild('id')?.get(r) as number,
      sku: t.getChild('sku')?.get(r) as string,
      name: t.getChild('name')?.get(r) as string,
      price: Number(t.getChild('price')?.get(r) as bigint),
      taxClass: t.getChild('tax_class')?.get(r) as string,
      active: t.getChild('active')?.get(r) as boolean,
      weighed: t.getChild('weighed')?.get(r) as boolean,
      barcodes: codes ? codes.split('|') : [],
    };
  }

  /** Apply a delta: each product in it replaces (or adds) the one with its id. */
  applyDelta(delta: Table): number {
    const other = new CatalogIndex(delta);
    for (let r = 0; r < delta.numRows; r++) {
      const p = other.#row(r);
      const old = this.#overlay.get(p.id);
      if (old) {
        for (const c of old.barcodes) this.#overlayCodes.delete(c);
        this.#overlaySkus.delete(old.sku.toLowerCase());
      }
      const baseRow = this.#rowOfId instanceof Int32Array ? this.#rowOfId[p.id] : this.#rowOfId.get(p.id);
      if (baseRow !== undefined && baseRow >= 0) this.#hidden.add(baseRow);
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
    const r = NUMERIC.test(code) ? this.#codes.get(Number(code)) : this.#otherCodes.get(code);
    if (r === undefined || this.#hidden.has(r)) return undefined;
    const p = this.#row(r);
    // Numeric keys drop leading zeros: make sure the row really carries this code.
    return p.barcodes.includes(code) ? p : undefined;
  }

  /** The product with this id (changed or not), or undefined. */
  byId(id: number): CatalogProduct | undefined {
    const changed = this.#overlay.get(id);
    if (changed) return changed;
    const r = this.#rowOfId instanceof Int32Array ? this.#rowOfId[id] : this.#rowOfId.get(id);
    if (r === undefined || r < 0 || this.#hidden.has(r)) return undefined;
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
    const mask = this.#skuRows.length - 1;
    const skus = this.#table.getChild('sku');
    for (let slot = hashText(key) & mask; (this.#skuRows[slot] as number) !== -1; slot = (slot + 1) & mask) {
      const r = this.#skuRows[slot] as number;
      if (!this.#hidden.has(r) && String(skus?.get(r) ?? '').toLowerCase() === key) return this.#row(r);
    }
    return undefined;
  }

  #wordRange(prefix: string): [number, number] {
    const v = this.#vocabulary;
    let lo = 0;
    let hi = v.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((v[mid] as string) < prefix) lo = mid + 1;
      else hi = mid;
    }
    let end = lo;
    while (end < v.length && (v[end] as string).startsWith(prefix)) end++;
    return [lo, end];
  }

  /** Vocabulary words one edit (insert, delete, change or swap) from `w`: typo tolerance. */
  #nearWords(w: string): number[] {
    const out: number[] = [];
    if (w.length < 4) return out;
    const [lo, hi] = this.#wordRange(w.slice(0, 1));
    for (let i = lo; i < hi; i++) if (withinOneEdit(w, this.#vocabulary[i] as string)) out.push(i);
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
      return lo < hi && this.#vocabulary[lo] === t ? [lo] : this.#nearWords(t);
    });
    const results: CatalogProduct[] = [];
    if (lists.every((l) => l.length > 0)) {
      // Count, per row, how many terms it matched; rows reaching every term are hits.
      const marks = this.#marks;
      const touched: number[] = [];
      lists.forEach((wordIds, ti) => {
        for (const wid of wordIds) {
          const rows = this.#postings[wid] as Int32Array;
          for (let k = 0; k < rows.length; k++) {
            const r = rows[k] as number;
            if (marks[r] === ti) {
              marks[r] = ti + 1;
              if (ti === 0) touched.push(r);
            }
          }
        }
      });
      const need = terms.length;
      const hits: number[] = [];
      for (const r of touched) {
        if (marks[r] === need && !this.#hidden.has(r)) hits.push(r);
        marks[r] = 0;
      }
      const first = terms[0] as string;
      const scored = hits.slice(0, 1000).map((r) => {
        const name = String(this.#table.getChild('name')?.get(r) ?? '').toLowerCase();
        return { r, score: (name.startsWith(first) ? 0 : 1000) + name.length };
      });
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
