import type { CatalogProduct } from './terminal-api.js';

/**
 * How the terminal finds products: by a scanned code (barcode or SKU) and by type-ahead. Two
 * implementations: the offline catalog in a Web Worker (`WorkerCatalog`, the normal case) and this
 * file's in-memory JSON snapshot, kept for browsers without a file system for origins or workers.
 */
export interface ProductSearch {
  /** 'worker' (Arrow snapshot in OPFS, searched in a Web Worker) or 'memory' (JSON snapshot). */
  readonly kind: 'worker' | 'memory';
  readonly size: number;
  byCode(code: string): Promise<CatalogProduct | undefined>;
  byId(id: number): Promise<CatalogProduct | undefined>;
  search(query: string, limit: number): Promise<CatalogProduct[]>;
  /** Fetch and apply what changed on the server (the memory snapshot does not: it reloads at boot). */
  sync(): Promise<void>;
}

/** The catalog snapshot in memory: codes in a Map, names searched by substring (word starts first). */
export class SnapshotCatalog implements ProductSearch {
  readonly kind = 'memory';
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

  async byCode(code: string): Promise<CatalogProduct | undefined> {
    return this.#byCode.get(code) ?? this.#byCode.get(code.toLowerCase());
  }

  async byId(id: number): Promise<CatalogProduct | undefined> {
    return this.#byId.get(id);
  }

  async sync(): Promise<void> {}

  async search(query: string, limit: number): Promise<CatalogProduct[]> {
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
