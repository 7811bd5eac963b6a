import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { terminalDist } from '@keel/terminal-ui/dist-path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../src/api-tokens.js';
import { type KeelServer, startKeel } from '../src/keel-server.js';
import { launchChromium } from './support/browser.js';
import { addPeople, CASHIER, MANAGER } from './support/store-people.js';
import { parseMoney, TerminalDriver } from './support/terminal-driver.js';
import { createTestDatabase, tempDataDir, testConfig } from './support/test-env.js';

/**
 * A whole shift at the checkout terminal in Debian's Chromium, against the real server and
 * PostgreSQL: open with a float, 20 sales (scans, searches, a weighed item, discounts, a manager's
 * approval, split tenders), one refund, an X report and a Z report that match the sales to the cent.
 */
const ARTIFACTS = path.resolve(import.meta.dirname, '../../.test-artifacts');
let server: KeelServer;
let browser: Browser;
let ownerToken: string;
let cleanup: Array<() => Promise<void> | void> = [];

const PRODUCTS = [
  { sku: 'COFFEE', barcode: '4006381333931', name: 'Coffee beans 500 g', price: 1290, taxClass: 'standard' },
  { sku: 'MILK', barcode: '5012345678900', name: 'Organic milk 1 l', price: 149, taxClass: 'reduced' },
  { sku: 'BREAD', barcode: '4000417025005', name: 'Sourdough bread', price: 385, taxClass: 'reduced' },
  { sku: 'APPLES', barcode: '2100042', name: 'Apples (per kg)', price: 329, taxClass: 'reduced' },
  { sku: 'TEA', barcode: '8710398503961', name: 'Green tea 20 bags', price: 275, taxClass: 'standard' },
];

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const db = await createTestDatabase();
  const dir = tempDataDir();
  cleanup = [db.drop, dir.remove];
  server = await startKeel(testConfig({ databaseUrl: db.url, dataDir: dir.dir, nats: true }), { dashboardsDist: null, terminalDist });
  ownerToken = await createApiToken(server.db, 'setup script', 'owner');
  for (const p of PRODUCTS) {
    const res = await fetch(`${server.url}/api/v1/products`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ownerToken}` },
      body: JSON.stringify({ ...p, cost: Math.floor(p.price / 2) }),
    });
    expect(res.status).toBe(201);
  }
  await addPeople(server.url, ownerToken, [MANAGER, CASHIER]);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  for (const c of cleanup.reverse()) await c();
});

async function shot(page: Page, name: string) {
  await page.screenshot({ path: path.join(ARTIFACTS, name), fullPage: true });
}

describe('/terminal: a whole shift', () => {
  it('opens with a float, sells 20 sales and a refund, and the X and Z reports match to the cent', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const till = new TerminalDriver(page);
    await page.goto(`${server.url}/terminal/`);
    // A manager enrolls this browser as a till; the cashier signs in with a PIN.
    await page.getByRole('button', { name: 'Enroll this till' }).waitFor();
    await shot(page, 'terminal-enroll-desktop.png');
    await till.enroll(MANAGER, 'Front till');
    await shot(page, 'terminal-pin-desktop.png');
    await till.signIn({ ...CASHIER, pin: '0000' });
    await expect.poll(() => page.getByRole('alert').textContent(), { timeout: 15_000 }).toContain('Wrong username, password or PIN');
    await till.signIn(CASHIER);
    await page.getByLabel('Opening float').fill('150.00');
    await page.getByLabel('Opening float').press('Enter');
    await page.getByLabel('Scan or search (name, SKU, code)').waitFor();

    const saleIds: string[] = [];
    let cardTaken = 0;
    for (let i = 0; i < 20; i++) {
      await till.scan('4006381333931'); // coffee, scanned
      if (i % 2 === 0) await till.scan('5012345678900'); // milk, scanned
      if (i % 3 === 0) await till.search('sourd'); // bread, by type-ahead
      if (i % 5 === 1) await till.scan('2100042012509'); // apples, 1.250 kg from the scale label
      if (i === 3) {
        // Bad input: an unknown code says so and the sale goes on.
        await till.scan('9999999999994', false);
        await expect.poll(() => till.message()).toContain('Unknown barcode 9999999999994');
      }
      if (i === 4) {
        // A discount within the cashier's limit (10%).
        await page.getByLabel('Discount % on Coffee beans 500 g').fill('10');
        await page.getByLabel('Discount % on Coffee beans 500 g').press('Tab');
      }
      if (i === 6) {
        // Above the limit: refused without a manager...
        await page.getByLabel('Discount on the whole sale %').fill('25');
        await page.getByLabel('Discount on the whole sale %').press('Tab');
        await page.getByRole('dialog').waitFor();
        await page.getByRole('button', { name: 'Cancel', exact: true }).click();
        await expect.poll(() => till.message()).toContain('needs a manager');
        // ...then approved by one.
        await page.getByLabel('Discount on the whole sale %').fill('25');
        await page.getByLabel('Discount on the whole sale %').press('Tab');
        await page.getByLabel('Manager username').fill(MANAGER.username);
        await page.getByLabel('Manager PIN').fill('9999');
        await page.getByRole('button', { name: 'Approve' }).click();
        await expect.poll(() => page.getByRole('dialog').getByRole('alert').textContent(), { timeout: 15_000 }).toContain('wrong username or PIN'); // scrypt: slow by design
        await page.getByLabel('Manager PIN').fill(MANAGER.pin);
        await page.getByRole('button', { name: 'Approve' }).click();
        await expect.poll(() => till.message(), { timeout: 15_000 }).toContain('approved by Morgan');
      }
      const total = await till.total();
      expect(total).toBeGreaterThan(0);
      if (i === 0) await shot(page, 'terminal-desktop.png');
      if (i === 2) {
        // A tender short of the total cannot complete.
        await page.getByTestId('pay').click();
        await page.getByLabel('Amount').fill('1.00');
        await page.getByRole('button', { name: 'Cash', exact: true }).click();
        expect(await page.getByTestId('complete').isDisabled()).toBe(true);
        expect(parseMoney((await page.getByTestId('left').textContent()) ?? '')).toBe(total - 100);
        await page.getByRole('button', { name: 'Back to sale' }).click();
      }
      let tenders: Parameters<TerminalDriver['pay']>[0];
      if (i % 4 === 1) {
        tenders = [
          { kind: 'card', amount: total - 500, ref: `A${i}`, last4: '4242' },
          { kind: 'cash', amount: 1000 },
        ];
        cardTaken += total - 500;
      } else if (i % 4 === 3) {
        tenders = [{ kind: 'card', amount: total, ref: `B${i}`, last4: '0005' }];
        cardTaken += total;
      } else {
        tenders = [{ kind: 'cash', amount: Math.ceil(total / 1000) * 1000 }];
      }
      saleIds.push(await till.pay(tenders));
    }
    await expect.poll(() => page.getByTestId('connection').textContent()).toMatch(/^Online$/);

    // One refund: a coffee from the first sale, paid back in cash, signed by the manager.
    await page.getByRole('button', { name: 'Refund' }).click();
    await page.getByLabel('Receipt number').fill(saleIds[0] as string);
    await page.getByRole('button', { name: 'Find sale' }).click();
    await page.getByLabel('Return how many COFFEE').fill('1');
    await page.getByLabel('Reason').fill('damaged pack');
    await page.getByLabel('Pay back').selectOption('cash');
    // The cashier may not refund alone: the manager's username and PIN go with it.
    await page.getByLabel('Manager username').fill(MANAGER.username);
    await page.getByLabel('Manager PIN').fill(MANAGER.pin);
    await page.getByRole('button', { name: 'Refund', exact: true }).click();
    await page.getByTestId('receipt').waitFor();
    expect(parseMoney((await page.getByTestId('receipt-total').textContent()) ?? '')).toBe(-1290);
    await page.getByTestId('new-sale').click();

    // What PostgreSQL holds is what the reports must show.
    const { id: tillId } = await server.db.selectFrom('tills').select('id').where('name', '=', 'Front till').executeTakeFirstOrThrow();
    const pg = await server.db
      .selectFrom('sales')
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.sum<number>('total').as('total'), eb.fn.sum<number>('change_due').as('change')])
      .where('register_id', '=', `till:${tillId}`)
      .executeTakeFirstOrThrow();
    expect(Number(pg.n)).toBe(21);
    const refundRow = await server.db
      .selectFrom('sales')
      .select(['refund_of', 'total', 'cashier_id'])
      .where('refund_of', 'is not', null)
      .executeTakeFirstOrThrow();
    expect(refundRow).toMatchObject({ refund_of: saleIds[0], total: -1290 });
    const audit = await server.db.selectFrom('audit_log').select(['action', 'actor', 'detail']).execute();
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['cash.open', 'sale.discount_approved', 'sale.refund', 'sale.approval_failed']));
    const refundAudit = audit.find((a) => a.action === 'sale.refund');
    expect(refundAudit?.detail).toMatchObject({ refundOf: saleIds[0], reason: 'damaged pack' });
    expect((refundAudit?.detail as { approvedBy?: string } | undefined)?.approvedBy).toMatch(/^user:/);
    expect(audit.find((a) => a.action === 'sale.discount_approved')?.actor).not.toBe(refundRow.cashier_id);

    // X report mid-shift.
    await page.getByRole('button', { name: 'X report' }).click();
    await page.getByTestId('report').waitFor();
    expect(parseMoney((await page.getByTestId('report-total').textContent()) ?? '')).toBe(Number(pg.total));
    expect(await page.getByTestId('report-sales').textContent()).toBe('20');
    expect(await page.getByTestId('report-refunds').textContent()).toBe('1');
    expect(parseMoney((await page.getByTestId('report-card').textContent()) ?? '')).toBe(cardTaken);
    const expectedCash = parseMoney((await page.getByTestId('report-expected').textContent()) ?? '');
    expect(expectedCash).toBe(15000 + Number(pg.total) - cardTaken);
    await shot(page, 'terminal-x-report.png');
    await page.getByRole('button', { name: 'Back to selling' }).click();

    // No sale: audited.
    await page.getByRole('button', { name: 'No sale' }).click();
    await expect.poll(() => till.message()).toContain('recorded');

    // Z report: count the drawer (2 cents short) and close.
    await page.getByRole('button', { name: 'Close till' }).click();
    let left = expectedCash - 2;
    for (const d of [50000, 20000, 10000, 5000, 2000, 1000, 500, 200, 100, 50, 20, 10, 5, 2, 1]) {
      const n = Math.floor(left / d);
      left -= n * d;
      if (n > 0) await page.locator(`keel-cash-panel >> #d${d}`).fill(String(n));
    }
    await page.getByRole('button', { name: 'Close session (Z report)' }).click();
    await page.getByTestId('report').waitFor();
    expect(parseMoney((await page.getByTestId('report-total').textContent()) ?? '')).toBe(Number(pg.total));
    expect(parseMoney((await page.getByTestId('report-counted').textContent()) ?? '')).toBe(expectedCash - 2);
    expect(parseMoney((await page.getByTestId('report-overshort').textContent()) ?? '')).toBe(-2);
    await shot(page, 'terminal-z-report.png');
    const actions = (await server.db.selectFrom('audit_log').select(['action']).execute()).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['drawer.no_sale', 'cash.close']));
    expect(errors).toEqual([]);
    await page.close();
  });

  it('sells with the keyboard only, and fits a phone and a tablet', async () => {
    for (const [name, viewport] of [
      ['phone', { width: 390, height: 844 }],
      ['tablet', { width: 1024, height: 768 }],
    ] as const) {
      const page = await browser.newPage({ viewport, hasTouch: true, isMobile: name === 'phone' });
      const till = new TerminalDriver(page);
      // The phone plays an older browser without OPFS: the till falls back to the JSON catalog in IndexedDB.
      if (name === 'phone') await page.addInitScript(() => Reflect.deleteProperty(StorageManager.prototype, 'getDirectory'));
      await page.goto(`${server.url}/terminal/`);
      await till.enroll(MANAGER, `Till ${name}`);
      await shot(page, `terminal-pin-${name}.png`);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);
      await till.signIn(MANAGER);
      await page.getByLabel('Opening float').fill('100');
      await page.keyboard.press('Enter');
      await page.getByLabel('Scan or search (name, SKU, code)').waitFor();
      expect(await page.locator('keel-terminal').getAttribute('data-catalog')).toBe(name === 'phone' ? 'memory' : 'worker');
      // Keyboard only: scan, Tab to Pay, Enter; the amount field has the focus: Enter takes cash, Enter completes.
      await till.scan('4006381333931');
      await till.scan('8710398503961');
      for (let k = 0; k < 30; k++) {
        await page.keyboard.press('Tab');
        const focused = await page.evaluate(() => {
          let el = document.activeElement;
          while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
          return el?.textContent?.trim();
        });
        if (focused === 'Pay') break;
      }
      await page.keyboard.press('Enter');
      await page.getByLabel('Amount').waitFor();
      await shot(page, `terminal-pay-${name}.png`);
      await page.keyboard.type('20');
      await page.keyboard.press('Enter');
      await page.keyboard.press('Enter');
      await page.getByTestId('receipt').waitFor();
      expect(parseMoney((await page.getByTestId('receipt-change').textContent()) ?? '')).toBe(2000 - 1290 - 275);
      await shot(page, `terminal-receipt-${name}.png`);
      await page.keyboard.press('Enter'); // New sale has the focus
      await page.getByLabel('Scan or search (name, SKU, code)').waitFor();
      await till.scan('4006381333931');
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);
      await shot(page, `terminal-${name}.png`);
      await page.close();
    }
  });
});
