import { NUMERIC, NumericCodeTable, words } from '@keel/terminal-ui/catalog-index';
import { sql } from 'kysely';

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

/** The columns of a `CatalogRow`, read from `products p`. */
export const CATALOG_ROW_COLUMNS = sql`p.id, p.sku, p.barcode, p.name, p.price, p.cost, p.tax_class, p.active, p.category_id, p.brand_id, p.unit, p.version`;

/** Every distinct word of the names read, numbered in the order first seen. */
export class Vocabulary {
  readonly spelled: string[] = [];
  readonly #ids = new Map<string, number>();
  /** The distinct word ids of a name, numbering the words not seen before. */
  idsOf(name: string): number[] {
    const out: number[] = [];
    for (const word of words(name)) {
      let id = this.#ids.get(word);
      if (id === undefined) {
        id = this.spelled.length;
        this.#ids.set(word, id);
        this.spelled.push(word);
      }
      if (!out.includes(id)) out.push(id);
    }
    return out;
  }
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
export interface Base {
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
const flagsOf = (r: CatalogRow, taxClass: number, unit: number) => (r.active ? 1 : 0) | (r.barcode === null ? 0 : 2) | (taxClass << 2) | (unit << 16);

/**
 * The catalog read whole into columns, one product at a time in id order: typed arrays and one
 * UTF-8 buffer instead of a million objects (about 200 bytes a product).
 */
export class BaseBuilder {
  readonly #ids = int32s();
  readonly #starts = int32s();
  readonly #words = int32s();
  readonly #lengths = int32s();
  readonly #textAt = int32s();
  readonly #skuAt = int32s();
  readonly #codeAt = int32s();
  readonly #versions = int32s();
  readonly #categories = int32s();
  readonly #brands = int32s();
  readonly #flags = int32s();
  readonly #codePositions = int32s();
  readonly #prices = float64s();
  readonly #costs = float64s();
  readonly #numericCodes = float64s();
  readonly #otherCodes = new Map<string, number>();
  readonly #text = new TextColumn();
  readonly #taxClasses = new Distinct();
  readonly #units = new Distinct();

  constructor(readonly vocabulary: Vocabulary) {}

  add(r: CatalogRow, codes: readonly string[]): void {
    const pos = this.#ids.length;
    this.#ids.push(r.id);
    this.#starts.push(this.#words.length);
    this.#lengths.push(r.name.length);
    for (const w of this.vocabulary.idsOf(r.name)) this.#words.push(w);
    this.#textAt.push(this.#text.length);
    this.#text.push(r.name);
    this.#skuAt.push(this.#text.length);
    this.#text.push(r.sku);
    this.#codeAt.push(this.#text.length);
    this.#text.push(r.barcode ?? '');
    this.#prices.push(r.price);
    this.#costs.push(r.cost);
    this.#versions.push(r.version);
    this.#categories.push(r.category_id ?? 0);
    this.#brands.push(r.brand_id ?? 0);
    this.#flags.push(flagsOf(r, this.#taxClasses.of(r.tax_class), this.#units.of(r.unit)));
    for (const code of codes) {
      if (NUMERIC.test(code)) {
        this.#numericCodes.push(Number(code));
        this.#codePositions.push(pos);
      } else this.#otherCodes.set(code, pos);
    }
  }

  finish(): Base {
    this.#starts.push(this.#words.length);
    this.#textAt.push(this.#text.length);
    const codes = new NumericCodeTable(this.#numericCodes.length);
    for (let i = 0; i < this.#numericCodes.length; i++) codes.set(this.#numericCodes.values[i] as number, this.#codePositions.values[i] as number);
    const ids = this.#ids.done();
    const starts = this.#starts.done();
    const words = this.#words.done();
    const lengths = this.#lengths.done();
    return {
      ids,
      starts,
      words,
      lengths,
      postings: postingsByLength(this.vocabulary.spelled.length, starts, words, lengths),
      text: this.#text.done(),
      textAt: this.#textAt.done(),
      skuAt: this.#skuAt.done(),
      codeAt: this.#codeAt.done(),
      prices: this.#prices.done(),
      costs: this.#costs.done(),
      versions: this.#versions.done(),
      categories: this.#categories.done(),
      brands: this.#brands.done(),
      flags: this.#flags.done(),
      taxClasses: this.#taxClasses.values,
      units: this.#units.values,
      codes,
      otherCodes: this.#otherCodes,
    };
  }
}

/**
 * Each word's positions in name-length order (a counting sort), so a search can stop once no
 * product left in a word's list can outrank the ones it holds.
 */
function postingsByLength(vocabularySize: number, starts: Int32Array, words: Int32Array, lengths: Int32Array): Int32Array[] {
  const counts = new Int32Array(vocabularySize);
  for (const w of words) counts[w] = (counts[w] as number) + 1;
  const postings = Array.from(counts, (n) => new Int32Array(n));
  const filled = new Int32Array(vocabularySize);
  let longest = 0;
  for (const l of lengths) longest = Math.max(longest, l);
  const firstOfLength = new Int32Array(longest + 2);
  for (const l of lengths) firstOfLength[l + 1] = (firstOfLength[l + 1] as number) + 1;
  for (let l = 1; l < firstOfLength.length; l++) firstOfLength[l] = (firstOfLength[l] as number) + (firstOfLength[l - 1] as number);
  const byLength = new Int32Array(lengths.length);
  for (let pos = 0; pos < lengths.length; pos++) {
    const l = lengths[pos] as number;
    byLength[firstOfLength[l] as number] = pos;
    firstOfLength[l] = (firstOfLength[l] as number) + 1;
  }
  for (const pos of byLength)
    for (let k = starts[pos] as number; k < (starts[pos + 1] as number); k++) {
      const w = words[k] as number;
      (postings[w] as Int32Array)[filled[w] as number] = pos;
      filled[w] = (filled[w] as number) + 1;
    }
  return postings;
}

/** The base position of the product holding barcode `code`, if any. */
export function positionOfCode(base: Base, code: string): number | undefined {
  return NUMERIC.test(code) ? base.codes.get(Number(code)) : base.otherCodes.get(code);
}

/** The product at a base position, as a row. */
export function rowAt(base: Base, pos: number): CatalogRow {
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
