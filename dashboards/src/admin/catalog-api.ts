import { formatDecimalMoney } from '@keel/core';
import { ApiError, api, csrf } from './admin-api.js';

/** The catalog as the back office pages see it: pages from the server, never the whole catalog. */

export interface Product {
  id: number;
  sku: string;
  barcode: string | null;
  name: string;
  price: number;
  cost?: number;
  taxClass: string;
  active: boolean;
  categoryId: number | null;
  brandId: number | null;
  version: number;
}

export interface ProductFilters {
  q: string;
  category: number | null;
  brand: number | null;
  active: boolean | null;
}

/** Where a page starts: an id to continue after (browsing) or an offset (search results). */
export interface PageStart {
  after: number;
  offset: number;
}

export interface ProductPage {
  items: Product[];
  /** The start of the next page, null on the last one. */
  next: PageStart | null;
}

export const PAGE_SIZE = 50;

function filterParams(f: ProductFilters): URLSearchParams {
  const p = new URLSearchParams({ limit: String(PAGE_SIZE) });
  if (f.category !== null) p.set('category', String(f.category));
  if (f.brand !== null) p.set('brand', String(f.brand));
  if (f.active !== null) p.set('active', String(f.active));
  return p;
}

/** One page: the keyset list when browsing, the server's ranked search (offset pages) when there is text. */
export async function productPage(f: ProductFilters, start: PageStart): Promise<ProductPage> {
  const p = filterParams(f);
  if (f.q.trim() !== '') {
    p.set('q', f.q.trim());
    p.set('offset', String(start.offset));
    const r = await api<{ items: Product[] }>('GET', `/api/v1/products/search?${p}`);
    return { items: r.items, next: r.items.length === PAGE_SIZE ? { after: 0, offset: start.offset + PAGE_SIZE } : null };
  }
  p.set('after', String(start.after));
  const r = await api<{ items: Product[]; next: number | null }>('GET', `/api/v1/products?${p}`);
  return { items: r.items, next: r.next === null ? null : { after: r.next, offset: 0 } };
}

export const getProduct = (id: number) => api<Product>('GET', `/api/v1/products/${id}`);

export type ProductChanges = Partial<Pick<Product, 'name' | 'price' | 'cost' | 'taxClass' | 'active'>>;
export const updateProduct = (id: number, version: number, changes: ProductChanges) => api<Product>('PATCH', `/api/v1/products/${id}`, { version, ...changes });

/** Quantities are shown in units with up to three decimals (weighed goods): milli-units on the wire. */
export function formatQuantity(milli: number): string {
  const t = formatDecimalMoney(milli, 3);
  return t.replace(/\.?0+$/, '') || '0';
}

export interface StockLevel {
  storeId: number;
  onHandMilli: number;
}
export const productStock = (id: number) => api<{ stores: StockLevel[] }>('GET', `/api/v1/products/${id}/stock`).then((r) => r.stores);

export interface StockResult {
  storeId: number;
  movementMilli: number;
  onHandMilli: number;
}
export const receiveStock = (b: { storeId: number; productId: number; quantityMilli: number; unitCost?: number; reference?: string; note?: string }) =>
  api<StockResult>('POST', '/api/v1/stock/receipts', b);
export const countStock = (b: { storeId: number; productId: number; countedMilli: number }) => api<StockResult>('POST', '/api/v1/stock/counts', b);

export interface Facet {
  id: number;
  label: string;
}
export async function facets(): Promise<{ categories: Facet[]; brands: Facet[] }> {
  const [c, b] = await Promise.all([
    api<{ items: Array<{ id: number; path: string }> }>('GET', '/api/v1/catalog/categories'),
    api<{ items: Array<{ id: number; name: string }> }>('GET', '/api/v1/catalog/brands'),
  ]);
  return { categories: c.items.map((x) => ({ id: x.id, label: x.path })), brands: b.items.map((x) => ({ id: x.id, label: x.name })) };
}

export interface BadRow {
  line: number;
  sku: string;
  reason: string;
}
export interface ImportReport {
  dryRun: boolean;
  applied: boolean;
  mode: 'all-or-nothing' | 'skip-bad-rows';
  rows: number;
  goodRows: number;
  badRows: BadRow[];
  badRowCount: number;
  inserted: number;
  updated: number;
  unchanged: number;
  fileError: { code: string; message: string } | null;
}
export interface ImportProgress {
  phase: 'reading' | 'checking' | 'applying' | 'done';
  bytes: number;
  rows: number;
  finished: boolean;
}

/**
 * Upload a catalog file; the server reads it as a stream. Resolves with the report, also when the
 * server refused the rows (all-or-nothing) or the file: the report says why.
 */
export async function importFile(file: File, opts: { mode: ImportReport['mode']; dryRun: boolean; progressId: string }): Promise<ImportReport> {
  const p = new URLSearchParams({ mode: opts.mode, dryRun: String(opts.dryRun), progressId: opts.progressId, fileName: file.name.slice(0, 200) });
  const token = csrf();
  const res = await fetch(`/api/v1/catalog/imports?${p}`, {
    method: 'POST',
    headers: {
      accept: 'application/json',
      'content-type': /\.arrow$/i.test(file.name) ? 'application/vnd.apache.arrow.stream' : 'text/csv',
      ...(token ? { 'x-csrf-token': token } : {}),
    },
    body: file,
  });
  const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
  if (json.report) return json.report as ImportReport;
  if (!res.ok) throw new ApiError(res.status, typeof json.code === 'string' ? json.code : 'unknown', json);
  return json as unknown as ImportReport;
}

export const importProgress = (progressId: string) => api<ImportProgress>('GET', `/api/v1/catalog/imports/progress/${progressId}`);
