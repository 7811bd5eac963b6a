export type { CatalogProduct } from './catalog-index.js';
export type { OpenResult } from './catalog-protocol.js';
export { OfflineCatalog } from './offline-catalog.js';
