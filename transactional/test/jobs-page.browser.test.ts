import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { dailyTotals } from '@keel/warehouse';
import { sql } from 'kysely';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KeelServer, startKeel } from '../src/keel-server.js';
import { launchChromium } from './support/browser.js';
import { eventually, pgDailyFigures } from './support/pg-figures.js';
import { makeSale, seededRandom, TAX, type TestProduct } from './support/sale-maker.js';
import { createTestDatabase, tempDataDir, testConfig } from './support/test-env.js';

/**
 * Nightly reconciliation finds sales the warehouse lost, reports the drift and replays them, and
 * recomputes views that drifted from complete raw lines; the
 * jobs page shows each job's runs with duration, outcome and error, on a desktop and a phone.
 */
const ARTIFACTS = path.resolve(import.meta.dirname, '../../.test-artifacts');
let server: KeelServer;
let browser: Browser;
const cleanup: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  const db = await createTestDatabase();
  const dir = tempDataDir();
  cleanup.push(db.drop, dir.remove);
  server = await startKeel(testConfig({ databaseUrl: db.url, dataDir: dir.dir }, { trustLoopback: true, jobsEnabled: false }), { dashboardsDist: null });
  browser = await launchChromium();
  mkdirSync(ARTIFACTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  for (const c of cleanup.reverse()) await c();
});

async function run(name: string) {
  const r = await server.jobs.runNow(name);
  if (r.status !== 'started') throw new Error(`${name} did not start`);
  return r.done;
}

describe('reconciliation and the jobs page', () => {
  it('reports drift per store and day to the cent, then repairs it by replaying the lost events', async () => {
    const res = await fetch(`${server.url}/api/v1/products`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sku: 'R-1', name: 'Bread', price: 295, cost: 120, taxClass: 'reduced' }),
    });
    const products: TestProduct[] = [{ id: (await res.json()).id, price: 295, tax: TAX.reduced as TestProduct['tax'] }];
    const rand = seededRandom(3);
    await server.stopPipeline();
    for (let i = 0; i < 60; i++) {
      const sale = makeSale(rand, products, 1, new Date(Date.now() - (i % 3) * 86_400_000 - 3_600_000));
      expect(
        (await fetch(`${server.url}/api/v1/sales`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(sale) })).status,
      ).toBe(201);
    }
    // 7 events are lost on the way: marked published, never delivered.
    await sql`UPDATE outbox SET published_at = now() WHERE id IN (SELECT id FROM outbox ORDER BY id DESC LIMIT 7)`.execute(server.db);
    await server.startPipeline();
    while ((await server.pipeline.relayNow()) > 0);
    const pgTickets = (await pgDailyFigures(server.db)).reduce((s, d) => s + d.tickets, 0);
    expect(pgTickets).toBe(60);
    await eventually(async () => (await dailyTotals(server.warehouse, { from: '2000-01-01', to: '2100-01-01' })).reduce((s, d) => s + d.tickets, 0) === 53);

    const first = await run('reconciliation');
    expect(first.outcome).toBe('failed');
    expect(first.error).toMatch(/drift on \d store-day\(s\), 7 sale event\(s\) replayed/);

    while ((await server.pipeline.relayNow()) > 0);
    await eventually(async () => (await dailyTotals(server.warehouse, { from: '2000-01-01', to: '2100-01-01' })).reduce((s, d) => s + d.tickets, 0) === 60);
    const second = await run('reconciliation');
    expect(second).toMatchObject({ outcome: 'ok', detail: { drift: 0 } });
    const pg = await pgDailyFigures(server.db);
    const wh = await dailyTotals(server.warehouse, { from: '2000-01-01', to: '2100-01-01' });
    expect(wh.map((d) => [d.day, d.revenue, d.tickets])).toEqual(pg.map((d) => [d.day, d.revenue, d.tickets]));
  });

  it('recomputes the views of a day whose raw lines are complete but whose figures drifted', async () => {
    const pg = await pgDailyFigures(server.db);
    const day = pg[0]?.day as string;
    // A view holds a sale the lines do not (what a load cut off between a view and a retry could leave).
    await server.warehouse.execute(
      'INSERT INTO sales_store_day (store_id, business_day, lines, tickets, items_milli, revenue, net, tax, discount, cost) VALUES (1, {day:Date}, 1, 1, 1000, 500, 450, 50, 0, 100)',
      { day },
    );
    const all = { from: '2000-01-01', to: '2100-01-01' };
    expect((await dailyTotals(server.warehouse, all)).find((d) => d.day === day)?.revenue).toBe((pg[0]?.revenue ?? 0) + 500);

    const found = await run('reconciliation');
    expect(found.outcome).toBe('failed');
    expect(found.error).toMatch(/drift on 1 store-day\(s\), 0 sale event\(s\) replayed, views of 1 store-day\(s\) recomputed/);
    const wh = await dailyTotals(server.warehouse, all);
    expect(wh.map((d) => [d.day, d.revenue, d.tickets])).toEqual(pg.map((d) => [d.day, d.revenue, d.tickets]));
    expect(await run('reconciliation')).toMatchObject({ outcome: 'ok', detail: { drift: 0 } });
  });

  it('lists every job with its last runs, durations, outcomes and errors (desktop and phone)', async () => {
    const started = await fetch(`${server.url}/api/v1/jobs/export/run`, { method: 'POST' });
    expect(started.status).toBe(202);
    await eventually(async () =>
      (
        await server.db
          .selectFrom('job_runs' as never)
          .select('outcome' as never)
          .where('job' as never, '=', 'export' as never)
          .execute()
      ).some((r) => (r as { outcome: string }).outcome === 'ok'),
    );
    const audited = await server.db.selectFrom('audit_log').selectAll().where('action', '=', 'job.run').execute();
    expect(audited.map((a) => a.subject)).toEqual(['job:export']);
    const api = await (await fetch(`${server.url}/api/v1/jobs`)).json();
    expect(api.jobs.map((j: { name: string }) => j.name)).toEqual(
      expect.arrayContaining(['daily-report', 'weekly-report', 'monthly-report', 'mail-delivery', 'reconciliation', 'export', 'backup']),
    );
    const unknown = await fetch(`${server.url}/api/v1/jobs/nope/run`, { method: 'POST' });
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).code).toBe('job.not_found');

    const desktop = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await desktop.goto(`${server.url}/jobs`);
    const recon = desktop.locator('section.job', { has: desktop.locator('h2', { hasText: 'reconciliation' }) });
    // Newest first: the views repaired (failed, then ok), the lost events replayed (failed, then ok).
    await expect(recon.locator('tbody tr:not(.error-row)').count()).resolves.toBe(4);
    const rows = recon.locator('tbody tr');
    expect(await rows.nth(0).textContent()).toMatch(/ok/);
    expect(await rows.nth(1).textContent()).toMatch(/failed/);
    expect(await rows.nth(2).textContent()).toMatch(/views of 1 store-day\(s\) recomputed/);
    expect(await rows.nth(3).textContent()).toMatch(/ok/);
    expect(await rows.nth(4).textContent()).toMatch(/failed/);
    expect(await rows.nth(5).textContent()).toMatch(/drift on 3 store-day\(s\)/);
    expect(await desktop.locator('section.job', { has: desktop.locator('h2', { hasText: 'backup' }) }).textContent()).toMatch(/never run/);
    await desktop.screenshot({ path: path.join(ARTIFACTS, 'jobs-desktop.png'), fullPage: true });

    const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await phone.goto(`${server.url}/jobs`);
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await phone.screenshot({ path: path.join(ARTIFACTS, 'jobs-phone.png'), fullPage: true });
  });
});
