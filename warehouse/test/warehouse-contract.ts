import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SaleLineRow, saleLineRows, type Warehouse, WarehouseError } from '../src/index.js';
import { generateSales } from './sale-events.js';

/**
 * The behaviour every Warehouse implementation shares. `open` returns a migrated warehouse;
 * the suite calls it once and closes it at the end. Tests keep apart by store id (9001+).
 */
export function describeWarehouseContract(name: string, open: () => Promise<{ wh: Warehouse; dispose: () => Promise<void> }>) {
  describe(`Warehouse contract: ${name}`, () => {
    let wh: Warehouse;
    let dispose: () => Promise<void>;

    beforeAll(async () => {
      ({ wh, dispose } = await open());
    });
    afterAll(async () => {
      await dispose?.();
    });

    const rowsFor = (storeId: number, sales: number): SaleLineRow[] =>
      generateSales({ seed: storeId, stores: [storeId], days: ['2026-11-20'], salesPerStoreDay: sales }).flatMap((e) => saleLineRows(e) ?? []);

    const counts = async (storeId: number) => {
      const [raw] = await wh.query<{ lines: number; revenue: number }>(
        'SELECT count() AS lines, sum(total) AS revenue FROM sale_lines WHERE store_id = {store:UInt32}',
        { store: storeId },
      );
      const [day] = await wh.query<{ lines: number; revenue: number }>(
        'SELECT sum(lines) AS lines, sum(revenue) AS revenue FROM sales_store_day WHERE store_id = {store:UInt32}',
        { store: storeId },
      );
      return { raw, day };
    };

    it('migrates again without error or change', async () => {
      await wh.migrate();
      await wh.migrate();
      const tables = await wh.query<{ name: string }>(
        'SELECT name FROM system.tables WHERE database = currentDatabase() AND name IN {names:Array(String)} ORDER BY name',
        { names: ['sale_lines', 'sales_store_day', 'sales_store_day_mv', 'sales_store_hour', 'sales_store_hour_mv'] },
      );
      expect(tables.map((t) => t.name)).toEqual(['sale_lines', 'sales_store_day', 'sales_store_day_mv', 'sales_store_hour', 'sales_store_hour_mv']);
    });

    it('counts a batch inserted twice with the same token once, in the lines and in the views', async () => {
      const rows = rowsFor(9001, 20);
      const revenue = rows.reduce((s, r) => s + r.total, 0);
      await wh.insertRows('sale_lines', rows, 'contract-9001');
      await wh.insertRows('sale_lines', rows, 'contract-9001');
      const { raw, day } = await counts(9001);
      expect(raw).toEqual({ lines: rows.length, revenue });
      expect(day).toEqual({ lines: rows.length, revenue });
    });

    it('inserts the same rows again under a different token (the token, not the content, decides)', async () => {
      const rows = rowsFor(9002, 5);
      await wh.insertRows('sale_lines', rows, 'contract-9002-a');
      await wh.insertRows('sale_lines', rows, 'contract-9002-b');
      const { raw, day } = await counts(9002);
      expect(raw?.lines).toBe(rows.length * 2);
      expect(day?.lines).toBe(rows.length * 2);
    });

    it('binds parameters as values, never as SQL, and returns 64-bit integers as numbers', async () => {
      const hostile = "x'); DROP TABLE sale_lines; --";
      const [row] = await wh.query<{ s: string; d: string; n: number; ids: string[]; big: number }>(
        'SELECT {s:String} AS s, {d:Date} AS d, {n:Int64} * 2 AS n, {ids:Array(UUID)} AS ids, toUInt64(9007199254740991) AS big',
        { s: hostile, d: '2026-11-25', n: 21, ids: ['0190c3a4-1b2c-7d3e-8f40-123456789abc'] },
      );
      expect(row).toEqual({ s: hostile, d: '2026-11-25', n: 42, ids: ['0190c3a4-1b2c-7d3e-8f40-123456789abc'], big: 9007199254740991 });
      const [still] = await wh.query<{ n: number }>("SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name = 'sale_lines'");
      expect(still?.n).toBe(1);
    });

    it('refuses inserts into tables outside its allow-list, aggregates included', async () => {
      for (const table of ['customers', 'sales_store_day', 'sale_lines; DROP TABLE sale_lines', 'system.tables']) {
        await expect(wh.insertRows(table, [{ a: 1 }], 'tok')).rejects.toMatchObject({ code: 'WAREHOUSE_UNKNOWN_TABLE' });
      }
    });

    it('refuses an insert without a deduplication token', async () => {
      await expect(wh.insertRows('sale_lines', rowsFor(9003, 1), '')).rejects.toBeInstanceOf(WarehouseError);
      expect((await counts(9003)).raw?.lines).toBe(0);
    });

    it('reports a failing query as a WarehouseError carrying the engine message', async () => {
      await expect(wh.query('SELECT no_such_column FROM sale_lines')).rejects.toMatchObject({
        code: 'WAREHOUSE_QUERY_FAILED',
        message: expect.stringContaining('no_such_column'),
      });
    });
  });
}
