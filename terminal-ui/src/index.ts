export { parseScan, type Scan, weighedBarcode } from './barcode.js';
export { addLine, type Cart, newCart, saleRequest, totalsOf } from './cart.js';
export type { CatalogProduct } from './catalog-index.js';
export type { OpenResult } from './catalog-protocol.js';
export { OfflineCatalog } from './offline-catalog.js';
export { type ProductSearch, SnapshotCatalog } from './product-catalog.js';
export { type JournalEntry, readEntry } from './sale-journal.js';
