import { randomBytes } from 'node:crypto';
import { cpSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BackupDamagedError, createBackup, restoreBackup, verifyBackup } from '@keel/pipelines';
import { dailyTotals, openWarehouse } from '@keel/warehouse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit } from '../src/audit-log.js';
import { type KeelServer, pipelinesConfig, startKeel } from '../src/keel-server.js';
import { eventually, pgDailyFigures } from './support/pg-figures.js';
import { makeSale, seededRandom, TAX, type TestProduct } from './support/sale-maker.js';
import { createTestDatabase, tempDataDir, testConfig } from './support/test-env.js';

/**
 * A store with products, 2,000 sales, shared files and audit entries is backed up (encrypted),
 * verified, then its database and data directory are dropped; restore brings everything back and
 * the counts, sums, audit chain, file hashes and warehouse figures are identical. A damaged backup
 * is refused before anything changes.
 */
const SALES = 2000;
const key = randomBytes(32);
let database: Awaited<ReturnType<typeof createTestDatabase>>;
const data = tempDataDir();
const backups = tempDataDir();
let server: KeelServer | undefined;
let backupPath = '';
let before: { pg: unknown; wh: unknown; files: Record<string, string>; products: unknown };
const range = { from: '2026-10-01', to: '2026-10-31' };

const config = () => testConfig({ databaseUrl: database.url, dataDir: data.dir }, { trustLoopback: true, jobsEnabled: false });

function readFiles(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else out[path.relative(root, full)] = readFileSync(full).toString('base64');
    }
  };
  walk(root);
  return out;
}

beforeAll(async () => {
  database = await createTestDatabase();
  server = await startKeel(config(), { dashboardsDist: null });
  const s = server;
  const products: TestProduct[] = [];
  for (let i = 0; i < 40; i++) {
    const price = 120 + ((i * 331) % 3000);
    const taxClass = (['standard', 'reduced', 'zero'] as const)[i % 3] as 'standard';
    const res = await fetch(`${s.url}/api/v1/products`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sku: `B-${i}`, name: `Item ${i}`, price, cost: Math.floor(price / 2), taxClass }),
    });
    products.push({ id: (await res.json()).id, price, tax: TAX[taxClass] as TestProduct['tax'] });
  }
  const rand = seededRandom(77);
  const base = Date.parse('2026-10-01T07:00:00Z');
  const sales = Array.from({ length: SALES }, (_, i) => makeSale(rand, products, 1, new Date(base + Math.floor((i / SALES) * 30 * 86_400_000))));
  const post = async () => {
    for (let sale = sales.shift(); sale; sale = sales.shift()) {
      const res = await fetch(`${s.url}/api/v1/sales`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(sale) });
      if (res.status !== 201) throw new Error(`sale refused: ${res.status}`);
    }
  };
  await Promise.all([post(), post(), post(), post()]);
  for (let i = 0; i < 25; i++) {
    await appendAudit(s.db, {
      actor: `user-${i % 3}`,
      action: 'price.change',
      subject: `product:${i}`,
      detail: { from: i, to: i + 1, note: 'é ü' },
      requestId: null,
    });
  }
  mkdirSync(path.join(data.dir, 'files', 'logos'), { recursive: true });
  writeFileSync(path.join(data.dir, 'files', 'logos', 'store.png'), randomBytes(50_000));
  writeFileSync(path.join(data.dir, 'files', 'terms.txt'), 'Returns within 30 days.\n');
  while ((await s.pipeline.relayNow()) > 0);
  await eventually(async () => (await dailyTotals(s.warehouse, range)).reduce((n, d) => n + d.tickets, 0) === SALES);
  before = {
    pg: await pgDailyFigures(s.db),
    wh: await dailyTotals(s.warehouse, range),
    files: readFiles(path.join(data.dir, 'files')),
    products: await s.db.selectFrom('products').selectAll().orderBy('id').execute(),
  };
});

afterAll(async () => {
  await server?.close();
  await database?.drop();
  data.remove();
  backups.remove();
});

describe('backup and restore', () => {
  it('writes an encrypted, checksummed backup readable by its owner only, and verifies it in a scratch database', async () => {
    const s = server as KeelServer;
    const pc = pipelinesConfig(config());
    const result = await createBackup(
      { db: s.db as never, databaseUrl: database.url, warehouse: s.warehouse, dataDir: data.dir, storeId: 1, config: pc.configRecord },
      { dir: backups.dir, key, now: new Date() },
    );
    backupPath = result.path;
    expect(statSync(backupPath).mode & 0o777).toBe(0o700);
    const partFiles = result.manifest.parts.map((p) => path.join(backupPath, p.name));
    expect(partFiles.length).toBe(4); // database, warehouse, two files
    for (const f of [...partFiles, path.join(backupPath, 'manifest.json')]) expect(statSync(f).mode & 0o777).toBe(0o600);
    expect(
      readFileSync(partFiles[0] as string)
        .subarray(0, 8)
        .toString(),
    ).toBe('KEELENC1');
    expect(result.manifest.fingerprint.counts.sales).toBe(SALES);
    expect(result.manifest.fingerprint.counts.audit_log).toBeGreaterThanOrEqual(25);

    const report = await verifyBackup(backupPath, { databaseUrl: database.url, warehouse: s.warehouse, key });
    expect(report.differences).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.checked.auditChain).toBe(result.manifest.fingerprint.auditChain);
    expect(report.checked.files).toBe(2);
  });

  it('refuses a damaged backup with a clear message, before changing anything', async () => {
    const damaged = path.join(backups.dir, 'damaged');
    cpSync(backupPath, damaged, { recursive: true });
    const dump = path.join(damaged, 'postgres.dump');
    const bytes = readFileSync(dump);
    const at = Math.floor(bytes.length / 2);
    bytes.writeUInt8((bytes.readUInt8(at) + 1) % 256, at);
    writeFileSync(dump, bytes);
    const untouched = new URL(database.url);
    untouched.pathname = `/${untouched.pathname.slice(1)}_never`;
    const target = { databaseUrl: untouched.toString(), warehouse: (server as KeelServer).warehouse, dataDir: path.join(backups.dir, 'never') };
    const refused = restoreBackup(damaged, target, key);
    await expect(refused).rejects.toBeInstanceOf(BackupDamagedError);
    await expect(refused).rejects.toThrow(/damaged and was refused: postgres\.dump is corrupt/);
    await expect(verifyBackup(damaged, { databaseUrl: database.url, warehouse: (server as KeelServer).warehouse, key })).rejects.toThrow(
      /postgres\.dump is corrupt/,
    );
    const admin = await import('pg').then((pg) => new pg.default.Client({ connectionString: database.url }));
    await admin.connect();
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [untouched.pathname.slice(1)]);
    await admin.end();
    expect(exists.rowCount).toBe(0);
  });

  it('brings the store back on an empty machine: same figures, files, audit chain and warehouse', async () => {
    await (server as KeelServer).close();
    server = undefined;
    await database.drop(); // the database is gone
    data.remove(); // and the data directory (warehouse, files)
    expect(() => statSync(data.dir)).toThrow();

    const warehouse = await openWarehouse({ dataDir: path.join(data.dir, 'warehouse') });
    try {
      const report = await restoreBackup(backupPath, { databaseUrl: database.url, warehouse, dataDir: data.dir }, key);
      expect(report.differences).toEqual([]);
    } finally {
      await warehouse.close();
    }

    server = await startKeel(config(), { dashboardsDist: null });
    const s = server;
    expect(await pgDailyFigures(s.db)).toEqual(before.pg);
    expect(await dailyTotals(s.warehouse, range)).toEqual(before.wh);
    expect(readFiles(path.join(data.dir, 'files'))).toEqual(before.files);
    expect(await s.db.selectFrom('products').selectAll().orderBy('id').execute()).toEqual(before.products);
    // And it sells again.
    const product = (before.products as { id: number; price: number }[])[0] as { id: number; price: number };
    const sale = makeSale(seededRandom(1), [{ id: product.id, price: product.price, tax: TAX.standard as TestProduct['tax'] }], 1, new Date());
    const res = await fetch(`${s.url}/api/v1/sales`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(sale) });
    expect(res.status).toBe(201);
  });
});
