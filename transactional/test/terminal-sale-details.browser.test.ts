import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { dashboardsDist } from '@keel/dashboards/dist-path';
import { terminalDist } from '@keel/terminal-ui/dist-path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../src/api-tokens.js';
import { type KeelServer, startKeel } from '../src/keel-server.js';
import { launchChromium } from './support/browser.js';
import { eventually } from './support/pg-figures.js';
import { SessionClient } from './support/session-client.js';
import { addPeople, CASHIER, MANAGER } from './support/store-people.js';
import { parseMoney, TerminalDriver } from './support/terminal-driver.js';
import { createTestDatabase, tempDataDir, testConfig } from './support/test-env.js';

/**
 * At the checkout terminal in Debian's Chromium, against the real server and PostgreSQL: a cashier
 * changes a line's price with a reason and a manager's PIN, adds a customer from the till and types a
 * note; the receipt shows all three and PostgreSQL keeps them. A manager reads the conflicts an
 * offline sale was accepted with in the back office. Screenshots at desktop and phone sizes.
 */
const ARTIFACTS = path.resolve(import.meta.dirname, '../../.test-artifacts');
let server: KeelServer;
let browser: Browser;
let ownerToken: string;
let cleanup: Array<() => Promise<void> | void> = [];
const ids: Record<string, number> = {};

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const db = await createTestDatabase();
  const dir = tempDataDir();
  cleanup = [db.drop, dir.remove];
  server = await startKeel(testConfig({ databaseUrl: db.url, dataDir: dir.dir }), { dashboardsDist, terminalDist });
  ownerToken = await createApiToken(server.db, 'setup script', 'owner');
  for (const p of [
    { sku: 'COFFEE', barcode: '4006381333931', name: 'Coffee beans 500 g', price: 1290, taxClass: 'standard' },
    { sku: 'MILK', barcode: '5012345678900', name: 'Organic milk 1 l', price: 149, taxClass: 'reduced' },
  ]) {
    const res = await fetch(`${server.url}/api/v1/products`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ownerToken}` },
      body: JSON.stringify({ ...p, cost: 50 }),
    });
    expect(res.status).toBe(201);
    ids[p.sku] = (await res.json()).id;
  }
  await addPeople(server.url, ownerToken, [MANAGER, CASHIER]);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  for (const c of cleanup.reverse()) await c();
});

const shot = (page: Page, name: string) => page.screenshot({ path: path.join(ARTIFACTS, name), fullPage: true });
const fits = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth);

async function startSelling(page: Page, person: typeof CASHIER, tillName: string) {
  const till = new TerminalDriver(page);
  await page.goto(`${server.url}/terminal/`);
  await till.enroll(MANAGER, tillName);
  await till.signIn(person);
  await page.getByLabel('Opening float').fill('100');
  await page.getByLabel('Opening float').press('Enter');
  await page.getByLabel('Scan or search (name, SKU, code)').waitFor();
  return till;
}

async function payCash(page: Page, amount: string) {
  await page.getByTestId('pay').click();
  await page.getByLabel('Amount').fill(amount);
  await page.getByRole('button', { name: 'Cash', exact: true }).click();
  await page.getByTestId('complete').click();
  await page.getByTestId('receipt').waitFor();
  return (await page.getByTestId('receipt-id').textContent())?.trim() ?? '';
}

describe('/terminal: price override, customer and note', () => {
  it("a cashier's override needs a manager; the customer and note are on the receipt and in PostgreSQL", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const till = await startSelling(page, CASHIER, 'Front till');
    await till.scan('4006381333931');
    await till.scan('4006381333931');
    expect(await till.total()).toBe(2580);

    // The cashier may not override prices: the dialog asks for a manager, and a wrong PIN is refused.
    await page.getByRole('button', { name: 'Change the price of Coffee beans 500 g' }).click();
    await page.getByLabel('New unit price').fill('10.00');
    await page.getByLabel('Reason').selectOption('Damaged item');
    await page.getByRole('button', { name: 'Set price' }).click();
    await expect.poll(() => page.getByRole('dialog').getByRole('alert').textContent()).toContain("manager's username and PIN");
    await page.getByLabel('Manager username').fill(MANAGER.username);
    await page.getByLabel('Manager PIN').fill('0000');
    await page.getByRole('button', { name: 'Set price' }).click();
    await expect.poll(() => page.getByRole('dialog').getByRole('alert').textContent(), { timeout: 15_000 }).toContain('wrong username or PIN');
    await shot(page, 'terminal-override-desktop.png');
    await page.getByLabel('Manager PIN').fill(MANAGER.pin);
    await page.getByRole('button', { name: 'Set price' }).click();
    await expect.poll(() => till.message(), { timeout: 15_000 }).toContain('approved by Morgan Manager');
    expect(await till.total()).toBe(2000);
    expect(await page.getByTestId('line-override').textContent()).toContain('Damaged item');

    // A new customer, added at the till, and a note.
    await page.getByRole('button', { name: 'New customer' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Ada Lovelace');
    await page.getByLabel('E-mail').fill('ada@example.org');
    await page.getByLabel('Phone').fill('+44 20 7946 0000');
    await page.getByRole('button', { name: 'Add customer' }).click();
    await expect.poll(() => page.getByTestId('sale-customer').textContent()).toContain('Ada Lovelace');
    await page.getByLabel('Note on the sale').fill('Gift wrap, collect Friday');
    await page.getByLabel('Note on the sale').press('Tab');
    await shot(page, 'terminal-sale-details-desktop.png');
    expect(await fits(page)).toBeLessThanOrEqual(1280);

    const saleId = await payCash(page, '20.00');
    expect(parseMoney((await page.getByTestId('receipt-total').textContent()) ?? '')).toBe(2000);
    expect(await page.getByTestId('receipt-customer').textContent()).toContain('Ada Lovelace');
    expect(await page.getByTestId('receipt-note').textContent()).toContain('Gift wrap, collect Friday');
    expect(await page.getByTestId('receipt-override').textContent()).toMatch(/10\.00 instead of .*12\.90: Damaged item/);
    await shot(page, 'terminal-receipt-details-desktop.png');

    // What PostgreSQL keeps: both prices, the reason, the customer, the note; the override is audited with its approver.
    await eventually(async () => (await server.db.selectFrom('sales').select('id').where('id', '=', saleId).executeTakeFirst()) !== undefined, 15_000);
    const sale = await server.db.selectFrom('sales').select(['total', 'customer_id', 'note']).where('id', '=', saleId).executeTakeFirstOrThrow();
    const ada = await server.db.selectFrom('customers').selectAll().where('name', '=', 'Ada Lovelace').executeTakeFirstOrThrow();
    expect(sale).toEqual({ total: 2000, customer_id: ada.id, note: 'Gift wrap, collect Friday' });
    expect(ada).toMatchObject({ email: 'ada@example.org', phone: '+44 20 7946 0000' });
    const line = await server.db.selectFrom('sale_lines').selectAll().where('sale_id', '=', saleId).executeTakeFirstOrThrow();
    expect(line).toMatchObject({ quantity_milli: 2000, unit_price: 1000, list_price: 1290, override_reason: 'Damaged item', total: 2000 });
    const audit = await server.db.selectFrom('audit_log').select(['action', 'detail']).where('subject', '=', saleId).execute();
    const manager = await server.db.selectFrom('users').select('id').where('username', '=', MANAGER.username).executeTakeFirstOrThrow();
    expect(audit.find((a) => a.action === 'sale.price_override')?.detail).toMatchObject({ approvedBy: `user:${manager.id}` });

    // The next sale finds Ada by a word of her name.
    await page.getByTestId('new-sale').click();
    await till.scan('5012345678900');
    await page.getByLabel('Customer', { exact: true }).pressSequentially('love', { delay: 40 });
    await page.getByRole('button', { name: /Ada Lovelace/ }).click();
    await expect.poll(() => page.getByTestId('sale-customer').textContent()).toContain('Ada Lovelace');
    const second = await payCash(page, '1.49');
    await eventually(
      async () => (await server.db.selectFrom('sales').select('customer_id').where('id', '=', second).executeTakeFirst())?.customer_id === ada.id,
      15_000,
    );
    expect(errors).toEqual([]);
    await page.close();
  });

  it('fits a phone: a manager changes a price with a typed reason, no PIN asked', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    const till = await startSelling(page, MANAGER, 'Phone till');
    await till.search('coffee');
    await page.getByRole('button', { name: 'Change the price of Coffee beans 500 g' }).click();
    await page.getByLabel('New unit price').fill('11.50');
    await page.getByLabel('Reason').selectOption('Other');
    await page.getByLabel('Other reason').fill('Loyalty promise');
    expect(await page.getByLabel('Manager PIN').count()).toBe(0);
    await shot(page, 'terminal-override-phone.png');
    expect(await fits(page)).toBeLessThanOrEqual(390);
    await page.getByRole('button', { name: 'Set price' }).click();
    await expect.poll(() => till.total()).toBe(1150);
    await page.getByLabel('Customer', { exact: true }).pressSequentially('ada', { delay: 40 });
    await page.getByRole('button', { name: /Ada Lovelace/ }).click();
    await page.getByLabel('Note on the sale').fill('Phone order');
    await page.getByLabel('Note on the sale').press('Tab');
    await shot(page, 'terminal-sale-details-phone.png');
    expect(await fits(page)).toBeLessThanOrEqual(390);
    await payCash(page, '20.00');
    expect(await page.getByTestId('receipt-note').textContent()).toContain('Phone order');
    expect(await page.getByTestId('receipt-customer').textContent()).toContain('Ada Lovelace');
    expect(await page.getByTestId('receipt-override').textContent()).toContain('Loyalty promise');
    await shot(page, 'terminal-receipt-details-phone.png');
    expect(await fits(page)).toBeLessThanOrEqual(390);
    await page.close();
  });

  it("the back office lists an offline sale's conflicts for a manager", async () => {
    // A till that was offline sends a sale at yesterday's milk price.
    const owner = new SessionClient(server.url, { token: ownerToken });
    const { key } = await (await owner.post('/api/v1/tills', { name: 'Back till', storeId: 1 })).json();
    const cashier = new SessionClient(server.url, { tillKey: key });
    expect((await cashier.signIn('/api/v1/auth/pin', { username: CASHIER.username, pin: CASHIER.pin })).status).toBe(200);
    await server.db
      .updateTable('products')
      .set({ price: 159 })
      .where('id', '=', ids.MILK as number)
      .execute();
    const offline = {
      id: randomUUID(),
      storeId: 1,
      occurredAt: new Date().toISOString(),
      offline: true,
      lines: [{ productId: ids.MILK, quantityMilli: 2000, unitPrice: 149 }],
      tenders: [{ kind: 'cash', amount: 298 }],
      expectedTotal: 298,
    };
    const res = await cashier.post('/api/v1/sales', offline);
    expect(res.status).toBe(201);
    expect((await res.json()).total).toBe(298);
    // Another applied the reduced rate at 7% (included) where the server now has 5.5%.
    const taxed = {
      ...offline,
      id: randomUUID(),
      lines: [{ productId: ids.MILK, quantityMilli: 1000, unitPrice: 149, tax: { code: 'reduced', basisPoints: 700, inclusive: true } }],
      tenders: [{ kind: 'cash', amount: 149 }],
      expectedTotal: 149,
    };
    expect((await cashier.post('/api/v1/sales', taxed)).status).toBe(201);
    // A retry whose manager approval was lost in a reload: a 30% discount over the cashier's 10% limit.
    const unapproved = {
      ...offline,
      id: randomUUID(),
      offline: undefined,
      deferred: true,
      lines: [{ productId: ids.MILK, quantityMilli: 1000, unitPrice: 159, discount: { kind: 'percent', basisPoints: 3000 } }],
      tenders: [{ kind: 'cash', amount: 111 }],
      expectedTotal: 111,
    };
    expect((await cashier.post('/api/v1/sales', unapproved)).status).toBe(201);

    for (const [name, viewport] of [
      ['desktop', { width: 1280, height: 800 }],
      ['phone', { width: 390, height: 844 }],
    ] as const) {
      const page = await browser.newPage({ viewport });
      await page.goto(`${server.url}/dashboards/admin/#conflicts`);
      const form = page.locator('keel-sign-in form').last();
      await form.getByLabel('Username').fill(MANAGER.username);
      await form.getByLabel('Password').fill(MANAGER.password);
      await form.getByRole('button', { name: 'Sign in' }).click();
      await page.getByTestId('sale-flags').waitFor();
      const text = (await page.getByTestId('sale-flags').textContent()) ?? '';
      expect(text).toContain('Price changed');
      expect(text).toContain('Organic milk 1 l');
      expect(text).toMatch(/till 1\.49 · now 1\.59/);
      expect(text).toContain('Tax rate changed');
      expect(text).toContain('till 7% · now 5.5%');
      expect(text).toContain('Manager approval missing');
      expect(text).toMatch(/30(\.\d+)?% off, not approved/);
      expect(text).toContain(CASHIER.name);
      await shot(page, `admin-sale-conflicts-${name}.png`);
      expect(await fits(page)).toBeLessThanOrEqual(viewport.width);
      await page.close();
    }
  });

  it("a sale whose send had no answer is recorded once at the till's price; offline, a manager's approval says it needs the connection", async () => {
    const owner = new SessionClient(server.url, { token: ownerToken });
    const created = await owner.post('/api/v1/products', {
      sku: 'TEA',
      barcode: '4012345678901',
      name: 'Green tea 100 g',
      price: 450,
      cost: 50,
      taxClass: 'standard',
    });
    expect(created.status).toBe(201);
    const tea = (await created.json()).id as number;
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const till = await startSelling(page, CASHIER, 'Retry till');

    // The server is overloaded: the till's first send of the sale is answered 503 (the server never had it).
    let refused = 0;
    await page.route('**/api/v1/sales', async (route) => {
      refused++;
      await route.fulfill({ status: 503, contentType: 'application/problem+json', body: JSON.stringify({ code: 'server.unavailable', title: 'Busy' }) });
    });
    await till.scan('4012345678901');
    await till.scan('4012345678901');
    const saleId = await till.pay([{ kind: 'cash', amount: 1000 }]);
    await expect.poll(() => refused).toBeGreaterThan(0);
    await expect.poll(() => page.getByTestId('connection').textContent(), { timeout: 10_000 }).toBe('Offline · 1 sale waiting');

    // Meanwhile, a manager's approval: the till says at once that it needs the connection, no PIN asked.
    await till.scan('4012345678901');
    await page.getByRole('button', { name: 'Change the price of Green tea 100 g' }).click();
    await page.getByLabel('New unit price').fill('3.00');
    await expect.poll(() => page.getByTestId('needs-manager-offline').textContent()).toContain('needs a manager: only while connected');
    expect(await page.getByLabel('Manager PIN').count()).toBe(0);
    await shot(page, 'terminal-manager-offline-desktop.png');
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, 'terminal-manager-offline-phone.png');
    expect(await fits(page)).toBeLessThanOrEqual(390);
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByRole('button', { name: 'Set price' }).click();
    await expect.poll(() => page.getByRole('dialog').getByRole('alert').textContent()).toContain('needs a manager: only while connected');
    await page.getByRole('button', { name: 'Cancel', exact: true }).click();
    // The cashier types 5, looks up for two seconds, then types 0: meanwhile the till has redrawn (it
    // does every 1.5 s while a sale waits offline), which must not wipe the 5 from the field.
    const orderDiscount = page.getByLabel('Discount on the whole sale %');
    await orderDiscount.fill('5');
    await page.waitForTimeout(2_000);
    await orderDiscount.press('0');
    await orderDiscount.press('Tab');
    await expect.poll(() => till.message()).toContain('A discount above your limit needs a manager: only while connected');
    expect(await till.total()).toBe(450);
    // The refused discount does not stay in the field as if it applied.
    await expect.poll(() => orderDiscount.inputValue()).toBe('0');
    await page.getByRole('button', { name: 'Cancel sale' }).click();

    // The tea's price goes up before the till gets through; then the server answers again.
    const { version } = await (await owner.get(`/api/v1/products/${tea}`)).json();
    expect((await owner.patch(`/api/v1/products/${tea}`, { price: 500, version })).status).toBe(200);
    await page.unroute('**/api/v1/sales');
    await eventually(async () => (await server.db.selectFrom('sales').select('id').where('id', '=', saleId).executeTakeFirst()) !== undefined, 20_000);
    // Recorded at the till's price (the customer paid 9.00), the change flagged for a manager; nothing left on the till.
    const recorded = await server.db.selectFrom('sales').select(['total', 'offline']).where('id', '=', saleId).executeTakeFirstOrThrow();
    expect(recorded).toEqual({ total: 900, offline: false });
    const flags = await server.db.selectFrom('sale_flags').select(['kind', 'till_price', 'server_price']).where('sale_id', '=', saleId).execute();
    expect(flags).toEqual([{ kind: 'price_changed', till_price: 450, server_price: 500 }]);
    await expect.poll(() => page.getByTestId('connection').textContent(), { timeout: 10_000 }).toBe('Online');
    expect(await page.getByTestId('flagged').count()).toBe(0);

    // The next sale is recorded, but its answer is lost (the connection drops): the till sends it
    // again, marked, and the server answers the stored sale: once in PostgreSQL, no conflict on the till.
    let lost = 0;
    let firstAnswer = 0;
    await page.route('**/api/v1/sales', async (route) => {
      if (lost++ > 0) return route.continue();
      firstAnswer = (await route.fetch()).status();
      await route.abort('connectionreset');
    });
    await till.scan('4012345678901');
    const second = await till.pay([{ kind: 'cash', amount: 500 }]);
    await expect.poll(() => lost, { timeout: 20_000 }).toBeGreaterThan(1);
    expect(firstAnswer).toBe(201);
    await expect.poll(() => page.getByTestId('connection').textContent(), { timeout: 10_000 }).toBe('Online');
    expect(await page.getByTestId('flagged').count()).toBe(0);
    expect((await server.db.selectFrom('sales').select('total').where('id', '=', second).execute()).map((r) => r.total)).toEqual([500]);
    await page.close();
  });
});
