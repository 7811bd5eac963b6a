import type { SaleCompletedV1 } from '@keel/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGGREGATE_VIEWS, dailyTotals, loadSaleEvents, rawDailyTotals, recoverUnfinishedLoads, repairAggregates, type Warehouse } from '../src/index.js';
import { expectedDailyTotals, generateSales } from './sale-events.js';
import { openTempChdb } from './temp-chdb.js';

/**
 * A load cut off between `sale_lines` and its views (the keel-kill fault scenario: 239 of 3,513
 * sales missing from the views after 50 kill -9s). A view whose insert fails stands in for the
 * process dying at that point: ClickHouse has committed the lines and not the views, exactly the
 * state a kill leaves. The redelivered events are then in `sale_lines`, so the loader skips them.
 */
describe('a load cut off half-way on chDB', () => {
  let wh: Warehouse;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    ({ wh, dispose } = await openTempChdb('recovery'));
  });
  afterAll(async () => {
    await dispose?.();
  });

  const DAYS = ['2026-11-23', '2026-11-24'];
  const range = (storeId: number) => ({ from: '2026-11-01', to: '2026-11-30', storeId });

  /** Each view's rows, recomputed from its source, that differ from what the view holds. */
  async function viewMismatches(storeId: number): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const v of AGGREGATE_VIEWS) {
      const group = ['store_id', 'business_day', ...v.keys].join(', ');
      const names = v.measures.map(([n]) => n);
      const [row] = await wh.query<{ n: number }>(
        `SELECT count() AS n FROM
(SELECT ${group}, ${v.measures.map(([n, e]) => `${e} AS ${n}`).join(', ')} FROM ${v.source} WHERE store_id = {s:UInt32} GROUP BY ${group}) AS t
FULL OUTER JOIN (SELECT ${group}, ${names.map((n) => `sum(${n}) AS ${n}`).join(', ')} FROM ${v.target} WHERE store_id = {s:UInt32} GROUP BY ${group}) AS c
USING (${group}) WHERE ${names.map((n) => `t.${n} != c.${n}`).join(' OR ')}`,
        { s: storeId },
      );
      if (row && row.n > 0) out[v.target] = row.n;
    }
    return out;
  }

  async function cutOffLoad(storeId: number, events: readonly SaleCompletedV1[]): Promise<void> {
    await wh.execute(`ALTER TABLE sales_store_day ADD CONSTRAINT cut_off CHECK store_id != ${storeId}`);
    try {
      await expect(loadSaleEvents(wh, events)).rejects.toThrow(/sales_store_day/);
    } finally {
      await wh.execute('ALTER TABLE sales_store_day DROP CONSTRAINT cut_off');
    }
  }

  it('leaves the lines in and the views out, as a kill between them does', async () => {
    const events = generateSales({ seed: 301, stores: [301], days: DAYS, salesPerStoreDay: 12 });
    await cutOffLoad(301, events);
    expect(await rawDailyTotals(wh, range(301))).toEqual(expectedDailyTotals(events));
    expect(await dailyTotals(wh, range(301))).toEqual([]);
    // Redelivered before any repair: the lines are there, so the events are skipped.
    expect(await loadSaleEvents(wh, events)).toMatchObject({ loadedEvents: 0, skippedEvents: 24 });
    expect(Object.keys(await viewMismatches(301)).sort()).toEqual(
      AGGREGATE_VIEWS.filter((v) => v.source === 'sale_lines')
        .map((v) => v.target)
        .sort(),
    );
    // Recovery recomputes every view of that load's stores and days from the raw tables.
    expect(await recoverUnfinishedLoads(wh)).toBe(1);
    expect(await viewMismatches(301)).toEqual({});
    expect(await dailyTotals(wh, range(301))).toEqual(expectedDailyTotals(events));
    expect(await recoverUnfinishedLoads(wh)).toBe(0);
  });

  it('counts every sale of a cut-off load once when it is redelivered in other batches after recovery', async () => {
    const events = generateSales({ seed: 302, stores: [302], days: DAYS, salesPerStoreDay: 15 });
    await loadSaleEvents(wh, events.slice(0, 5));
    await cutOffLoad(302, events.slice(5, 20));
    expect(await recoverUnfinishedLoads(wh)).toBe(1);
    for (let i = 0; i < events.length; i += 7) await loadSaleEvents(wh, events.slice(Math.max(0, i - 3), i + 7));
    expect(await dailyTotals(wh, range(302))).toEqual(expectedDailyTotals(events));
    expect(await rawDailyTotals(wh, range(302))).toEqual(expectedDailyTotals(events));
    expect(await viewMismatches(302)).toEqual({});
  });

  it('changes nothing when the views already agree with the raw tables', async () => {
    const events = generateSales({ seed: 303, stores: [303], days: DAYS, salesPerStoreDay: 10 });
    await loadSaleEvents(wh, events);
    const before = await dailyTotals(wh, range(303));
    await repairAggregates(wh, [303], DAYS);
    await repairAggregates(wh, [303], DAYS);
    expect(await dailyTotals(wh, range(303))).toEqual(before);
    expect(before).toEqual(expectedDailyTotals(events));
    expect(await viewMismatches(303)).toEqual({});
  });
});
