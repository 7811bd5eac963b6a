import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { openWarehouse } from '@keel/warehouse';

/**
 * A warehouse SERVER for the fault suite: the ClickHouse engine (chDB) on a data directory in a
 * process of its own, answering the part of ClickHouse's HTTP interface that Keel's
 * `@clickhouse/client` uses (query/command with `param_*`, JSONEachRow inserts with the
 * deduplication settings). Keel talks to it through `CLICKHOUSE_URL` exactly as to a ClickHouse
 * server, so a scenario can SIGKILL it (the warehouse store gone) and start it again on the same
 * port and data. No ClickHouse server binary ships on this machine; the engine is the real one.
 *
 * Usage: node --import tsx clickhouse-http-main.ts <port> <dataDir>
 */
const port = Number(process.argv[2]);
const dataDir = process.argv[3] as string;
const warehouse = await openWarehouse({ dataDir });
const INSERT = /^\s*INSERT\s+INTO\s+`?(\w+)`?\s+FORMAT\s+JSONEachRow\s*$/i;

// One statement at a time: chDB's session is not made for concurrent writers.
let chain: Promise<unknown> = Promise.resolve();
function serial<T>(fn: () => Promise<T>): Promise<T> {
  const next = chain.then(fn, fn);
  chain = next.catch(() => undefined);
  return next;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://warehouse');
  const body = await readBody(req);
  if (url.pathname === '/ping' || (req.method === 'GET' && !url.searchParams.has('query'))) {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('Ok.\n');
    return;
  }
  const query = url.searchParams.get('query') ?? '';
  const params: Record<string, string> = {};
  for (const [k, v] of url.searchParams) if (k.startsWith('param_')) params[k.slice(6)] = v;
  const insert = INSERT.exec(query);
  if (insert) {
    const rows = body
      .split('\n')
      .filter((l) => l.trim().length > 0)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const token = url.searchParams.get('insert_deduplication_token') ?? '';
    await serial(() => warehouse.insertRows(insert[1] as string, rows, token));
    res.writeHead(200, { 'content-type': 'text/plain' }).end('');
    return;
  }
  const text = [query, body].filter((t) => t.length > 0).join('\n');
  const bytes = await serial(() => warehouse.queryRaw(text, params));
  res.writeHead(200, { 'content-type': 'application/x-ndjson; charset=UTF-8', 'x-clickhouse-format': 'JSONEachRow' }).end(Buffer.from(bytes));
}

// ClickHouse accepts URIs up to 1 MiB (http_max_uri_size); the loader's look-ups send thousands of ids as a parameter.
const server = http.createServer({ maxHeaderSize: 1024 * 1024 }, (req, res) => {
  handle(req, res).catch((err: unknown) => {
    if (res.headersSent) return void res.destroy();
    const message = String((err as Error)?.message ?? err).replace(/\s+/g, ' ');
    const code = /Code: (\d+)/.exec(message)?.[1] ?? '1001';
    res.writeHead(500, { 'content-type': 'text/plain', 'x-clickhouse-exception-code': code }).end(`Code: ${code}. DB::Exception: ${message}\n`);
  });
});
await warehouse.migrate();
server.listen(port, '127.0.0.1');
