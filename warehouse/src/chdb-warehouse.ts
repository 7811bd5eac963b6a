import { Session } from 'chdb';
import { materializeChainProjections } from './analytics-schema.js';
import { SCHEMA_STATEMENTS } from './schema.js';
import { checkInsert, insertSettings, type Warehouse } from './warehouse.js';
import { errorMessage, WarehouseError } from './warehouse-error.js';

/**
 * The embedded warehouse: the ClickHouse engine in-process (chDB) on a data directory.
 * chDB allows one data directory per process; opening a second one while this is open throws.
 */
export class ChdbWarehouse implements Warehouse {
  readonly kind = 'chdb' as const;
  private readonly session: Session;

  constructor(dataDir: string) {
    try {
      this.session = new Session(dataDir, { connectionArgs: ['--output_format_json_quote_64bit_integers=0'] });
    } catch (err) {
      throw new WarehouseError('WAREHOUSE_UNREACHABLE', `chDB at ${dataDir}: ${errorMessage(err)}`, { cause: err });
    }
  }

  async migrate(): Promise<void> {
    for (const statement of SCHEMA_STATEMENTS) {
      try {
        await this.session.queryAsync(statement);
      } catch (err) {
        throw new WarehouseError('WAREHOUSE_QUERY_FAILED', `migration: ${errorMessage(err)}`, { cause: err });
      }
    }
    await materializeChainProjections(this);
  }

  async insertRows(table: string, rows: readonly Record<string, unknown>[], dedupToken: string): Promise<void> {
    const target = checkInsert(table, dedupToken);
    if (rows.length === 0) return;
    const values = Buffer.from(`${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
    try {
      await this.session.insert({ table: target, values, format: 'JSONEachRow', settings: insertSettings(dedupToken) });
    } catch (err) {
      throw new WarehouseError('WAREHOUSE_INSERT_FAILED', `${target}: ${errorMessage(err)}`, { cause: err });
    }
  }

  async query<T = Record<string, unknown>>(sql: string, params?: Record<string, unknown>): Promise<T[]> {
    let text: string;
    try {
      const result =
        params && Object.keys(params).length > 0
          ? await this.session.queryBindAsync(sql, params, { format: 'JSONEachRow' })
          : await this.session.queryAsync(sql, { format: 'JSONEachRow' });
      text = result.text();
    } catch (err) {
      throw new WarehouseError('WAREHOUSE_QUERY_FAILED', errorMessage(err), { cause: err });
    }
    const rows: T[] = [];
    for (const line of text.split('\n')) if (line.length > 0) rows.push(JSON.parse(line) as T);
    return rows;
  }

  async execute(sql: string, params?: Record<string, unknown>): Promise<void> {
    try {
      if (params && Object.keys(params).length > 0) await this.session.queryBindAsync(sql, params);
      else await this.session.queryAsync(sql);
    } catch (err) {
      throw new WarehouseError('WAREHOUSE_QUERY_FAILED', errorMessage(err), { cause: err });
    }
  }

  async queryRaw(sql: string, params: Readonly<Record<string, string>>): Promise<Uint8Array> {
    try {
      const result = Object.keys(params).length > 0 ? await this.session.queryBindAsync(sql, params) : await this.session.queryAsync(sql);
      return result.bytes();
    } catch (err) {
      throw new WarehouseError('WAREHOUSE_QUERY_FAILED', errorMessage(err), { cause: err });
    }
  }

  async close(): Promise<void> {
    this.session.close();
  }
}
