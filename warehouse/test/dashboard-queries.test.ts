import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dailyTotals, hourlySales, loadSaleEvents, salesSummary, type Warehouse } from '../src/index.js';
import { expectedDailyTotals, generateSales } from './sale-events.js';
import { openTempChdb } from './temp-chdb.js';

describe('dashboard queries on chDB', () => {
  let wh: Warehouse;
  let dispose: () => Promise<void>;

  beforeAll(async () => {
    ({ wh, dispose } = await openTempChdb('dashboards'));
  });
  afterAll(async () => {
    await dispose?.();
  });

  it('answers zeros, and 24 zero hours, for a day without sales', async () => {
    expect(await salesSummary(wh, { day: '2026-01-01', storeId: 301 })).toEqual({
      revenue: 0,
      net: 0,
      tax: 0,
      discount: 0,
      cost: 0,
      margin: 0,
      tickets: 0,
      lines: 0,
      itemsMilli: 0,
    });
    const series = await hourlySales(wh, { day: '2026-01-01', storeId: 301 });
    expect(series.revenue).toEqual(new Array(24).fill(0));
    expect(series.hour).toHaveLength(24);
    expect(await dailyTotals(wh, { from: '2026-01-01', to: '2026-01-31', storeId: 301 })).toEqual([]);
  });

  it('sums every store without a store filter and one store with it', async () => {
    const day = '2026-02-03';
    const events = generateSales({ seed: 3, stores: [311, 312], days: [day], salesPerStoreDay: 25 });
    await loadSaleEvents(wh, events);
    const [a, b] = expectedDailyTotals(events);
    const one = await salesSummary(wh, { day, storeId: 311 });
    const all = await salesSummary(wh, { day });
    expect(one).toMatchObject({ revenue: a?.revenue, tickets: 25, margin: (a?.net ?? 0) - (a?.cost ?? 0) });
    expect(all.revenue).toBe((a?.revenue ?? 0) + (b?.revenue ?? 0));
    expect(all.tickets).toBe(50);
    expect(one.itemsMilli).toBe(
      events
        .filter((e) => e.storeId === 311)
        .flatMap((e) => e.lines)
        .reduce((s, l) => s + l.quantityMilli, 0),
    );
  });

  it('refuses a malformed day or store id instead of sending it', async () => {
    await expect(salesSummary(wh, { day: "2026-01-01' OR 1=1" })).rejects.toMatchObject({ code: 'WAREHOUSE_BAD_ARGUMENT' });
    await expect(hourlySales(wh, { day: '2026-01-01', storeId: -1 })).rejects.toMatchObject({ code: 'WAREHOUSE_BAD_ARGUMENT' });
  });
});
