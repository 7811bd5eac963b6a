/** Messages between the page and the offline catalog's worker. */
export type CatalogRequest =
  | { id: number; op: 'open'; baseUrl: string; headers?: Record<string, string> }
  | { id: number; op: 'sync' }
  | { id: number; op: 'barcode'; code: string }
  | { id: number; op: 'code'; code: string }
  | { id: number; op: 'byId'; productId: number }
  | { id: number; op: 'search'; text: string; limit: number }
  | { id: number; op: 'forget' };

export type CatalogReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

export interface OpenResult {
  /** 'downloaded' on first use, 'stored' when the snapshot came from the browser's storage. */
  readonly source: 'downloaded' | 'stored';
  readonly version: number;
  readonly products: number;
  /** Download and store (or read back), then parse and index, in milliseconds. */
  readonly loadMs: number;
  readonly indexMs: number;
  /**
   * 'stored' when the search index was read back from storage, 'downloaded' when the server's (built
   * for the same snapshot) was, 'built' when the worker built it (and stored it).
   */
  readonly index: 'stored' | 'downloaded' | 'built';
  /** Delta files kept beside the snapshot (merged into one past a few). */
  readonly deltaFiles: number;
}
