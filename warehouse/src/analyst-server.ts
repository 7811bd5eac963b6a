import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AnalystLimits, prepareAnalystQuery } from './analyst-query.js';
import type { Warehouse } from './warehouse.js';
import { errorMessage } from './warehouse-error.js';

/** What a client sent to prove who it is (ClickHouse's user and password; the password is a Keel token). */
export interface AnalystCredentials {
  readonly user: string;
  readonly key: string;
}

/** The answer of the one access check: may these credentials run read-only SQL? */
export type AnalystAccess = { readonly ok: true; readonly who: string } | { readonly ok: false; readonly reason: 'unauthenticated' | 'forbidden' };

export interface AnalystServerOptions {
  readonly warehouse: Warehouse;
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly limits: AnalystLimits;
  readonly authorize: (credentials: AnalystCredentials | null) => Promise<AnalystAccess>;
  /** Called for each statement refused before it ran (for the audit log). */
  readonly onRefused?: (who: string, reason: string) => void;
  readonly log?: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  /** Queries run at once; more get TOO_MANY_SIMULTANEOUS_QUERIES (default 2: the till comes first). */
  readonly maxConcurrent?: number;
}

export interface AnalystServer {
  readonly url: string;
  close(): Promise<void>;
}

const MAX_BODY = 1_048_576;

/** ClickHouse error codes Keel answers with, their names and HTTP statuses (as ClickHouse's HTTP handler maps them). */
const CH_ERRORS = {
  READONLY: { code: 164, status: 403 },
  AUTHENTICATION_FAILED: { code: 516, status: 401 },
  ACCESS_DENIED: { code: 497, status: 403 },
  SYNTAX_ERROR: { code: 62, status: 400 },
  TOO_MANY_SIMULTANEOUS_QUERIES: { code: 202, status: 503 },
  QUERY_IS_TOO_LARGE: { code: 393, status: 413 },
  UNKNOWN_FORMAT: { code: 73, status: 400 },
} as const;

const STATUS_OF_CODE: Record<number, number> = { 60: 404, 62: 400, 47: 400, 46: 400, 164: 403, 497: 403, 159: 500, 241: 500, 396: 500 };

/**
 * A ClickHouse-HTTP-compatible, read-only endpoint over the warehouse: `curl`, `@clickhouse/client`,
 * Grafana and DBeaver talk to it as to a ClickHouse server. Every statement is checked by
 * `prepareAnalystQuery` and runs with readonly = 1 and the limits.
 */
export async function startAnalystServer(options: AnalystServerOptions): Promise<AnalystServer> {
  const maxConcurrent = options.maxConcurrent ?? 2;
  let running = 0;
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      options.log?.warn({ err: { message: errorMessage(err) } }, 'analyst request failed');
      if (!res.headersSent) fail(res, 500, 1001, 'STD_EXCEPTION', 'Internal error');
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://analyst');
    if (url.pathname === '/ping' || (url.pathname === '/' && req.method === 'GET' && !url.searchParams.has('query'))) {
      res.writeHead(200, { 'content-type': 'text/plain; charset=UTF-8' }).end('Ok.\n');
      return;
    }
    if (url.pathname !== '/' || (req.method !== 'GET' && req.method !== 'POST')) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=UTF-8' }).end('There is no handle for this path\n');
      return;
    }
    const access = await options.authorize(credentialsOf(req, url));
    if (!access.ok) {
      await drain(req);
      const e = access.reason === 'unauthenticated' ? 'AUTHENTICATION_FAILED' : 'ACCESS_DENIED';
      const msg =
        access.reason === 'unauthenticated'
          ? 'Authentication failed: send a Keel API token as the password (basic auth or X-ClickHouse-Key)'
          : 'This needs the analyst.sql permission';
      fail(res, CH_ERRORS[e].status, CH_ERRORS[e].code, e, msg);
      return;
    }
    const body = await readBody(req);
    if (body === null) {
      fail(res, 413, CH_ERRORS.QUERY_IS_TOO_LARGE.code, 'QUERY_IS_TOO_LARGE', `The query is larger than ${MAX_BODY} bytes`);
      return;
    }
    const text = [url.searchParams.get('query') ?? '', body].filter((t) => t.length > 0).join('\n');
    const prepared = prepareAnalystQuery(text, options.limits, url.searchParams.get('default_format') ?? 'TabSeparated');
    if (!prepared.ok) {
      options.onRefused?.(access.who, prepared.reason);
      const e = /^Empty|one statement/.test(prepared.reason) ? 'SYNTAX_ERROR' : prepared.reason === 'Unknown format' ? 'UNKNOWN_FORMAT' : 'READONLY';
      fail(res, CH_ERRORS[e].status, CH_ERRORS[e].code, e, prepared.reason);
      return;
    }
    if (running >= maxConcurrent) {
      fail(res, 503, CH_ERRORS.TOO_MANY_SIMULTANEOUS_QUERIES.code, 'TOO_MANY_SIMULTANEOUS_QUERIES', `At most ${maxConcurrent} analyst queries run at once`);
      return;
    }
    const params: Record<string, string> = {};
    for (const [k, v] of url.searchParams) if (k.startsWith('param_') && k.length > 6) params[k.slice(6)] = v;
    const queryId = url.searchParams.get('query_id') || randomUUID();
    const started = performance.now();
    running++;
    let bytes: Uint8Array;
    try {
      bytes = await options.warehouse.queryRaw(prepared.sql, params);
    } catch (err) {
      const { code, name, message } = engineError(errorMessage(err));
      options.log?.info({ queryId, who: access.who, code: name }, 'analyst query failed');
      fail(res, STATUS_OF_CODE[code] ?? 500, code, name, message, queryId);
      return;
    } finally {
      running--;
    }
    const ms = Math.round(performance.now() - started);
    options.log?.info({ queryId, who: access.who, ms, bytes: bytes.byteLength }, 'analyst query');
    res.writeHead(200, {
      'content-type': contentType(prepared.format),
      'x-clickhouse-format': prepared.format,
      'x-clickhouse-query-id': queryId,
      'x-clickhouse-timezone': 'UTC',
      'x-clickhouse-server-display-name': 'keel',
      'x-clickhouse-summary': JSON.stringify({
        read_rows: '0',
        read_bytes: '0',
        written_rows: '0',
        written_bytes: '0',
        result_bytes: String(bytes.byteLength),
        elapsed_ns: String(ms * 1e6),
      }),
      'content-length': String(bytes.byteLength),
    });
    res.end(bytes);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${host}:${addr.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function credentialsOf(req: IncomingMessage, url: URL): AnalystCredentials | null {
  const key = req.headers['x-clickhouse-key'];
  if (typeof key === 'string' && key.length > 0) {
    const user = req.headers['x-clickhouse-user'];
    return { user: typeof user === 'string' ? user : 'default', key };
  }
  const auth = req.headers.authorization;
  if (auth?.startsWith('Basic ')) {
    const decoded = Buffer.from(auth.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon >= 0 && colon < decoded.length - 1) return { user: decoded.slice(0, colon), key: decoded.slice(colon + 1) };
    return null;
  }
  if (auth?.startsWith('Bearer ')) return { user: 'default', key: auth.slice(7) };
  const password = url.searchParams.get('password');
  if (password) return { user: url.searchParams.get('user') ?? 'default', key: password };
  return null;
}

async function readBody(req: IncomingMessage): Promise<string | null> {
  if (req.method !== 'POST') return '';
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function drain(req: IncomingMessage): Promise<void> {
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) return;
  }
}

function fail(res: ServerResponse, status: number, code: number, name: string, message: string, queryId?: string): void {
  res.writeHead(status, {
    'content-type': 'text/plain; charset=UTF-8',
    'x-clickhouse-exception-code': String(code),
    ...(queryId ? { 'x-clickhouse-query-id': queryId } : {}),
  });
  res.end(`Code: ${code}. DB::Exception: ${message.replace(/[\r\n]+/g, ' ')}. (${name}) (version keel)\n`);
}

/** The innermost ClickHouse code, name and message of an engine error. */
function engineError(text: string): { code: number; name: string; message: string } {
  const code = Number(/Code: (\d+)/.exec(text)?.[1] ?? 1001);
  const name = /\(([A-Z][A-Z0-9_]{2,})\)/.exec(text)?.[1] ?? 'UNKNOWN_EXCEPTION';
  const inner = text.replace(/^.*DB::Exception: (?:[a-z_]+: )?/s, '').replace(/\s*\([A-Z][A-Z0-9_]{2,}\).*$/s, '');
  return { code, name, message: inner.slice(0, 2000) || 'Query failed' };
}

function contentType(format: string): string {
  if (/^JSON/i.test(format)) return 'application/json; charset=UTF-8';
  if (/^(CSV)/i.test(format)) return 'text/csv; charset=UTF-8';
  if (/^(TSV|TabSeparated)/i.test(format)) return 'text/tab-separated-values; charset=UTF-8';
  return 'application/octet-stream';
}
