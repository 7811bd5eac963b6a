import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../src/api-tokens.js';
import { openDatabase } from '../src/open-database.js';
import { launchChromium } from './support/browser.js';
import { eventually } from './support/pg-figures.js';
import { addPeople, CASHIER, MANAGER } from './support/store-people.js';
import { TerminalDriver } from './support/terminal-driver.js';
import { createTestDatabase, tempDataDir } from './support/test-env.js';

/**
 * The store server dies (kill -9) during a shift: the terminal keeps selling from its snapshot and
 * journal, survives a reload while offline, quarantines a damaged journal entry, and when the server
 * is back every sale reaches PostgreSQL and the warehouse exactly once, with its till time and
 * cashier. Also: the server dies after committing a sale but before answering; the replay does not
 * duplicate it. The server runs as a child process so it can be killed and restarted on the same
 * port, database and data directory. While it is down the cashier's session ends (as if it had
 * expired): the till replays the journal with its own key for the cashier recorded with each sale.
 */
const ARTIFACTS = path.resolve(import.meta.dirname, '../../.test-artifacts');
const REPO = path.resolve(import.meta.dirname, '../..');
let browser: Browser;
let server: ChildProcess | undefined;
let port = 0;
let env: NodeJS.ProcessEnv;
let db: Awaited<ReturnType<typeof openDatabase>>;
let cleanup: Array<() => Promise<void> | void> = [];
const url = () => `http://127.0.0.1:${port}`;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

async function startServer(): Promise<void> {
  const log = openSync(path.join(env.DATA_DIR as string, 'server.log'), 'a');
  server = spawn(process.execPath, ['--import', 'tsx', 'transactional/src/main.ts'], { cwd: REPO, env, stdio: ['ignore', log, log] });
  closeSync(log);
  await eventually(async () => (await fetch(`${url()}/health`).catch(() => undefined))?.status === 200, 60_000);
  expect((await fetch(`${url()}/health`)).status).toBe(200);
}

function killServer(): Promise<void> {
  const child = server;
  server = undefined;
  if (!child || child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** The offline catalog's files in the till's OPFS: version, deltas kept beside the snapshot, and the snapshot file itself. */
function catalogMeta(page: Page) {
  return page.evaluate(async () => {
    const dir = await (await navigator.storage.getDirectory()).getDirectoryHandle('keel-catalog');
    const meta = JSON.parse(await (await (await dir.getFileHandle('meta.json')).getFile()).text()) as { version: number; snapshot: string; deltas: unknown[] };
    const snapshot = await (await dir.getFileHandle(meta.snapshot)).getFile();
    return { ...meta, snapshotBytes: snapshot.size, snapshotModified: snapshot.lastModified };
  });
}

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const pg = await createTestDatabase();
  const dir = tempDataDir();
  port = await freePort();
  const tag = Math.random().toString(36).slice(2, 10);
  env = {
    ...process.env,
    DATABASE_URL: pg.url,
    NATS_URL: 'nats://127.0.0.1:4222',
    NATS_STREAM: `KEEL_T_OFF_${tag.toUpperCase()}`,
    NATS_SUBJECT_PREFIX: `keeltoff${tag}`,
    NATS_CONSUMER: `warehouse_off_${tag}`,
    DATA_DIR: dir.dir,
    HOST: '127.0.0.1',
    PORT: String(port),
    STORE_TIMEZONE: 'UTC',
    LOG_LEVEL: 'warn',
    LOADER_BATCH_MS: '50',
    HTTPS_PORT: 'off',
  };
  await startServer();
  db = await openDatabase({ databaseUrl: pg.url, dataDir: dir.dir, poolSize: 2 });
  cleanup = [pg.drop, dir.remove, () => db.db.destroy()];
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await killServer();
  for (const c of cleanup.reverse()) await c();
});

describe('/terminal offline', () => {
  it('keeps selling through a server crash, a reload and an ended session, then every sale is recorded exactly once', async () => {
    const ownerToken = await createApiToken(db.db, 'setup script', 'owner');
    const auth = { authorization: `Bearer ${ownerToken}` };
    await addPeople(url(), ownerToken, [MANAGER, CASHIER]);
    for (const [sku, barcode, price] of [
      ['COFFEE', '4006381333931', 1290],
      ['MILK', '5012345678900', 149],
    ] as const) {
      const res = await fetch(`${url()}/api/v1/products`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...auth },
        body: JSON.stringify({ sku, barcode, name: sku, price, cost: 50, taxClass: 'standard' }),
      });
      expect(res.status).toBe(201);
    }
    const context = await browser.newContext({ viewport: { width: 1024, height: 768 } });
    const page = await context.newPage();
    const till = new TerminalDriver(page);
    await page.goto(`${url()}/terminal/`);
    await till.enroll(MANAGER);
    await till.signIn(CASHIER);
    await page.getByLabel('Opening float').fill('100');
    await page.keyboard.press('Enter');
    await page.getByLabel('Scan or search (name, SKU, code)').waitFor();
    // The till's products come from the offline catalog: an Arrow snapshot in OPFS, searched in a worker.
    expect(await page.locator('keel-terminal').getAttribute('data-catalog')).toBe('worker');
    expect(await catalogMeta(page)).toMatchObject({ deltas: [] });
    expect(await page.evaluate(async () => (await navigator.serviceWorker.ready).active?.state)).toBe('activated');
    await eventually(async () => page.evaluate(() => navigator.serviceWorker.controller !== null), 10_000);

    // Two sales online.
    for (let i = 0; i < 2; i++) {
      await till.scan('4006381333931');
      await till.pay([{ kind: 'cash', amount: 2000 }]);
    }
    await expect.poll(() => page.getByTestId('connection').textContent()).toBe('Online');

    // The server commits the next sale and dies before answering.
    let answered!: (status: number) => void;
    const committed = new Promise<number>((resolve) => {
      answered = resolve;
    });
    await page.route('**/api/v1/sales', async (route) => {
      const res = await route.fetch();
      await killServer();
      await route.abort('connectionreset');
      answered(res.status());
    });
    await till.scan('5012345678900');
    const lostAnswer = await till.pay([{ kind: 'cash', amount: 500 }]);
    expect(await committed).toBe(201);
    await page.unroute('**/api/v1/sales');
    await expect.poll(() => page.getByTestId('connection').textContent(), { timeout: 10_000 }).toContain('Offline');

    // 50 more sales with the server gone, a split tender among them, and a reload half-way.
    for (let i = 0; i < 50; i++) {
      if (i === 25) {
        await page.reload();
        await page.getByLabel('Scan or search (name, SKU, code)').waitFor();
        // Rebooted without the server: the catalog opened from the browser's storage (OPFS).
        expect(await page.locator('keel-terminal').getAttribute('data-catalog')).toBe('worker');
        await expect.poll(() => page.getByTestId('connection').textContent(), { timeout: 10_000 }).toBe('Offline · 26 sales waiting');
        await page.screenshot({ path: path.join(ARTIFACTS, 'terminal-offline.png'), fullPage: true });
      }
      await till.scan('4006381333931');
      if (i % 3 === 0) await till.scan('5012345678900');
      const total = await till.total();
      await till.pay(
        i === 7
          ? [
              { kind: 'card', amount: total - 300, ref: 'OFF7', last4: '1111' },
              { kind: 'cash', amount: 500 },
            ]
          : [{ kind: 'cash', amount: 5000 }],
      );
    }
    await expect.poll(() => page.getByTestId('connection').textContent()).toBe('Offline · 51 sales waiting');

    // A damaged journal entry (storage corruption): quarantined and reported, the rest still syncs.
    await page.evaluate(
      () =>
        new Promise<void>((resolve, reject) => {
          const open = indexedDB.open('keel-terminal');
          open.onsuccess = () => {
            const tx = open.result.transaction('journal', 'readwrite');
            tx.objectStore('journal').put({ id: 'not-a-sale', status: 'pending', request: { lines: 'garbage' } });
            tx.oncomplete = () => resolve();
            tx.onerror = () => reject(tx.error);
          };
        }),
    );
    const journal = (await page.evaluate(
      () =>
        new Promise((resolve) => {
          const open = indexedDB.open('keel-terminal');
          open.onsuccess = () => {
            const req = open.result.transaction('journal').objectStore('journal').getAll();
            req.onsuccess = () => resolve(req.result);
          };
        }),
    )) as Array<{ id: string; request?: { occurredAt?: string } }>;
    const tillTimes = new Map(journal.filter((e) => e.request?.occurredAt).map((e) => [e.id, e.request?.occurredAt as string]));
    expect(tillTimes.size).toBe(53);

    // The cashier's session ends while the server is away (idle expiry deletes it the same way).
    expect(Number((await db.db.deleteFrom('sessions').executeTakeFirst()).numDeletedRows)).toBeGreaterThan(0);

    await startServer();
    await expect.poll(() => page.getByTestId('connection').textContent(), { timeout: 30_000 }).toBe('Online');
    // The till asks for a PIN again, but the journal did not wait for it.
    await page.getByLabel('PIN', { exact: true }).waitFor();
    await expect.poll(() => page.getByTestId('flagged').textContent()).toContain('1 quarantined');

    // PostgreSQL: every sale once, with the till's time and the cashier.
    const rows = await db.db.selectFrom('sales').select(['id', 'occurred_at', 'cashier_id', 'business_day']).execute();
    expect(rows.length).toBe(53);
    expect(new Set(rows.map((r) => r.id)).size).toBe(53);
    expect(rows.filter((r) => r.id === lostAnswer).length).toBe(1);
    for (const r of rows) expect(r.occurred_at.toISOString()).toBe(tillTimes.get(r.id));
    const casey = await db.db.selectFrom('users').select('id').where('username', '=', CASHIER.username).executeTakeFirstOrThrow();
    expect(new Set(rows.map((r) => r.cashier_id))).toEqual(new Set([`user:${casey.id}`]));
    const replays = await db.db.selectFrom('audit_log').select(['actor', 'detail']).where('action', '=', 'sale.journal_replay').execute();
    expect(replays.length).toBeGreaterThan(0);
    expect(replays.every((r) => r.actor.startsWith('till:') && (r.detail as { cashier: string }).cashier === `user:${casey.id}`)).toBe(true);
    const split = await db.db.selectFrom('sale_tenders').select(['kind', 'reference']).where('kind', '=', 'card').execute();
    expect(split).toEqual([{ kind: 'card', reference: 'OFF7-1111' }]);

    // The warehouse (through the dashboard API) counts each sale once.
    const days = [...new Set(rows.map((r) => r.business_day))];
    const tickets = async () => {
      let n = 0;
      for (const day of days) n += (await (await fetch(`${url()}/api/v1/dashboard/summary?day=${day}`, { headers: auth })).json()).tickets;
      return n;
    };
    await eventually(async () => (await tickets()) >= 53, 30_000);
    expect(await tickets()).toBe(53);

    // Meanwhile the coffee's price changes on the server. The cashier signs in again: the till
    // fetches the change (a delta beside the stored snapshot, not a new download) and sells at it.
    const snapshotBefore = await catalogMeta(page);
    const coffee = (await (await fetch(`${url()}/api/v1/products?sku=COFFEE`, { headers: auth })).json()).items[0];
    const edit = await fetch(`${url()}/api/v1/products/${coffee.id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', ...auth },
      body: JSON.stringify({ version: coffee.version, price: 1350 }),
    });
    expect(edit.status).toBe(200);
    await till.signIn(CASHIER);
    await page.getByLabel('Scan or search (name, SKU, code)').waitFor();
    await till.scan('4006381333931');
    expect(await till.total()).toBe(1350);
    const snapshotAfter = await catalogMeta(page);
    expect(snapshotAfter.version).toBeGreaterThan(snapshotBefore.version);
    expect(snapshotAfter.deltas.length).toBeGreaterThan(snapshotBefore.deltas.length);
    expect(snapshotAfter.snapshotBytes).toBe(snapshotBefore.snapshotBytes);
    expect(snapshotAfter.snapshotModified).toBe(snapshotBefore.snapshotModified);
    await till.pay([{ kind: 'cash', amount: 2000 }]);
    await eventually(
      async () =>
        Number(
          (
            await db.db
              .selectFrom('sales')
              .select((eb) => eb.fn.countAll().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        ) === 54,
      10_000,
    );
    await context.close();
    // A whole shift of 54 sales through a crash and a reload: 80-95 s on a loaded 2-core machine.
  }, 300_000);
});
