import type { TaxRate } from '@keel/core';
import { kvGet, kvSet } from './local-store.js';
import { SnapshotCatalog } from './product-catalog.js';
import { type CashSession, type CatalogProduct, currentSession, fetchCatalog, getConfig, type TerminalConfig } from './terminal-api.js';
import { ApiError } from './till-session.js';

/** What the till needs to sell, from the server when it answers, else from the last snapshot. */
export interface TillData {
  config: TerminalConfig;
  catalog: SnapshotCatalog;
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

export async function bootTill(registerId: string): Promise<TillData> {
  const cfg = await orSaved('config', getConfig);
  if (!cfg.value) throw new Error('The server cannot be reached and this till has never been set up: connect it once.');
  const online = cfg.online;
  let products: CatalogProduct[] | undefined;
  if (online) {
    products = await fetchCatalog();
    await kvSet('catalog', products);
  } else {
    products = await kvGet<CatalogProduct[]>('catalog');
  }
  const session = online ? ((await currentSession(registerId)).session ?? null) : ((await kvGet<CashSession | null>('session')) ?? null);
  await kvSet('session', session);
  return {
    config: cfg.value,
    catalog: new SnapshotCatalog(products ?? []),
    taxes: new Map(cfg.value.taxClasses.map((t) => [t.code, t])),
    session,
    online,
  };
}
