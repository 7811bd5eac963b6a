/// <reference lib="webworker" />
import { Bool, makeVector, Table, tableFromIPC, tableToIPC, Utf8, vectorFromArray } from 'apache-arrow';
import { CatalogIndex, type CatalogProduct, type IndexKey } from './catalog-index.js';
import type { CatalogReply, CatalogRequest, OpenResult } from './catalog-protocol.js';

/**
 * The offline catalog's Web Worker: keeps the Arrow snapshot, its search index and the deltas since
 * in the origin private file system (OPFS), builds the index off the main thread (once per
 * snapshot: a reopen maps the stored one), and answers lookups.
 */
interface Meta {
  /** The catalog version the till is at (the snapshot's, or the last delta's). */
  version: number;
  /** The snapshot file and its own version (older metas: 'snapshot.arrow', the first delta's start). */
  snapshot?: string;
  snapshotVersion?: number;
  deltas: Array<{ file: string; version: number; rows?: number }>;
}

/** Delta files kept before they are merged into one file of the changed products. */
export const MERGE_DELTAS_AFTER = 8;
/** Changed products (share of the snapshot) past which the next open folds them into a new snapshot and index. */
const FOLD_SHARE = 0.05;
const FOLD_MIN = 2000;

let index: CatalogIndex | undefined;
let meta: Meta = { version: 0, deltas: [] };
let baseUrl = '';
/** Sent with every download (the till's own key); cookies go along as for any same-origin fetch. */
let headers: Record<string, string> = {};

async function folder(): Promise<FileSystemDirectoryHandle> {
  const root = await navigator.storage.getDirectory();
  return root.getDirectoryHandle('keel-catalog', { create: true });
}

async function readFile(dir: FileSystemDirectoryHandle, name: string): Promise<ArrayBuffer | undefined> {
  try {
    return await (await (await dir.getFileHandle(name)).getFile()).arrayBuffer();
  } catch {
    return undefined;
  }
}

async function writeFile(dir: FileSystemDirectoryHandle, name: string, body: ReadableStream<Uint8Array> | string | ArrayBuffer | Uint8Array): Promise<void> {
  const handle = await dir.getFileHandle(name, { create: true });
  const writable = await handle.createWritable();
  if (body instanceof ReadableStream) await body.pipeTo(writable);
  else {
    await writable.write(body as FileSystemWriteChunkType);
    await writable.close();
  }
}

const snapshotName = (m: Meta) => m.snapshot ?? 'snapshot.arrow';
function snapshotVersion(m: Meta): number {
  if (m.snapshotVersion !== undefined) return m.snapshotVersion;
  const first = /^delta-(\d+)-/.exec(m.deltas[0]?.file ?? '');
  return first ? Number(first[1]) : m.version;
}
const indexName = (m: Meta) => `index-${snapshotVersion(m)}.bin`;

/** Remove what the meta does not name: files of an interrupted write, replaced snapshots, merged deltas. */
async function sweep(dir: FileSystemDirectoryHandle, m: Meta): Promise<void> {
  const keep = new Set(['meta.json', snapshotName(m), indexName(m), ...m.deltas.map((d) => d.file)]);
  const names: string[] = [];
  for await (const name of (dir as unknown as { keys(): AsyncIterable<string> }).keys()) names.push(name);
  for (const name of names) if (!keep.has(name)) await dir.removeEntry(name).catch(() => undefined);
}

/** The stored index for this snapshot, or a new one (built, then stored beside the snapshot). */
async function indexFor(dir: FileSystemDirectoryHandle, table: Table, key: IndexKey, name: string): Promise<{ index: CatalogIndex; stored: boolean }> {
  const bytes = await readFile(dir, name);
  const stored = bytes ? CatalogIndex.restore(table, bytes, key) : undefined;
  if (stored) return { index: stored, stored: true };
  const built = new CatalogIndex(table);
  await writeFile(dir, name, built.serialize(key));
  return { index: built, stored: false };
}

async function open(url: string, extra: Record<string, string> = {}): Promise<OpenResult> {
  baseUrl = url;
  headers = extra;
  const t0 = performance.now();
  const dir = await folder();
  const storedMeta = await readFile(dir, 'meta.json');
  let source: OpenResult['source'] = 'stored';
  let stored: Meta | undefined;
  try {
    stored = storedMeta ? (JSON.parse(new TextDecoder().decode(storedMeta)) as Meta) : undefined;
  } catch {
    stored = undefined;
  }
  let snapshot = stored ? await readFile(dir, snapshotName(stored)) : undefined;
  if (stored && snapshot) {
    meta = stored;
  } else {
    source = 'downloaded';
    const res = await fetch(`${baseUrl}/api/v1/catalog/snapshot`, { headers, cache: 'no-store' });
    if (!res.ok || !res.body) throw new Error(`snapshot download failed: HTTP ${res.status}`);
    const version = Number(res.headers.get('x-catalog-version') ?? 0);
    const file = `snapshot-${version}.arrow`;
    await writeFile(dir, file, res.body);
    meta = { version, snapshot: file, snapshotVersion: version, deltas: [] };
    await writeFile(dir, 'meta.json', JSON.stringify(meta));
    snapshot = await readFile(dir, file);
    // The server's index for this snapshot saves building one here; it is checked like a stored one.
    try {
      const res = await fetch(`${baseUrl}/api/v1/catalog/snapshot/index?version=${version}`, { headers, cache: 'no-store' });
      if (res.ok && res.body && res.headers.get('x-catalog-version') === String(version)) await writeFile(dir, indexName(meta), res.body);
      else await res.body?.cancel();
    } catch {
      // Not there: built below.
    }
  }
  const t1 = performance.now();
  const bytes = snapshot as ArrayBuffer;
  const opened = await indexFor(dir, tableFromIPC(new Uint8Array(bytes)), { version: snapshotVersion(meta), snapshotBytes: bytes.byteLength }, indexName(meta));
  index = opened.index;
  let changed = 0;
  for (const d of meta.deltas) {
    const delta = await readFile(dir, d.file);
    if (delta) changed += index.applyDelta(tableFromIPC(new Uint8Array(delta)));
  }
  let folded = false;
  if (changed > Math.max(FOLD_MIN, FOLD_SHARE * index.size)) {
    await fold(dir);
    folded = true;
  }
  await sweep(dir, meta);
  const t2 = performance.now();
  return {
    source,
    version: meta.version,
    products: index.size,
    loadMs: t1 - t0,
    indexMs: t2 - t1,
    index: folded || !opened.stored ? 'built' : source === 'downloaded' ? 'downloaded' : 'stored',
    deltaFiles: meta.deltas.length,
  };
}

/** Columns of a catalog Arrow table (the server's snapshot layout) from products. */
function productTable(products: Iterable<CatalogProduct>): Table {
  const list = [...products];
  const text = (f: (p: CatalogProduct) => string) => vectorFromArray(list.map(f), new Utf8());
  const flag = (f: (p: CatalogProduct) => boolean) => vectorFromArray(list.map(f), new Bool());
  return new Table({
    id: makeVector(Int32Array.from(list, (p) => p.id)),
    sku: text((p) => p.sku),
    name: text((p) => p.name),
    price: makeVector(BigInt64Array.from(list, (p) => BigInt(p.price))),
    tax_class: text((p) => p.taxClass),
    active: flag((p) => p.active),
    weighed: flag((p) => p.weighed),
    barcodes: text((p) => p.barcodes.join('|')),
  });
}

/** Merge the delta files into one (the latest of each changed product): storage stays bounded by the catalog. */
async function mergeDeltas(dir: FileSystemDirectoryHandle): Promise<void> {
  if (!index) return;
  const changed = index.changed();
  const file = `changes-${snapshotVersion(meta)}-${meta.version}.arrow`;
  await writeFile(dir, file, tableToIPC(productTable(changed), 'stream'));
  meta = { ...meta, snapshot: snapshotName(meta), snapshotVersion: snapshotVersion(meta), deltas: [{ file, version: meta.version, rows: changed.length }] };
  await writeFile(dir, 'meta.json', JSON.stringify(meta));
  await sweep(dir, meta);
}

/** Fold the changes into a new snapshot and index at the current version; the deltas go. */
async function fold(dir: FileSystemDirectoryHandle): Promise<void> {
  if (!index) return;
  const bytes = tableToIPC(productTable(index.products()), 'stream');
  const file = `snapshot-${meta.version}.arrow`;
  await writeFile(dir, file, bytes);
  const next: Meta = { version: meta.version, snapshot: file, snapshotVersion: meta.version, deltas: [] };
  const table = tableFromIPC(bytes);
  const built = new CatalogIndex(table);
  await writeFile(dir, indexName(next), built.serialize({ version: meta.version, snapshotBytes: bytes.byteLength }));
  meta = next;
  await writeFile(dir, 'meta.json', JSON.stringify(meta));
  index = built;
}

/** Fetch the changes since our version, keep them beside the snapshot, and apply them. */
async function sync(): Promise<{ applied: number; version: number }> {
  if (!index) throw new Error('catalog not open');
  const res = await fetch(`${baseUrl}/api/v1/catalog/snapshot?since=${meta.version}`, { headers, cache: 'no-store' });
  if (!res.ok) throw new Error(`delta download failed: HTTP ${res.status}`);
  const version = Number(res.headers.get('x-catalog-version') ?? meta.version);
  const bytes = await res.arrayBuffer();
  const table = tableFromIPC(new Uint8Array(bytes));
  if (table.numRows === 0) return { applied: 0, version: meta.version };
  const dir = await folder();
  const file = `delta-${meta.version}-${version}.arrow`;
  await writeFile(dir, file, bytes);
  meta = {
    ...meta,
    snapshot: snapshotName(meta),
    snapshotVersion: snapshotVersion(meta),
    version,
    deltas: [...meta.deltas, { file, version, rows: table.numRows }],
  };
  await writeFile(dir, 'meta.json', JSON.stringify(meta));
  const applied = index.applyDelta(table);
  if (meta.deltas.length > MERGE_DELTAS_AFTER) await mergeDeltas(dir);
  return { applied, version };
}

async function handle(req: CatalogRequest): Promise<unknown> {
  switch (req.op) {
    case 'open':
      return open(req.baseUrl, req.headers);
    case 'sync':
      return sync();
    case 'barcode':
      return index?.byBarcode(req.code) ?? null;
    case 'code':
      return index?.byBarcode(req.code) ?? index?.bySku(req.code) ?? null;
    case 'byId':
      return index?.byId(req.productId) ?? null;
    case 'search':
      return index?.search(req.text, req.limit) ?? [];
    case 'forget': {
      const root = await navigator.storage.getDirectory();
      await root.removeEntry('keel-catalog', { recursive: true }).catch(() => undefined);
      index = undefined;
      meta = { version: 0, deltas: [] };
      return null;
    }
  }
}

const scope = self as unknown as DedicatedWorkerGlobalScope;
scope.onmessage = (e: MessageEvent<CatalogRequest>) => {
  const req = e.data;
  handle(req).then(
    (result) => scope.postMessage({ id: req.id, ok: true, result } satisfies CatalogReply),
    (err: unknown) => scope.postMessage({ id: req.id, ok: false, error: err instanceof Error ? err.message : String(err) } satisfies CatalogReply),
  );
};
