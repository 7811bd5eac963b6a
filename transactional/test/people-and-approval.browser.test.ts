import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { dashboardsDist } from '@keel/dashboards/dist-path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../src/api-tokens.js';
import { type KeelServer, startKeel } from '../src/keel-server.js';
import { launchChromium } from './support/browser.js';
import { createTestDatabase, tempDataDir, testConfig } from './support/test-env.js';

/**
 * The story in Debian's Chromium against the real server: the owner sets up Keel, creates a
 * cashier with a 10% discount limit and enrolls the browser as a till; the cashier's 15% discount is
 * refused until a manager's PIN approves it; the audit page shows both. Screenshots of every page.
 */
const ARTIFACTS = path.resolve(import.meta.dirname, '../../.test-artifacts');
const OWNER = { username: 'olga', name: 'Olga Owner', password: 'owner password 42', pin: '9753' };
const CASHIER = { username: 'cato', name: 'Cato Cashier', pin: '2580' };
let server: KeelServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let cleanup: Array<() => Promise<void> | void> = [];
const errors: string[] = [];

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const db = await createTestDatabase();
  const dir = tempDataDir();
  cleanup = [db.drop, dir.remove];
  server = await startKeel(testConfig({ databaseUrl: db.url, dataDir: dir.dir }), { dashboardsDist });
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  page = await context.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  for (const c of cleanup.reverse()) await c();
});

async function shoot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}-desktop.png`), fullPage: true });
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, storageState: await context.storageState() });
  const p = await phone.newPage();
  await p.goto(page.url());
  await p.waitForLoadState('networkidle');
  expect(await p.evaluate(() => document.documentElement.scrollWidth), `${name} fits a phone`).toBeLessThanOrEqual(390);
  await p.screenshot({ path: path.join(ARTIFACTS, `${name}-phone.png`), fullPage: true });
  await phone.close();
}

async function signInWithPassword(username: string, password: string): Promise<void> {
  const form = page.locator('keel-sign-in form').last();
  await form.getByLabel('Username').fill(username);
  await form.getByLabel('Password').fill(password);
  await form.getByRole('button', { name: 'Sign in' }).click();
}

describe('people and trust in the back office', () => {
  it("owner creates a 10% cashier; the cashier's 15% needs a manager's PIN; the audit page shows both", async () => {
    // A product to sell (by a script with an API token: the catalog pages are another issue's).
    const token = await createApiToken(server.db, 'catalog import', 'owner');
    const product = await fetch(`${server.url}/api/v1/products`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ sku: 'OLIVE-OIL', name: 'Olive oil 1 l', price: 2000, cost: 1100, taxClass: 'reduced' }),
    });
    expect(product.status).toBe(201);

    // First run: no users yet, so the back office asks for the owner.
    await page.goto(`${server.url}/admin`);
    await expect.poll(() => page.getByRole('heading', { name: 'Welcome to Keel' }).isVisible()).toBe(true);
    await shoot('first-run');
    await page.getByLabel('Username').fill(OWNER.username);
    await page.getByLabel('Your name').fill(OWNER.name);
    await page.getByLabel('Password', { exact: true }).fill(OWNER.password);
    await page.getByLabel('Password again').fill(OWNER.password);
    await page.getByLabel(/PIN for approvals/).fill(OWNER.pin);
    await page.getByRole('button', { name: 'Create owner and sign in' }).click();

    // Users: the owner adds a cashier with a 10% limit and a PIN.
    await expect.poll(() => page.getByTestId('who').textContent()).toContain('Olga Owner (owner)');
    const form = page.locator('keel-users form');
    await form.getByLabel('Username', { exact: true }).fill(CASHIER.username);
    await form.getByLabel('Name', { exact: true }).fill(CASHIER.name);
    await form.locator('select[name=role]').selectOption('cashier');
    await form.getByLabel(/Discount limit/).fill('10');
    await form.getByLabel(/Stores/).fill('1');
    await form.getByLabel(/PIN/).fill(CASHIER.pin);
    await form.getByRole('button', { name: 'Add person' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toContain('Cato Cashier can now sign in.');
    await expect.poll(() => page.getByTestId('users').textContent()).toMatch(/Cato Cashier\s*cato\s*cashier\s*10%\s*1\s*PIN/);
    await shoot('users');

    // The owner enrolls this browser as a till, then signs out.
    await page.getByRole('link', { name: 'Till' }).click();
    await page.getByLabel('Till name').fill('Front till');
    await page.getByRole('button', { name: 'Enroll this till' }).click();
    await expect.poll(() => page.getByText('This browser is Front till').isVisible()).toBe(true);
    await page.getByRole('button', { name: 'Sign out' }).click();

    // The cashier signs in with a PIN at the till.
    await expect.poll(() => page.getByRole('heading', { name: 'Front till' }).isVisible()).toBe(true);
    await shoot('sign-in');
    const pinForm = page.locator('keel-sign-in form').first();
    await pinForm.getByLabel('Username').fill(CASHIER.username);
    await pinForm.getByLabel('PIN').fill(CASHIER.pin);
    await pinForm.getByRole('button', { name: 'Sign in with PIN' }).click();
    await expect.poll(() => page.getByTestId('who').textContent()).toContain('Cato Cashier (cashier) · Front till');

    // 15% is over the 10% limit: refused, and the till asks for a manager.
    await page.goto(`${server.url}/dashboards/admin/#till`);
    await expect.poll(() => page.getByLabel('Product').textContent()).toContain('Olive oil 1 l');
    await page.getByLabel('Discount %').fill('15');
    await page.getByRole('button', { name: 'Charge' }).click();
    await expect.poll(() => page.getByTestId('approval-reason').textContent()).toContain('a 15% discount is over your 10% limit');
    expect(await page.getByTestId('sale-done').count()).toBe(0);
    expect(
      Number(
        (
          await server.db
            .selectFrom('sales')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      ),
    ).toBe(0);
    await shoot('till-approval');

    // A wrong PIN does not pass; the owner's PIN does.
    await page.getByLabel('Manager username').fill(OWNER.username);
    await page.getByLabel('Manager PIN').fill('0000');
    await page.getByRole('button', { name: 'Approve' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('wrong username or PIN');
    await page.getByLabel('Manager PIN').fill(OWNER.pin);
    await page.getByRole('button', { name: 'Approve' }).click();
    await expect.poll(() => page.getByTestId('sale-done').textContent()).toContain('Sale recorded: total 17.00 (discount 3.00)');
    await shoot('till-sold');

    // The owner signs back in with the password and reads the audit log.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signInWithPassword(OWNER.username, OWNER.password);
    await expect.poll(() => page.getByTestId('who').textContent()).toContain('Olga Owner (owner)');
    await page.getByRole('link', { name: 'Audit log' }).click();
    const audit = page.getByTestId('audit');
    await expect.poll(() => audit.textContent()).toContain('sale.discount_approved');
    const text = (await audit.textContent()) ?? '';
    expect(text).toMatch(/cato\s*sale\.discount_refused/);
    expect(text).toMatch(/olga\s*sale\.discount_approved/);
    expect(text).toContain('sale.approval_failed');
    expect(text).toContain('"discountBp":1500');
    await expect.poll(() => page.getByTestId('chain').textContent()).toMatch(/Hash chain intact \(\d+ entries\)/);
    await page.getByLabel('Action starts with').fill('sale.');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(async () => (await audit.locator('tbody tr').count()) > 0 && !((await audit.textContent()) ?? '').includes('auth.signed_in')).toBe(true);
    await shoot('audit');

    expect(errors).toEqual([]);
  });
});
