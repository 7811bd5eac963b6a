import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { formatMoney } from '@keel/core';
import { deliverQueuedMail, reportPeriod } from '@keel/pipelines';
import { dailyTotals } from '@keel/warehouse';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KeelServer, startKeel } from '../src/keel-server.js';
import { launchChromium } from './support/browser.js';
import { eventually } from './support/pg-figures.js';
import { makeSale, seededRandom, TAX, type TestProduct } from './support/sale-maker.js';
import { SmtpSink } from './support/smtp-sink.js';
import { createTestDatabase, tempDataDir, testConfig } from './support/test-env.js';

/**
 * Weekly trend reports through a real SMTP server started here: one mail per subscriber however
 * often the job runs, valid MIME with an inline PNG, figures equal to the warehouse's, no margins
 * for a cashier, and a mail queued while the SMTP server is down arrives once when it is back.
 */
const TZ = 'Europe/Paris';
const period = reportPeriod('weekly', new Date(), TZ);
const smtp = new SmtpSink();
let server: KeelServer;
const cleanup: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  await smtp.start();
  const db = await createTestDatabase();
  const dir = tempDataDir();
  cleanup.push(db.drop, dir.remove);
  server = await startKeel(
    testConfig({ databaseUrl: db.url, dataDir: dir.dir }, { trustLoopback: true, jobsEnabled: false, smtpUrl: smtp.url, mailFrom: 'Keel <reports@keel.test>' }),
    {
      dashboardsDist: null,
    },
  );
  const products: TestProduct[] = [];
  for (let i = 0; i < 12; i++) {
    const price = 150 + i * 95;
    const res = await fetch(`${server.url}/api/v1/products`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sku: `SKU-${i}`, name: `Product ${i}`, price, cost: Math.floor(price * 0.55), taxClass: 'standard' }),
    });
    products.push({ id: (await res.json()).id, price, tax: TAX.standard as TestProduct['tax'] });
  }
  // 14 days of sales: the reported week and the one before, noon Paris time.
  const rand = seededRandom(8);
  const start = Date.parse(`${period.previousFrom}T11:00:00Z`);
  for (let i = 0; i < 280; i++) {
    const day = i % 14;
    // Weighted to the first products in the reported week, so top movers show up.
    const pool = day >= 7 ? products.slice(0, 6) : products;
    const sale = makeSale(rand, pool, 1, new Date(start + day * 86_400_000 + (i % 20) * 60_000));
    const res = await fetch(`${server.url}/api/v1/sales`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(sale) });
    expect(res.status).toBe(201);
  }
  while ((await server.pipeline.relayNow()) > 0);
  await eventually(async () => (await dailyTotals(server.warehouse, { from: period.previousFrom, to: period.to })).reduce((s, d) => s + d.tickets, 0) === 280);
  await server.db
    .insertInto('report_subscriptions' as never)
    .values([
      { email: 'owner@shop.test', role: 'owner', store_id: 1, cadence: 'weekly' },
      { email: 'till@shop.test', role: 'cashier', store_id: 1, cadence: 'weekly' },
    ] as never)
    .execute();
});

afterAll(async () => {
  await server?.close();
  await smtp.stop();
  for (const c of cleanup.reverse()) await c();
});

async function runWeekly(): Promise<void> {
  const r = await server.jobs.runNow('weekly-report');
  expect(r.status).toBe('started');
  if (r.status === 'started') expect((await r.done).outcome).toBe('ok');
}

describe('weekly trend report by e-mail', () => {
  it('arrives once per subscriber as valid MIME, with warehouse figures and an inline chart', async () => {
    await runWeekly();
    await runWeekly(); // a second run of the same period mails nobody twice
    expect(smtp.to('owner@shop.test')).toHaveLength(1);
    expect(smtp.to('till@shop.test')).toHaveLength(1);

    const mail = await simpleParser((smtp.to('owner@shop.test')[0] as { raw: Buffer }).raw);
    expect(mail.subject).toBe(`Weekly report, Main store: ${period.from} to ${period.to}`);
    expect(mail.from?.text).toContain('reports@keel.test');
    expect(mail.html).toBeTruthy();
    expect(mail.text).toBeTruthy();
    const png = mail.attachments.find((a) => a.contentType === 'image/png');
    expect(png).toBeDefined();
    expect(png?.contentDisposition).toBe('inline');
    expect(png?.content.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    // The HTML refers to the image by its Content-ID.
    const withCid = await simpleParser((smtp.to('owner@shop.test')[0] as { raw: Buffer }).raw, { keepCidLinks: true });
    expect(withCid.html as string).toContain(`src="cid:${png?.cid}"`);

    const week = await dailyTotals(server.warehouse, { from: period.from, to: period.to, storeId: 1 });
    const revenue = week.reduce((s, d) => s + d.revenue, 0);
    const tickets = week.reduce((s, d) => s + d.tickets, 0);
    const margin = week.reduce((s, d) => s + d.net - d.cost, 0);
    expect(tickets).toBe(140);
    const eur = (n: number) => formatMoney(n, 'EUR', 'en-GB');
    expect(mail.text).toContain(`Revenue: ${eur(revenue)}`);
    expect(mail.text).toContain(`Tickets: ${tickets}`);
    expect(mail.text).toContain(`Margin: ${eur(margin)}`);
    for (const d of week) expect(mail.text).toContain(`${d.day}  ${eur(d.revenue)}`);
    expect(mail.html as string).toContain(eur(revenue));
    expect(mail.text).toMatch(/Top movers:\n {2}SKU-/);

    // How it looks in a mail client, wide and on a phone (mailparser inlined the chart as a data URL).
    const artifacts = path.resolve(import.meta.dirname, '../../.test-artifacts');
    mkdirSync(artifacts, { recursive: true });
    const browser = await launchChromium();
    try {
      for (const [name, viewport] of [
        ['report-mail-desktop.png', { width: 1280, height: 800 }],
        ['report-mail-phone.png', { width: 390, height: 844 }],
      ] as const) {
        const page = await browser.newPage({ viewport });
        await page.setContent(mail.html as string);
        expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
        await page.screenshot({ path: path.join(artifacts, name), fullPage: true });
      }
    } finally {
      await browser.close();
    }
  });

  it('gives a cashier the same sales figures and no margin or cost', async () => {
    const owner = await simpleParser((smtp.to('owner@shop.test')[0] as { raw: Buffer }).raw);
    const cashier = await simpleParser((smtp.to('till@shop.test')[0] as { raw: Buffer }).raw);
    const revenueLine = (owner.text ?? '').split('\n').find((l) => l.startsWith('Revenue:'));
    expect(cashier.text).toContain(revenueLine);
    expect(cashier.text).not.toMatch(/margin|cost/i);
    const visible = (cashier.html as string).replace(/<[^>]*>/g, ' ');
    expect(visible).not.toMatch(/margin|cost/i);
    expect((owner.html as string).replace(/<[^>]*>/g, ' ')).toMatch(/Margin/);
  });

  it('keeps a report in the queue while SMTP is down and delivers it once when it is back', async () => {
    await smtp.stop();
    await server.db
      .insertInto('report_subscriptions' as never)
      .values({ email: 'late@shop.test', role: 'manager', store_id: 1, cadence: 'weekly' } as never)
      .execute();
    await runWeekly();
    const queued = await server.db
      .selectFrom('mail_queue' as never)
      .select(['status', 'attempts', 'last_error'] as never)
      .where('to_address' as never, '=', 'late@shop.test' as never)
      .executeTakeFirstOrThrow();
    expect(queued).toMatchObject({ status: 'queued', attempts: 1 });
    expect((queued as { last_error: string }).last_error).toMatch(/ECONNREFUSED|connect/i);

    await smtp.start(); // same port
    const db = server.db as never;
    // Not yet due (backoff): nothing is sent. Two minutes later it goes, once.
    expect((await deliverQueuedMail(db, smtp.url, new Date())).sent).toBe(0);
    const later = new Date(Date.now() + 2 * 60_000);
    expect(await deliverQueuedMail(db, smtp.url, later)).toMatchObject({ sent: 1, failed: 0, waiting: 0 });
    expect(await deliverQueuedMail(db, smtp.url, later)).toMatchObject({ sent: 0, waiting: 0 });
    expect(smtp.to('late@shop.test')).toHaveLength(1);
    expect(smtp.to('owner@shop.test')).toHaveLength(1);
    const parsed = await simpleParser((smtp.to('late@shop.test')[0] as { raw: Buffer }).raw);
    expect(parsed.text).toContain('Margin:');
  });
});
