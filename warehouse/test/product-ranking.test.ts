import { type SaleCompletedV1, uuidv7 } from '@keel/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fullWeeks, loadDemoHistory, loadSaleEvents, ranking, type Warehouse } from '../src/index.js';
import { openTempChdb } from './temp-chdb.js';

/** Chain-wide product rankings read whole weeks and edge days from projections: same figures as the raw lines. */
describe('product rankings across the chain', () => {
  let wh: Warehouse;
  let dispose: () => Promise<void>;

  beforeAll(async () => {
    ({ wh, dispose } = await openTempChdb('ranking'));
    // 70 days to Tuesday 2026-03-31, 3 stores, 400 products.
    await loadDemoHistory(wh, { lines: 60_000, stores: 3, products: 400, days: 70, endDay: '2026-03-31', seed: 11, daysPerBatch: 9 });
  });
  afterAll(async () => {
    await dispose?.();
  });

  it('finds the whole ISO weeks inside a range', () => {
    // Tuesday 2026-03-03 .. Wednesday 2026-03-25: Mondays 03-09 and 03-16, last Sunday 03-22.
    expect(fullWeeks({ from: '2026-03-03', to: '2026-03-25' })).toEqual({ weekFrom: '2026-03-09', weekTo: '2026-03-16', weekEnd: '2026-03-22' });
    expect(fullWeeks({ from: '2026-03-02', to: '2026-03-08' })).toEqual({ weekFrom: '2026-03-02', weekTo: '2026-03-02', weekEnd: '2026-03-08' });
    expect(fullWeeks({ from: '2026-03-03', to: '2026-03-09' })).toBeUndefined();
    expect(fullWeeks({ from: '2026-03-04', to: '2026-03-06' })).toBeUndefined();
  });

  const ranges = [
    { from: '2026-03-02', to: '2026-03-29' }, // whole weeks only
    { from: '2026-03-03', to: '2026-03-25' }, // edge days on both sides
    { from: '2026-03-02', to: '2026-03-31' }, // 30 days ending on a Tuesday, as the dashboard asks
    { from: '2026-03-04', to: '2026-03-07' }, // no whole week
    { from: '2026-01-01', to: '2026-03-31' }, // before the history starts
  ];
  it.each(ranges)('ranks products from the views exactly as from the raw lines, $from to $to', async (range) => {
    for (const by of ['revenue', 'margin', 'items'] as const) {
      for (const order of ['top', 'bottom'] as const) {
        const opts = { by, order, limit: 10 };
        const fromViews = await ranking(wh, 'product', range, opts);
        expect(fromViews.key).toHaveLength(10);
        expect(fromViews).toEqual(await ranking(wh, 'product', range, opts, 'raw'));
        const oneStore = { ...range, storeId: 2 };
        expect(await ranking(wh, 'product', oneStore, opts)).toEqual(await ranking(wh, 'product', oneStore, opts, 'raw'));
      }
    }
    const every = { by: 'revenue', order: 'top', limit: 0 } as const;
    expect(await ranking(wh, 'product', range, every)).toEqual(await ranking(wh, 'product', range, every, 'raw'));
  });

  it('builds the projections for a warehouse written before they existed, and keeps the figures right meanwhile', async () => {
    await wh.execute('ALTER TABLE sales_product_day DROP PROJECTION chain_week SETTINGS mutations_sync = 1');
    const range = { from: '2026-03-03', to: '2026-03-25' };
    const opts = { by: 'margin', order: 'top', limit: 10 } as const;
    const raw = await ranking(wh, 'product', range, opts, 'raw');
    await wh.migrate(); // adds the projection back and starts building it for the existing parts
    expect(await ranking(wh, 'product', range, opts)).toEqual(raw);
    const lacking = async () =>
      Number(
        (
          await wh.query<{ n: string }>(
            "SELECT count() AS n FROM system.parts WHERE database = currentDatabase() AND table = 'sales_product_day' AND active AND NOT has(projections, 'chain_week')",
          )
        )[0]?.n,
      );
    for (let i = 0; i < 100 && (await lacking()) > 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await lacking()).toBe(0);
    expect(await ranking(wh, 'product', range, opts)).toEqual(raw);
  });

  describe('the whole weeks summed once and kept', () => {
    const month = { from: '2026-03-02', to: '2026-03-31' }; // whole weeks 03-02..03-29, then Monday and Tuesday
    const top = { by: 'revenue', order: 'top', limit: 10 } as const;
    const keptTables = async () =>
      (await wh.query<{ name: string }>("SELECT name FROM system.tables WHERE database = 'keel_memo' ORDER BY name")).map((t) => t.name);
    // A background merge touching those weeks would (rightly) sum them again: none while this checks that nothing else does.
    beforeAll(() => wh.execute('SYSTEM STOP MERGES sales_product_day'));
    afterAll(() => wh.execute('SYSTEM START MERGES sales_product_day'));

    it('answers a repeated ranking from the kept totals, with the same figures as the raw lines', async () => {
      const first = await ranking(wh, 'product', month, top);
      const tables = await keptTables();
      expect(tables.length).toBeGreaterThan(0);
      expect(await ranking(wh, 'product', month, top)).toEqual(first);
      expect(await keptTables()).toEqual(tables); // nothing changed: nothing summed again
      expect(first).toEqual(await ranking(wh, 'product', month, top, 'raw'));
    });

    it('counts a late sale for a day of those weeks at once', async () => {
      const before = await ranking(wh, 'product', month, top);
      const product = 397;
      expect(before.key).not.toContain(product);
      await loadSaleEvents(wh, [lateSale('2026-03-10', product, 50_000_000)]);
      const after = await ranking(wh, 'product', month, top);
      expect(after.key[0]).toBe(product);
      expect(after).toEqual(await ranking(wh, 'product', month, top, 'raw'));
      // A sale for a day after the weeks (the range's Tuesday) keeps the totals and still counts.
      const tables = await keptTables();
      await loadSaleEvents(wh, [lateSale('2026-03-31', 398, 90_000_000)]);
      const latest = await ranking(wh, 'product', month, top);
      expect(latest.key.slice(0, 2)).toEqual([398, product]);
      expect(await keptTables()).toEqual(tables);
      expect(latest).toEqual(await ranking(wh, 'product', month, top, 'raw'));
    });

    it("keeps one store's weeks too, and counts that store's late sale at once", async () => {
      const store = { ...month, storeId: 3 };
      const before = await ranking(wh, 'product', store, top);
      expect(before).toEqual(await ranking(wh, 'product', store, top, 'raw'));
      expect(await ranking(wh, 'product', store, top)).toEqual(before); // from the kept weeks
      expect(before.key).not.toContain(396);
      await loadSaleEvents(wh, [lateSale('2026-03-16', 396, 50_000_000, 3)]);
      const after = await ranking(wh, 'product', store, top);
      expect(after.key[0]).toBe(396);
      expect(after).toEqual(await ranking(wh, 'product', store, top, 'raw'));
    });

    it('stays right when parts merge, and when a kept table is gone', async () => {
      await wh.execute('SYSTEM START MERGES sales_product_day');
      await wh.execute('OPTIMIZE TABLE sales_product_day FINAL');
      expect(await ranking(wh, 'product', month, top)).toEqual(await ranking(wh, 'product', month, top, 'raw'));
      for (const name of await keptTables()) await wh.execute(`DROP TABLE keel_memo.${name}`);
      const raw = await ranking(wh, 'product', month, top, 'raw');
      expect(await ranking(wh, 'product', month, top)).toEqual(raw); // summed from the views instead
      expect(await ranking(wh, 'product', month, top)).toEqual(raw); // and kept again
      expect((await keptTables()).length).toBeGreaterThan(0);
    });
  });
});

/** A one-line sale of `product` worth `total` minor units (tax-free) at `storeId`, for a past day. */
function lateSale(day: string, product: number, total: number, storeId = 1): SaleCompletedV1 {
  const at = Date.parse(`${day}T12:00:00.000Z`);
  const random = () => Uint8Array.from({ length: 10 }, () => Math.floor(Math.random() * 256));
  return {
    type: 'SaleCompleted',
    version: 1,
    eventId: uuidv7(at, random()),
    storeId,
    saleId: uuidv7(at, random()),
    occurredAt: new Date(at).toISOString(),
    recordedAt: new Date(at + 1000).toISOString(),
    businessDay: day,
    businessHour: 12,
    registerId: 'R1',
    cashierId: 'C1',
    currency: 'EUR',
    lines: [
      {
        lineNo: 1,
        productId: product,
        sku: `SKU-${product}`,
        quantityMilli: 1000,
        unitPrice: total,
        gross: total,
        discount: 0,
        net: total,
        tax: 0,
        total,
        cost: 1,
        taxCode: 'STD',
      },
    ],
    tenders: [{ kind: 'cash', amount: total }],
    total,
    tax: 0,
    discount: 0,
  };
}
