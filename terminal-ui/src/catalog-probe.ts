import { OfflineCatalog } from './offline-catalog.js';

/** The probe page (probe/catalog.html) hands the offline catalog to tests and the bench. */
declare global {
  interface Window {
    keelCatalog: OfflineCatalog;
  }
}
window.keelCatalog = new OfflineCatalog();
