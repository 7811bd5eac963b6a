import { describe, expect, it } from 'vitest';
import { WATCH_WINDOW_MS, WarehouseWatch } from '../src/warehouse-watch.js';

describe('warehouse watch', () => {
  it('counts a dashboard or analytics request or analyst SQL as someone looking for a minute, an open live stream for as long as it is open', () => {
    let now = 1_000_000;
    let streams = 0;
    let started = 0;
    const watch = new WarehouseWatch(
      () => streams,
      () => started++,
      () => now,
    );
    expect(watch.watched()).toBe(false);
    // Selling, signing in, the catalog: nobody is looking at warehouse figures.
    watch.seen('/api/v1/sales');
    watch.seen('/api/v1/products/search?q=milk');
    watch.seen('/dashboards/');
    expect(watch.watched()).toBe(false);
    expect(started).toBe(0);

    watch.seen('/api/v1/dashboard/summary?day=2026-11-26');
    expect(watch.watched()).toBe(true);
    expect(started).toBe(1);
    now += WATCH_WINDOW_MS - 1;
    watch.seen('/api/v1/analytics/trend?from=2026-11-01');
    expect(started).toBe(1); // still looking: not a new start
    now += WATCH_WINDOW_MS;
    expect(watch.watched()).toBe(false);

    // The live stream keeps a dashboard watched however long it stays open.
    streams = 1;
    expect(watch.watched()).toBe(true);
    streams = 0;
    expect(watch.watched()).toBe(false);
    watch.seen('/api/v1/dashboard/stream');
    expect(started).toBe(2);
    // An analyst's SQL (the analyst endpoint has its own port) counts too.
    now += 2 * WATCH_WINDOW_MS;
    watch.touch();
    expect(watch.watched()).toBe(true);
    expect(started).toBe(3);
  });
});
