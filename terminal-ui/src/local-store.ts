/**
 * The till's IndexedDB: `journal` (every sale, written before it is sent), `kv` (config, catalog
 * snapshot, held carts, last receipt). Small promise wrappers; nothing else touches IndexedDB.
 */
const DB_NAME = 'keel-terminal';
const VERSION = 1;

let opening: Promise<IDBDatabase> | undefined;

export function openLocalStore(): Promise<IDBDatabase> {
  opening ??= new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, VERSION);
    req.onupgradeneeded = () => {
      const db = req.result;
      if (!db.objectStoreNames.contains('journal')) db.createObjectStore('journal', { keyPath: 'id' });
      if (!db.objectStoreNames.contains('kv')) db.createObjectStore('kv');
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  return opening;
}

function done<T>(req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/** Resolves when the transaction has committed (durable), not merely when the request succeeded. */
function committed(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error('transaction aborted'));
  });
}

export async function kvGet<T>(key: string): Promise<T | undefined> {
  const db = await openLocalStore();
  return done(db.transaction('kv').objectStore('kv').get(key)) as Promise<T | undefined>;
}

export async function kvSet(key: string, value: unknown): Promise<void> {
  const db = await openLocalStore();
  const tx = db.transaction('kv', 'readwrite', { durability: 'strict' });
  tx.objectStore('kv').put(value, key);
  await committed(tx);
}

export async function journalPut(entry: unknown): Promise<void> {
  const db = await openLocalStore();
  const tx = db.transaction('journal', 'readwrite', { durability: 'strict' });
  tx.objectStore('journal').put(entry);
  await committed(tx);
}

export async function journalAll(): Promise<unknown[]> {
  const db = await openLocalStore();
  return done(db.transaction('journal').objectStore('journal').getAll());
}

/** Ask the browser not to evict the journal under storage pressure. */
export async function persistStorage(): Promise<boolean> {
  try {
    return (await navigator.storage?.persist?.()) ?? false;
  } catch {
    return false;
  }
}
