import { mkdirSync } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { dashboardsDist } from '@keel/dashboards/dist-path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './support/browser.js';
import { type FileWorld, fileWorld, PEOPLE, upload } from './support/file-people.js';

/**
 * The files page in Debian's Chromium against the real server: a manager signs in, uploads several
 * files at once, opens a folder, deletes and restores a file, restores an old version; an HTML file
 * is downloaded, never rendered. Screenshots at desktop and phone size.
 */
const ARTIFACTS = path.resolve(import.meta.dirname, '../../.test-artifacts');
/** A 16×16 orange square, made here (no binary files in the repo). */
const PNG = (() => {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(zlib.crc32(body), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(16, 0);
  header.writeUInt32BE(16, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const rows = Buffer.concat(Array.from({ length: 16 }, () => Buffer.from([0, ...Array.from({ length: 16 }, () => [234, 88, 12]).flat()])));
  return Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), chunk('IHDR', header), chunk('IDAT', zlib.deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
})();
let world: FileWorld;
let browser: Browser;
let context: BrowserContext;
let page: Page;
const errors: string[] = [];
const poll = <T>(fn: () => Promise<T> | T) => expect.poll(fn, { timeout: 15_000 });

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  world = await fileWorld({}, dashboardsDist);
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  page = await context.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('dialog', (d) => void d.dismiss());
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await world?.close();
});

async function shoot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}-desktop.png`), fullPage: true });
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, storageState: await context.storageState() });
  const p = await phone.newPage();
  await p.goto(page.url());
  await p.waitForLoadState('networkidle');
  await p.locator('keel-files table').first().waitFor();
  expect(await p.evaluate(() => document.documentElement.scrollWidth), `${name} fits a phone`).toBeLessThanOrEqual(390);
  await p.screenshot({ path: path.join(ARTIFACTS, `${name}-phone.png`), fullPage: true });
  await phone.close();
}

describe('files page', () => {
  it('signs in, uploads several files with progress, browses, deletes and restores, restores a version', async () => {
    await page.goto(`${world.server.url}/files/`);
    const form = page.locator('keel-sign-in form').last();
    await form.getByLabel('Username').fill(PEOPLE.manager.username);
    await form.getByLabel('Password').fill(PEOPLE.manager.password);
    await form.getByRole('button', { name: 'Sign in' }).click();
    await poll(() => page.locator('keel-files').getByRole('group', { name: 'Spaces' }).getByRole('button', { name: 'Main store' }).count()).toBe(1);

    const files = page.locator('keel-files');
    await files.getByLabel('New folder').fill('Supplier invoices');
    await files.getByRole('button', { name: 'Create folder' }).click();
    await files.getByRole('button', { name: 'Supplier invoices' }).click();
    await poll(() => files.locator('.crumbs').textContent()).toContain('Supplier invoices');
    await files.locator('input[type=file]').setInputFiles([
      { name: 'logo.png', mimeType: 'image/png', buffer: PNG },
      { name: 'invoice-0042.pdf', mimeType: 'application/pdf', buffer: Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(2_000_000, 32)]) },
      { name: 'price list.csv', mimeType: 'text/csv', buffer: Buffer.from('sku,price\nTEA,1000\n') },
    ]);
    await poll(() => files.locator('tbody tr').count()).toBe(3);
    expect(await files.locator('progress').count()).toBe(3);
    expect(await files.locator('tbody').textContent()).toContain('invoice-0042.pdf');
    // The thumbnail arrives after the row: wait for the image itself, then check it is the 16 px thumbnail.
    await poll(() => files.locator('img.thumb').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(16);
    await shoot('files-browse');

    // Delete a file, find it in the trash, restore it.
    await files.locator('tr', { hasText: 'price list.csv' }).getByRole('button', { name: 'Delete' }).click();
    await poll(() => files.locator('tbody tr').count()).toBe(2);
    await files.getByRole('button', { name: 'Trash' }).click();
    await poll(() => files.locator('tr', { hasText: 'price list.csv' }).count()).toBe(1);
    await page.screenshot({ path: path.join(ARTIFACTS, 'files-trash-desktop.png'), fullPage: true });
    await files.locator('tr', { hasText: 'price list.csv' }).getByRole('button', { name: 'Restore' }).click();
    await poll(() => files.locator('tr', { hasText: 'price list.csv' }).count()).toBe(0);

    // A second version uploaded elsewhere; restore the first from the page.
    const listing = await (await world.clients.manager.get(`/api/v1/files/search?q=price`)).json();
    const csv = listing.files[0];
    expect((await upload(world.clients.manager, csv.folderId, 'price list.csv', 'sku,price\nTEA,1200\n')).status).toBe(200);
    await files.getByRole('group', { name: 'Spaces' }).getByRole('button', { name: 'Main store' }).click();
    await files.getByRole('button', { name: 'Supplier invoices' }).click();
    await files.locator('tr', { hasText: 'price list.csv' }).getByRole('button', { name: 'Versions' }).click();
    await poll(() => files.locator('#versions-title').textContent()).toContain('price list.csv');
    await page.screenshot({ path: path.join(ARTIFACTS, 'files-versions-desktop.png'), fullPage: true });
    await files.locator('section', { hasText: 'Versions of' }).locator('tr', { hasText: 'v1' }).getByRole('button', { name: 'Restore' }).click();
    await poll(async () => (await world.clients.manager.get(`/api/v1/files/${csv.id}/content`)).text()).toBe('sku,price\nTEA,1000\n');
    expect(errors).toEqual([]);
  }, 120_000);

  it('downloads an HTML file with a script instead of rendering it', async () => {
    const res = await upload(world.clients.manager, world.storeSpaceId, 'menu.html', '<html><body><script>document.title="pwned"</script></body></html>');
    const file = await res.json();
    const download = page.waitForEvent('download');
    await page.goto(`${world.server.url}/api/v1/files/${file.id}/content?inline=true`).catch(() => undefined);
    expect((await download).suggestedFilename()).toBe('menu.html');
    expect(await page.title()).not.toBe('pwned');
  });
});
