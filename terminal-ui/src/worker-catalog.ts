import type { CatalogProduct as IndexedProduct } from './catalog-index.js';
import type { OpenResult } from './catalog-protocol.js';
import { OfflineCatalog } from './offline-catalog.js';
import type { ProductSearch } from './product-catalog.js';
import type { CatalogProduct } from './terminal-api.js';

/** The till's product as the offline catalog's worker returns it (primary barcode first). */
const tillProduct = (p: IndexedProduct): CatalogProduct => ({
  id: p.id,
  sku: p.sku,
  barcode: p.barcodes[0] ?? null,
  name: p.name,
  price: p.price,
  taxClass: p.taxClass,
  active: p.active,
  weighed: p.weighed,
});

/** Whether this browser has what the offline catalog needs: module workers and OPFS with writable files. */
export function offlineCatalogSupported(): boolean {
  return (
    typeof Worker === 'function' &&
    typeof navigator.storage?.getDirectory === 'function' &&
    typeof FileSystemFileHandle === 'function' &&
    'createWritable' in FileSystemFileHandle.prototype
  );
}

/**
 * The till's products from the offline catalog (Arrow snapshot in OPFS, searched in a Web Worker):
 * downloaded on first use, read back from the browser's storage afterwards, kept current by `sync`.
 * Products no longer sold (inactive) are not found by code or name; refunds still find them by id.
 */
export class WorkerCatalog implements ProductSearch {
  readonly kind = 'worker';
  readonly #catalog: OfflineCatalog;
  #size: number;
  #syncing: Promise<void> | undefined;

  private constructor(catalog: OfflineCatalog, opened: OpenResult) {
    this.#catalog = catalog;
    this.#size = opened.products;
    this.opened = opened;
  }

  /** How the catalog was opened (downloaded or stored, and how long it took). */
  readonly opened: OpenResult;

  static async open(headers: Record<string, string>): Promise<WorkerCatalog> {
    const catalog = new OfflineCatalog();
    try {
      return new WorkerCatalog(catalog, await catalog.open('', headers));
    } catch (e) {
      catalog.close();
      throw e;
    }
  }

  get size(): number {
    return this.#size;
  }

  async byCode(code: string): Promise<CatalogProduct | undefined> {
    const p = await this.#catalog.byCode(code);
    return p?.active ? tillProduct(p) : undefined;
  }

  async byId(id: number): Promise<CatalogProduct | undefined> {
    const p = await this.#catalog.byId(id);
    return p ? tillProduct(p) : undefined;
  }

  async search(query: string, limit: number): Promise<CatalogProduct[]> {
    if (!query.trim()) return [];
    return (await this.#catalog.search(query, limit)).filter((p) => p.active).map(tillProduct);
  }

  close(): void {
    this.#catalog.close();
  }

  /** Apply the server's changes since our version; one at a time, failures (offline) are left for the next try. */
  sync(): Promise<void> {
    this.#syncing ??= this.#catalog
      .sync()
      .then(() => undefined)
      .finally(() => {
        this.#syncing = undefined;
      });
    return this.#syncing;
  }
}
