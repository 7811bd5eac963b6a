import type { TaxRate } from '@keel/core';
import { kvGet, kvSet } from './local-store.js';
import { type ProductSearch, SnapshotCatalog } from './product-catalog.js';
import { type CashSession, type CatalogProduct, currentSession, fetchCatalog, getConfig, type TerminalConfig } from './terminal-api.js';
import { ApiError, tillKey } from './till-session.js';
import { offlineCatalogSupported, WorkerCatalog } from './worker-catalog.js';

/** What the till needs to sell, from the server when it answers, else from the last snapshot. */
export interface TillData {
  config: TerminalConfig;
  catalog: ProductSearch;
  taxes: Map<string, TaxRate>;
  session: CashSession | null;
  online: boolean;
}

async function orSaved<T>(key: string, load: () => Promise<T>): Promise<{ value: T | undefined; online: boolean }> {
  try {
    const value = await load();
    await kvSet(key, value);
    return { value, online: true };
  } catch (e) {
    if (e instanceof ApiError && !e.offline) throw e;
    return { value: await kvGet<T>(key), online: false };
  }
}

/** One offline catalog per page: a second boot (sign in again) reuses it and only syncs. */
let workerCatalog: Promise<WorkerCatalog> | undefined;

/**
 * The offline catalog (Arrow snapshot kept in OPFS, searched in a Web Worker): opened from storage,
 * or downloaded on first use; brought up to date with a delta when the server answers. Undefined
 * when this browser cannot (no OPFS or workers) or when it was never downloaded and the server is away.
 */
async function openWorkerCatalog(online: boolean): Promise<WorkerCatalog | undefined> {
  if (!offlineCatalogSupported()) return undefined;
  const key = tillKey();
  const opening = workerCatalog ?? WorkerCatalog.open(key ? { 'x-keel-till': key } : {});
  workerCatalog = opening;
  try {
    const catalog = await opening;
    // Also right after a download: the server's prepared snapshot may trail the catalog by a few changes.
    if (online) await catalog.sync().catch(() => undefined);
    return catalog;
  } catch {
    if (workerCatalog === opening) workerCatalog = undefined;
    return undefined;
  }
}

/** Drop the stored catalog (both kinds): the next boot downloads it again. */
export async function forgetCatalog(): Promise<void> {
  const opened = workerCatalog;
  workerCatalog = undefined;
  (await opened?.catch(() => undefined))?.close();
  if (offlineCatalogSupported()) {
    const root = await navigator.storage.getDirectory();
    await root.removeEntry('keel-catalog', { recursive: true }).catch(() => undefined);
  }
  await kvSet('catalog', undefined);
}

/** The JSON snapshot in memory: the whole catalog from the product list, saved in IndexedDB for offline boots. */
async function openSnapshotCatalog(online: boolean): Promise<SnapshotCatalog> {
  let products: CatalogProduct[] | undefined;
  if (online) {
    products = await fetchCatalog();
    await kvSet('catalog', products);
  } else {
    products = await kvGet<CatalogProduct[]>('catalog');
  }
  return new SnapshotCatalog(products ?? []);
}

export async function bootTill(registerId: string): Promise<TillData> {
  const cfg = await orSaved('config', getConfig);
  if (!cfg.value) throw new Error('The server cannot be reached and this till has never been set up: connect it once.');
  const online = cfg.online;
  const catalog = (await openWorkerCatalog(online)) ?? (await openSnapshotCatalog(online));
  const session = online ? ((await currentSession(registerId)).session ?? null) : ((await kvGet<CashSession | null>('session')) ?? null);
  await kvSet('session', session);
  return {
    config: cfg.value,
    catalog,
    taxes: new Map(cfg.value.taxClasses.map((t) => [t.code, t])),
    session,
    online,
  };
}
