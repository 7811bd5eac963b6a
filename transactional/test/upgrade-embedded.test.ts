import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listBackups } from '../src/database-backup.js';
import { startKeel } from '../src/keel-server.js';
import { MIGRATIONS, type Migration } from '../src/migrations/index.js';
import { PGlitePool } from '../src/pglite-pool.js';
import { makeSale, seededRandom, TAX } from './support/sale-maker.js';
import { tempDataDir, testConfig } from './support/test-env.js';

/** The embedded database (PGlite, `npm start` with nothing configured) is backed up before an upgrade too, restorably. */
const run = promisify(execFile);
let dir: { dir: string; remove: () => void };

beforeAll(() => {
  dir = tempDataDir();
});
afterAll(() => dir?.remove());

const addGiftWrap: Migration = {
  version: 9101,
  name: 'gift wrap (test)',
  up: async (db) => {
    await sql`ALTER TABLE sales ADD COLUMN gift_wrap text`.execute(db);
  },
};

describe('upgrading the embedded database', () => {
  it('takes a PGlite archive before migrating that restores to the same sales', async () => {
    const config = testConfig({ dataDir: dir.dir }, { diskMinFreeBytes: 0, trustLoopback: true });
    const v1 = await startKeel(config, { dashboardsDist: null, migrations: MIGRATIONS });
    try {
      const product = await fetch(`${v1.url}/api/v1/products`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sku: 'EMB-1', name: 'Embedded eggs', price: 420, cost: 200, taxClass: 'reduced' }),
      }).then((r) => r.json());
      const rand = seededRandom(5);
      for (let i = 0; i < 6; i++) {
        const sale = makeSale(rand, [{ id: product.id, price: 420, tax: TAX.reduced as (typeof TAX)[string] }], 1, new Date());
        const res = await fetch(`${v1.url}/api/v1/sales`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(sale) });
        expect(res.status).toBe(201);
      }
    } finally {
      await v1.close();
    }

    const v2 = await startKeel(config, { dashboardsDist: null, migrations: [...MIGRATIONS, addGiftWrap] });
    expect(v2.schemaVersion).toBe(9101);
    await v2.close();

    const [backup] = listBackups(config.backupDir);
    expect(backup).toMatchObject({ kind: 'pglite', reason: 'pre-migration', schemaVersion: Math.max(...MIGRATIONS.map((m) => m.version)) });
    const restoredDir = path.join(dir.dir, 'restored');
    mkdirSync(restoredDir);
    await run('tar', ['-xzf', backup?.file as string, '-C', restoredDir]);
    const restored = await PGlitePool.open(restoredDir);
    try {
      const { rows } = await restored.query('SELECT count(*)::int AS n FROM sales');
      expect(rows).toEqual([{ n: 6 }]);
      const cols = await restored.query("SELECT column_name FROM information_schema.columns WHERE table_name = 'sales' AND column_name = 'gift_wrap'");
      expect(cols.rows).toEqual([]); // taken before the migration
    } finally {
      await restored.end();
    }
  });
});
