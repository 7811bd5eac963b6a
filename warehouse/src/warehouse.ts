import { ChdbWarehouse } from './chdb-warehouse.js';
import { ClickHouseWarehouse } from './clickhouse-warehouse.js';
import { type InsertableTable, isInsertableTable } from './schema.js';
import { WarehouseError } from './warehouse-error.js';

/** Keel's one small warehouse interface: chDB in-process or a ClickHouse server over HTTP. */
export interface Warehouse {
  readonly kind: 'chdb' | 'clickhouse';
  /** Idempotent: create tables and views if missing. */
  migrate(): Promise<void>;
  /** Insert rows as one batch (JSONEachRow). Same dedupToken twice => the second is a no-op. */
  insertRows(table: string, rows: readonly Record<string, unknown>[], dedupToken: string): Promise<void>;
  /** Parameterized query with {name:Type} placeholders; returns rows as objects, 64-bit ints as numbers. */
  query<T = Record<string, unknown>>(sql: string, params?: Record<string, unknown>): Promise<T[]>;
  /**
   * Run one statement whose text names its FORMAT (and settings), returning the bytes the engine
   * wrote. `params` are ClickHouse text values for {name:Type} placeholders. For the analyst endpoint.
   */
  queryRaw(sql: string, params: Readonly<Record<string, string>>): Promise<Uint8Array>;
  /** A statement without a result (bulk INSERT ... SELECT), parameters bound as in `query`. */
  execute(sql: string, params?: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

export interface WarehouseConfig {
  /** ClickHouse HTTP(S) URL; when unset, chDB runs in-process on `dataDir`. */
  clickhouseUrl?: string | undefined;
  dataDir: string;
  /** HTTP request timeout for the ClickHouse server, milliseconds (default 30 000). */
  clickhouseRequestTimeoutMs?: number | undefined;
}

/** chDB at `dataDir` when no `clickhouseUrl` is given, else a ClickHouse server over HTTP. Connects lazily. */
export async function openWarehouse(cfg: WarehouseConfig): Promise<Warehouse> {
  if (cfg.clickhouseUrl) {
    return new ClickHouseWarehouse(cfg.clickhouseUrl, cfg.clickhouseRequestTimeoutMs === undefined ? {} : { requestTimeoutMs: cfg.clickhouseRequestTimeoutMs });
  }
  if (cfg.dataDir.length === 0) throw new WarehouseError('WAREHOUSE_BAD_ARGUMENT', 'chDB needs a data directory');
  return new ChdbWarehouse(cfg.dataDir);
}

/** Checks an insert before either implementation sends it; returns the table as a known name. */
export function checkInsert(table: string, dedupToken: string): InsertableTable {
  if (!isInsertableTable(table)) throw new WarehouseError('WAREHOUSE_UNKNOWN_TABLE', JSON.stringify(table));
  if (dedupToken.length === 0) throw new WarehouseError('WAREHOUSE_BAD_ARGUMENT', 'an insert needs a deduplication token');
  return table;
}

/** Settings of every insert: the batch's token, also carried into the views' target tables (see schema.ts). */
export function insertSettings(dedupToken: string) {
  return { insert_deduplicate: 1, insert_deduplication_token: dedupToken, deduplicate_blocks_in_dependent_materialized_views: 1 } as const;
}
