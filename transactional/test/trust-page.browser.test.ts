import { createHash, X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KeelServer, startKeel } from '../src/keel-server.js';
import { launchChromium } from './support/browser.js';
import { createTestDatabase, tempDataDir, testConfig } from './support/test-env.js';

/**
 * The /trust page in Debian's Chromium over Keel's HTTPS. Chromium is told to accept exactly this
 * server's key (as a till that installed the CA would), so the page is a secure context where the
 * checkout's service worker may run; the download is the CA certificate whose fingerprint is shown.
 */
const SHOTS = process.env.KEEL_SHOTS_DIR ?? '/tmp/shots-till-https';
let server: KeelServer;
let browser: Browser;
let dataDir: string;
const cleanup: Array<() => Promise<void> | void> = [];

beforeAll(async () => {
  const db = await createTestDatabase();
  const dir = tempDataDir();
  cleanup.push(db.drop, dir.remove);
  dataDir = dir.dir;
  server = await startKeel(testConfig({ databaseUrl: db.url, dataDir }, { httpsPort: 0, storeName: 'Corner Shop' }), {
    dashboardsDist: null,
    terminalDist: null,
  });
  const cert = new X509Certificate(readFileSync(path.join(dataDir, 'tls', 'server.crt')));
  const spki = createHash('sha256')
    .update(cert.publicKey.export({ type: 'spki', format: 'der' }))
    .digest('base64');
  browser = await launchChromium([`--ignore-certificate-errors-spki-list=${spki}`]);
  mkdirSync(SHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  for (const c of cleanup.reverse()) await c();
});

describe('the trust page', () => {
  for (const [label, viewport] of [
    ['desktop', { width: 1280, height: 800 }],
    ['phone', { width: 390, height: 844 }],
  ] as const) {
    it(`explains each device and hands out the CA certificate (${label})`, async () => {
      const context = await browser.newContext({ viewport, acceptDownloads: true });
      const page = await context.newPage();
      await page.goto(`${server.httpsUrl}/trust`);
      expect(await page.evaluate(() => window.isSecureContext && 'serviceWorker' in navigator)).toBe(true);
      const ca = readFileSync(path.join(dataDir, 'tls', 'ca.crt'), 'utf8');
      expect((await page.getByTestId('fingerprint').textContent())?.trim()).toBe(new X509Certificate(ca).fingerprint256);
      for (const h of ['Windows till', 'Linux till', 'iPhone or iPad', 'Android phone or tablet'])
        await expect(page.getByRole('heading', { name: h }).isVisible()).resolves.toBe(true);
      // Nothing wider than the screen on a phone.
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-ca').click()]);
      expect(download.suggestedFilename()).toBe('keel-ca.crt');
      expect(readFileSync((await download.path()) as string, 'utf8')).toBe(ca);
      await page.screenshot({ path: path.join(SHOTS, `trust-${label}.png`) });
      await page.screenshot({ path: path.join(SHOTS, `trust-${label}-full.png`), fullPage: true });
      await context.close();
    });
  }
});
