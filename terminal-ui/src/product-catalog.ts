import type { CatalogProduct } from './terminal-api.js';

/**
 * How the terminal finds products: by a scanned code and by type-ahead. One interface so the
 * catalog-at-scale work (offline snapshot + worker search) can replace the implementation.
 */
export interface ProductSearch {
  readonly size: number;
  byCode(code: string): CatalogProduct | undefined;
  byId(id: number): CatalogProduct | undefined;
  search(query: string, limit: number): CatalogProduct[];
}

/** The catalog snapshot in memory: codes in a Map, names searched by substring (word starts first). */
export class SnapshotCatalog implements ProductSearch {
  readonly #byCode = new Map<string, CatalogProduct>();
  readonly #byId = new Map<number, CatalogProduct>();
  readonly #products: CatalogProduct[];
  readonly #haystacks: string[];

  constructor(products: readonly CatalogProduct[]) {
    this.#products = [...products];
    this.#haystacks = this.#products.map((p) => ` ${p.name} ${p.sku}`.toLowerCase());
    for (const p of this.#products) {
      this.#byId.set(p.id, p);
      this.#byCode.set(p.sku.toLowerCase(), p);
      if (p.barcode) this.#byCode.set(p.barcode, p);
    }
  }

  get size(): number {
    return this.#products.length;
  }

  byCode(code: string): CatalogProduct | undefined {
    return this.#byCode.get(code) ?? this.#byCode.get(code.toLowerCase());
  }

  byId(id: number): CatalogProduct | undefined {
    return this.#byId.get(id);
  }

  search(query: string, limit: number): CatalogProduct[] {
    const q = query.trim().toLowerCase();
    if (!q) return [];
    const starts: CatalogProduct[] = [];
    const inside: CatalogProduct[] = [];
    const wordStart = ` ${q}`;
    for (let i = 0; i < this.#haystacks.length && starts.length < limit; i++) {
      const h = this.#haystacks[i] as string;
      if (h.includes(wordStart)) starts.push(this.#products[i] as CatalogProduct);
      else if (inside.length < limit && h.includes(q)) inside.push(this.#products[i] as CatalogProduct);
    }
    return [...starts, ...inside].slice(0, limit);
  }
}
