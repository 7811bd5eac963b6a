import { type ClickHouseClient, ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { materializeChainProjections } from './analytics-schema.js';
import { SCHEMA_STATEMENTS } from './schema.js';
import { checkInsert, insertSettings, type Warehouse } from './warehouse.js';
import { errorMessage, WarehouseError } from './warehouse-error.js';

export interface ClickHouseWarehouseOptions {
  /** Milliseconds before a request is abandoned (default 30 000). */
  requestTimeoutMs?: number;
}

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EAI_AGAIN']);

/** The warehouse on a ClickHouse server over HTTP (`@clickhouse/client`). Connects on first use. */
export class ClickHouseWarehouse implements Warehouse {
  readonly kind = 'clickhouse' as const;
  private readonly client: ClickHouseClient;
  /** The server URL without credentials, for error messages and logs. */
  readonly where: string;

  constructor(url: string, options: ClickHouseWarehouseOptions = {}) {
    this.where = redact(url);
    this.client = createClient({
      url,
      request_timeout: options.requestTimeoutMs ?? 30_000,
      clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
      // Every failure is rethrown as a WarehouseError for the caller's logger; the client's own
      // console logging would report it twice, outside pino.
      log: { level: ClickHouseLogLevel.OFF },
    });
  }

  async migrate(): Promise<void> {
    for (const statement of SCHEMA_STATEMENTS) {
      try {
        await this.client.command({ query: statement });
      } catch (err) {
        throw this.failure('WAREHOUSE_QUERY_FAILED', 'migration', err);
      }
    }
    await materializeChainProjections(this);
  }

  async insertRows(table: string, rows: readonly Record<string, unknown>[], dedupToken: string): Promise<void> {
    const target = checkInsert(table, dedupToken);
    if (rows.length === 0) return;
    try {
      await this.client.insert({
        table: target,
        values: rows as Record<string, unknown>[],
        format: 'JSONEachRow',
        clickhouse_settings: insertSettings(dedupToken),
      });
    } catch (err) {
      throw this.failure('WAREHOUSE_INSERT_FAILED', target, err);
    }
  }

  async query<T = Record<string, unknown>>(sql: string, params?: Record<string, unknown>): Promise<T[]> {
    try {
      const result = await this.client.query({ query: sql, query_params: params ?? {}, format: 'JSONEachRow' });
      return await result.json<T>();
    } catch (err) {
      throw this.failure('WAREHOUSE_QUERY_FAILED', 'query', err);
    }
  }

  async execute(sql: string, params?: Record<string, unknown>): Promise<void> {
    try {
      await this.client.command({ query: sql, query_params: params ?? {} });
    } catch (err) {
      throw this.failure('WAREHOUSE_QUERY_FAILED', 'command', err);
    }
  }

  async queryRaw(sql: string, params: Readonly<Record<string, string>>): Promise<Uint8Array> {
    try {
      const result = await this.client.exec({ query: sql, query_params: { ...params } });
      const chunks: Buffer[] = [];
      for await (const chunk of result.stream) chunks.push(Buffer.from(chunk as Uint8Array));
      return Buffer.concat(chunks);
    } catch (err) {
      throw this.failure('WAREHOUSE_QUERY_FAILED', 'query', err);
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  private failure(code: 'WAREHOUSE_QUERY_FAILED' | 'WAREHOUSE_INSERT_FAILED', what: string, err: unknown): WarehouseError {
    const sysCode = (err as { code?: unknown } | null)?.code;
    const unreachable = (typeof sysCode === 'string' && UNREACHABLE_CODES.has(sysCode)) || /timeout/i.test(errorMessage(err));
    return new WarehouseError(unreachable ? 'WAREHOUSE_UNREACHABLE' : code, `ClickHouse at ${this.where}, ${what}: ${errorMessage(err)}`, { cause: err });
  }
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.origin + u.pathname.replace(/\/$/, '');
  } catch {
    return '(invalid URL)';
  }
}
