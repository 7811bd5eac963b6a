import { readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { restoreBackup, verifyBackup } from '@keel/pipelines';
import { dailyTotals, openWarehouse } from '@keel/warehouse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KeelServer, startKeel } from '../src/keel-server.js';
import { embeddedRestore } from '../src/open-database.js';
import { eventually, pgDailyFigures } from './support/pg-figures.js';
import { makeSale, seededRandom, TAX, type TestProduct } from './support/sale-maker.js';
import { tempDataDir, testConfig } from './support/test-env.js';

/** `npm start` defaults (PGlite + chDB): the nightly backup job's output brings the store back. */
const data = tempDataDir();
const backups = tempDataDir();
let server: KeelServer | undefined;
const config = () => testConfig({ dataDir: data.dir }, { trustLoopback: true, jobsEnabled: false, backupDir: backups.dir });

beforeAll(async () => {
  server = await startKeel(config(), { dashboardsDist: null });
  const s = server;
  const res = await fetch(`${s.url}/api/v1/products`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sku: 'E-1', name: 'Coffee', price: 450, cost: 200, taxClass: 'standard' }),
  });
  const products: TestProduct[] = [{ id: (await res.json()).id, price: 450, tax: TAX.standard as TestProduct['tax'] }];
  const rand = seededRandom(5);
  for (let i = 0; i < 150; i++) {
    const sale = makeSale(rand, products, 1, new Date(Date.parse('2026-09-01T09:00:00Z') + i * 3_600_000));
    expect((await fetch(`${s.url}/api/v1/sales`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(sale) })).status).toBe(
      201,
    );
  }
  await eventually(async () => (await dailyTotals(s.warehouse, { from: '2026-09-01', to: '2026-09-30' })).reduce((n, d) => n + d.tickets, 0) === 150);
});

afterAll(async () => {
  await server?.close();
  data.remove();
  backups.remove();
});

describe('backup of the embedded database', () => {
  it('runs as a job, verifies, and restores into an empty data directory with identical figures', async () => {
    const s = server as KeelServer;
    const before = { pg: await pgDailyFigures(s.db), wh: await dailyTotals(s.warehouse, { from: '2026-09-01', to: '2026-09-30' }) };
    const run = await s.jobs.runNow('backup');
    expect(run.status).toBe('started');
    if (run.status === 'started') expect(await run.done).toMatchObject({ outcome: 'ok' });
    const [name] = readdirSync(backups.dir).filter((n) => n.startsWith('keel-'));
    const dir = path.join(backups.dir, name as string);
    expect(statSync(path.join(dir, 'postgres.tar.gz')).mode & 0o777).toBe(0o600);
    const verified = await verifyBackup(dir, { embedded: embeddedRestore, warehouse: s.warehouse, key: undefined });
    expect(verified.differences).toEqual([]);

    await s.close();
    server = undefined;
    rmSync(data.dir, { recursive: true, force: true });
    const warehouse = await openWarehouse({ dataDir: path.join(data.dir, 'warehouse') });
    try {
      const restored = await restoreBackup(dir, { embedded: embeddedRestore, warehouse, dataDir: data.dir }, undefined);
      expect(restored.differences).toEqual([]);
    } finally {
      await warehouse.close();
    }
    server = await startKeel(config(), { dashboardsDist: null });
    expect(await pgDailyFigures(server.db)).toEqual(before.pg);
    expect(await dailyTotals(server.warehouse, { from: '2026-09-01', to: '2026-09-30' })).toEqual(before.wh);
  });
});
