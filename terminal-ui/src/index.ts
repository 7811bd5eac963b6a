export { parseScan, type Scan, weighedBarcode } from './barcode.js';
export { addLine, type Cart, newCart, saleRequest, totalsOf } from './cart.js';
export { type ProductSearch, SnapshotCatalog } from './product-catalog.js';
export { type JournalEntry, readEntry } from './sale-journal.js';
