import type { CatalogProduct } from './catalog-index.js';
import type { CatalogReply, CatalogRequest, OpenResult } from './catalog-protocol.js';

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };
type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

/**
 * The terminal's offline catalog, from the page's side: a snapshot downloaded once and kept in the
 * browser (OPFS), searched in a Web Worker, kept current with deltas. Every call is one message.
 */
export class OfflineCatalog {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #next = 1;

  constructor() {
    this.#worker = new Worker(new URL('./catalog-worker.ts', import.meta.url), { type: 'module' });
    this.#worker.onmessage = (e: MessageEvent<CatalogReply>) => {
      const p = this.#pending.get(e.data.id);
      if (!p) return;
      this.#pending.delete(e.data.id);
      if (e.data.ok) p.resolve(e.data.result);
      else p.reject(new Error(e.data.error));
    };
    // The worker's script did not load (offline before it was ever cached) or crashed: fail every call.
    this.#worker.onerror = (e) => {
      e.preventDefault();
      for (const p of this.#pending.values()) p.reject(new Error(`catalog worker failed: ${e.message || 'not loaded'}`));
      this.#pending.clear();
    };
  }

  #call<T>(req: WithoutId<CatalogRequest>): Promise<T> {
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.#worker.postMessage({ ...req, id });
    });
  }

  /** Open from storage, or download the snapshot on first use. Asks the browser to keep the storage. */
  async open(baseUrl = '', headers: Record<string, string> = {}): Promise<OpenResult> {
    await navigator.storage?.persist?.().catch(() => false);
    return this.#call<OpenResult>({ op: 'open', baseUrl, headers });
  }

  /** Apply the changes made on the server since this catalog's version. */
  sync(): Promise<{ applied: number; version: number }> {
    return this.#call({ op: 'sync' });
  }

  byBarcode(code: string): Promise<CatalogProduct | null> {
    return this.#call({ op: 'barcode', code });
  }

  /** A scanned or typed code: a barcode, else a SKU (any case). */
  byCode(code: string): Promise<CatalogProduct | null> {
    return this.#call({ op: 'code', code });
  }

  byId(productId: number): Promise<CatalogProduct | null> {
    return this.#call({ op: 'byId', productId });
  }

  search(text: string, limit = 20): Promise<CatalogProduct[]> {
    return this.#call({ op: 'search', text, limit });
  }

  /** Drop the stored catalog (the next open downloads it again). */
  forget(): Promise<void> {
    return this.#call({ op: 'forget' });
  }

  close(): void {
    this.#worker.terminate();
  }
}
