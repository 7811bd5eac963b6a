/// <reference lib="webworker" />
import { tableFromIPC } from 'apache-arrow';
import { CatalogIndex } from './catalog-index.js';
import type { CatalogReply, CatalogRequest, OpenResult } from './catalog-protocol.js';

/**
 * The offline catalog's Web Worker: keeps the Arrow snapshot and its deltas in the origin private
 * file system (OPFS), builds the search index off the main thread, and answers lookups.
 */
interface Meta {
  version: number;
  deltas: Array<{ file: string; version: number }>;
}

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

async function writeFile(dir: FileSystemDirectoryHandle, name: string, body: ReadableStream<Uint8Array> | string | ArrayBuffer): Promise<void> {
  const handle = await dir.getFileHandle(name, { create: true });
  const writable = await handle.createWritable();
  if (body instanceof ReadableStream) await body.pipeTo(writable);
  else {
    await writable.write(body);
    await writable.close();
  }
}

async function open(url: string, extra: Record<string, string> = {}): Promise<OpenResult> {
  baseUrl = url;
  headers = extra;
  const t0 = performance.now();
  const dir = await folder();
  const storedMeta = await readFile(dir, 'meta.json');
  let source: OpenResult['source'] = 'stored';
  let snapshot = storedMeta ? await readFile(dir, 'snapshot.arrow') : undefined;
  if (storedMeta && snapshot) {
    meta = JSON.parse(new TextDecoder().decode(storedMeta)) as Meta;
  } else {
    source = 'downloaded';
    const res = await fetch(`${baseUrl}/api/v1/catalog/snapshot`, { headers, cache: 'no-store' });
    if (!res.ok || !res.body) throw new Error(`snapshot download failed: HTTP ${res.status}`);
    const version = Number(res.headers.get('x-catalog-version') ?? 0);
    await writeFile(dir, 'snapshot.arrow', res.body);
    meta = { version, deltas: [] };
    await writeFile(dir, 'meta.json', JSON.stringify(meta));
    snapshot = await readFile(dir, 'snapshot.arrow');
  }
  const t1 = performance.now();
  index = new CatalogIndex(tableFromIPC(new Uint8Array(snapshot as ArrayBuffer)));
  for (const d of meta.deltas) {
    const bytes = await readFile(dir, d.file);
    if (bytes) index.applyDelta(tableFromIPC(new Uint8Array(bytes)));
  }
  const t2 = performance.now();
  return { source, version: meta.version, products: index.size, loadMs: t1 - t0, indexMs: t2 - t1 };
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
  meta = { version, deltas: [...meta.deltas, { file, version }] };
  await writeFile(dir, 'meta.json', JSON.stringify(meta));
  return { applied: index.applyDelta(table), version };
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
