import type { SaleCompletedV1 } from '@keel/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dailyTotals, hourlySales, loadSaleEvents, rawDailyTotals, saleBatchToken, saleLineRows, salesSummary, type Warehouse } from '../src/index.js';
import { expectedDailyTotals, generateSales } from './sale-events.js';
import { openTempChdb } from './temp-chdb.js';

const DAYS = ['2026-11-22', '2026-11-23', '2026-11-24'];
const range = (storeId?: number) => ({ from: '2026-11-01', to: '2026-11-30', storeId });

describe('loadSaleEvents on chDB', () => {
  let wh: Warehouse;
  let dispose: () => Promise<void>;

  beforeAll(async () => {
    ({ wh, dispose } = await openTempChdb('loader'));
  });
  afterAll(async () => {
    await dispose?.();
  });

  const sales = (storeId: number, perDay = 10, days = DAYS) => generateSales({ seed: storeId, stores: [storeId], days, salesPerStoreDay: perDay });
  const linesOf = (events: readonly SaleCompletedV1[]) => events.reduce((n, e) => n + e.lines.length, 0);

  it('counts a batch delivered twice once, in the lines and in every view', async () => {
    const events = sales(101);
    expect(await loadSaleEvents(wh, events)).toEqual({ loadedEvents: 30, skippedEvents: 0, rows: linesOf(events) });
    expect(await loadSaleEvents(wh, events)).toEqual({ loadedEvents: 0, skippedEvents: 30, rows: 0 });
    const expected = expectedDailyTotals(events);
    expect(await dailyTotals(wh, range(101))).toEqual(expected);
    expect(await rawDailyTotals(wh, range(101))).toEqual(expected);
    const day = expected[0];
    const summary = await salesSummary(wh, { day: DAYS[0] as string, storeId: 101 });
    expect(summary).toMatchObject({ revenue: day?.revenue, tickets: day?.tickets, lines: day?.lines });
  });

  it('counts overlapping batches once', async () => {
    const events = sales(102, 20);
    const first = await loadSaleEvents(wh, events.slice(0, 40));
    const second = await loadSaleEvents(wh, events.slice(25, 60));
    expect(first.loadedEvents + second.loadedEvents).toBe(60);
    expect(second).toMatchObject({ loadedEvents: 20, skippedEvents: 15 });
    expect(await dailyTotals(wh, range(102))).toEqual(expectedDailyTotals(events));
  });

  it('counts an event repeated within one batch once', async () => {
    const [a, b] = sales(103, 1, [DAYS[0] as string]).concat(sales(103, 2, [DAYS[1] as string]).slice(1));
    if (!a || !b) throw new Error('generator gave too few sales');
    const shouted = { ...a, eventId: a.eventId.toUpperCase() }; // the same UUID, written differently
    expect(await loadSaleEvents(wh, [a, b, a, b, shouted])).toMatchObject({ loadedEvents: 2, skippedEvents: 3 });
    expect(await loadSaleEvents(wh, [shouted])).toMatchObject({ loadedEvents: 0, skippedEvents: 1 });
    expect(await rawDailyTotals(wh, range(103))).toEqual(expectedDailyTotals([a, b]));
  });

  it('skips an event without lines and still loads the rest of its batch', async () => {
    const [good, empty] = sales(104, 2, [DAYS[0] as string]);
    if (!good || !empty) throw new Error('generator gave too few sales');
    const result = await loadSaleEvents(wh, [good, { ...empty, lines: [] }]);
    expect(result).toEqual({ loadedEvents: 1, skippedEvents: 1, rows: good.lines.length });
    expect(await dailyTotals(wh, range(104))).toEqual(expectedDailyTotals([good]));
  });

  it('counts once when the loader retries an insert whose answer was lost', async () => {
    // The insert reached the warehouse, the loader never heard back and sends the very same batch
    // again with the same token before any look-up could see it.
    const events = sales(105, 4, [DAYS[0] as string]);
    const rows = events.flatMap((e) => saleLineRows(e) ?? []);
    const token = saleBatchToken(events.map((e) => e.eventId));
    await wh.insertRows('sale_lines', rows, token);
    await wh.insertRows('sale_lines', rows, token);
    expect(await dailyTotals(wh, range(105))).toEqual(expectedDailyTotals(events));
    expect(await loadSaleEvents(wh, events)).toMatchObject({ loadedEvents: 0, skippedEvents: 4 });
  });

  it('keeps the views equal to the raw lines, to the cent, over a few hundred sales in 2 stores and 3 days', async () => {
    const events = generateSales({ seed: 7, stores: [201, 202], days: DAYS, salesPerStoreDay: 60 });
    // Delivered in several batches, with redeliveries, so the summing tables hold unmerged parts.
    for (let i = 0; i < events.length; i += 50) await loadSaleEvents(wh, events.slice(Math.max(0, i - 10), i + 50));
    const expected = expectedDailyTotals(events);
    expect(expected).toHaveLength(6);
    const both = { from: DAYS[0] as string, to: DAYS[2] as string };
    const store201 = await dailyTotals(wh, { ...both, storeId: 201 });
    const store202 = await dailyTotals(wh, { ...both, storeId: 202 });
    expect([...store201, ...store202]).toEqual(expected);
    expect(await rawDailyTotals(wh, { ...both, storeId: 201 })).toEqual(store201);
    expect(await rawDailyTotals(wh, { ...both, storeId: 202 })).toEqual(store202);
  });

  it('gives an hourly series of 24 hours that adds up to the day', async () => {
    const day = DAYS[1] as string;
    const series = await hourlySales(wh, { day, storeId: 201 });
    const summary = await salesSummary(wh, { day, storeId: 201 });
    expect(series.hour).toEqual(Array.from({ length: 24 }, (_, h) => h));
    for (const column of [series.revenue, series.tickets, series.margin]) expect(column).toHaveLength(24);
    expect(series.revenue.reduce((a, b) => a + b, 0)).toBe(summary.revenue);
    expect(series.tickets.reduce((a, b) => a + b, 0)).toBe(summary.tickets);
    expect(series.margin.reduce((a, b) => a + b, 0)).toBe(summary.margin);
    expect(summary.tickets).toBe(60);
    expect(series.revenue.slice(0, 7).every((v) => v === 0)).toBe(true); // the generator sells 7:00-21:59
  });
});
