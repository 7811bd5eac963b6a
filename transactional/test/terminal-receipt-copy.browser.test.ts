import { createHash, X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { formatMoney } from '@keel/core';
import { terminalDist } from '@keel/terminal-ui/dist-path';
import { simpleParser } from 'mailparser';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../src/api-tokens.js';
import { type KeelServer, startKeel } from '../src/keel-server.js';
import { launchChromium } from './support/browser.js';
import { pdfText } from './support/pdf-text.js';
import { SmtpSink } from './support/smtp-sink.js';
import { addPeople, CASHIER, MANAGER } from './support/store-people.js';
import { TerminalDriver } from './support/terminal-driver.js';
import { createTestDatabase, tempDataDir, testConfig } from './support/test-env.js';

/**
 * The checkout over Keel's own HTTPS in Debian's Chromium (which accepts exactly this server's key,
 * as a till that trusts the local CA would): a sale, then the receipt's "PDF" and "E-mail" buttons,
 * the PDF and the mail checked against the sale's total.
 */
const SHOTS = process.env.KEEL_SHOTS_DIR ?? '/tmp/shots-till-https';
const smtp = new SmtpSink();
let server: KeelServer;
let browser: Browser;
let dataDir: string;
const cleanup: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  await smtp.start();
  const db = await createTestDatabase();
  const dir = tempDataDir();
  cleanup.push(db.drop, dir.remove);
  dataDir = dir.dir;
  server = await startKeel(testConfig({ databaseUrl: db.url, dataDir }, { httpsPort: 0, jobsEnabled: false, smtpUrl: smtp.url, storeName: 'Corner Shop' }), {
    dashboardsDist: null,
    terminalDist,
  });
  const ownerToken = await createApiToken(server.db, 'setup script', 'owner');
  const res = await fetch(`${server.url}/api/v1/products`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ownerToken}` },
    body: JSON.stringify({ sku: 'COFFEE', barcode: '4006381333931', name: 'Coffee beans 500 g', price: 1290, cost: 600, taxClass: 'standard' }),
  });
  expect(res.status).toBe(201);
  await addPeople(server.url, ownerToken, [MANAGER, CASHIER]);
  const cert = new X509Certificate(readFileSync(path.join(dataDir, 'tls', 'server.crt')));
  const spki = createHash('sha256')
    .update(cert.publicKey.export({ type: 'spki', format: 'der' }))
    .digest('base64');
  browser = await launchChromium([`--ignore-certificate-errors-spki-list=${spki}`]);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await smtp.stop();
  for (const c of cleanup.reverse()) await c();
});

describe('/terminal over HTTPS: a copy of the receipt', () => {
  it('downloads the receipt as a PDF and mails it to the customer', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const till = new TerminalDriver(page);
    await page.goto(`${server.httpsUrl}/terminal/`);
    expect(await page.evaluate(() => window.isSecureContext)).toBe(true);
    await till.enroll(MANAGER, 'Front till');
    await till.signIn(CASHIER);
    await page.getByLabel('Opening float').fill('100.00');
    await page.getByLabel('Opening float').press('Enter');
    await page.getByLabel('Scan or search (name, SKU, code)').waitFor();
    await till.scan('4006381333931');
    await till.scan('4006381333931');
    const saleId = await till.pay([{ kind: 'cash', amount: 3000 }], { stayOnReceipt: true });
    const total = formatMoney(2580, 'EUR');
    expect((await page.getByTestId('receipt-total').textContent())?.trim()).toBe(total);
    // The service worker runs: this origin is a secure context to the browser.
    await expect.poll(() => page.evaluate(async () => (await navigator.serviceWorker.getRegistration()) !== undefined), { timeout: 15_000 }).toBe(true);

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('receipt-pdf').click()]);
    expect(download.suggestedFilename()).toBe(`receipt-${saleId.slice(0, 8)}.pdf`);
    const pdf = readFileSync((await download.path()) as string);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const text = pdfText(pdf);
    expect(text[text.indexOf('TOTAL') + 1]).toBe(total);
    expect(text).toContain(saleId);

    await page.getByTestId('receipt-mail').click();
    await page.getByTestId('receipt-mail-to').fill('a@b'); // the browser lets it through; the server does not
    await page.getByTestId('receipt-mail-send').click();
    await expect.poll(() => page.getByTestId('receipt-copy-note').textContent()).toBe('That is not an e-mail address.');
    await page.getByTestId('receipt-mail-to').fill('customer@example.test');
    await page.screenshot({ path: path.join(SHOTS, 'receipt-mail-desktop.png'), fullPage: true });
    await page.getByTestId('receipt-mail-send').click();
    await expect.poll(() => page.getByTestId('receipt-copy-note').textContent(), { timeout: 15_000 }).toBe('Receipt sent to customer@example.test.');
    await page.screenshot({ path: path.join(SHOTS, 'receipt-sent-desktop.png'), fullPage: true });
    const mails = smtp.to('customer@example.test');
    expect(mails).toHaveLength(1);
    const mail = await simpleParser((mails[0] as { raw: Buffer }).raw);
    expect(mail.subject).toContain(total);
    expect(pdfText(mail.attachments[0]?.content as Buffer)).toContain(total);

    // The same receipt on a phone-sized screen, with the e-mail form open.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByTestId('receipt-mail').click();
    await page.getByTestId('receipt-mail-to').fill('someone@example.test');
    await page.screenshot({ path: path.join(SHOTS, 'receipt-mail-phone.png'), fullPage: true });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    expect(errors).toEqual([]);
    await context.close();
  });
});
