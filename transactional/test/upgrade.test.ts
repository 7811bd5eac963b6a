import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listBackups, pgEnv } from '../src/database-backup.js';
import { type KeelServer, startKeel } from '../src/keel-server.js';
import { MIGRATIONS, type Migration } from '../src/migrations/index.js';
import { makeSale, seededRandom, TAX } from './support/sale-maker.js';
import { createTestDatabase, tempDataDir, testConfig } from './support/test-env.js';

/**
 * An upgrade as a store lives it: a database made by the shipped migration set, with real sales, meets
 * a newer Keel whose second new migration fails half way. The database must be left exactly as it was
 * (backed up first), and the previous version must still start and sell on it.
 */
const run = promisify(execFile);
const previous = MIGRATIONS;
const previousVersion = Math.max(...previous.map((m) => m.version));
const addLoyalty: Migration = {
  version: 9001,
  name: 'loyalty (test)',
  up: async (db) => {
    await sql`ALTER TABLE sales ADD COLUMN loyalty_card text; CREATE TABLE loyalty_cards (id text PRIMARY KEY)`.execute(db);
  },
};
const failsHalfway: Migration = {
  version: 9002,
  name: 'broken (test)',
  up: async (db) => {
    await sql`CREATE TABLE half_done (id int)`.execute(db);
    await sql`UPDATE sales SET total = total / 0`.execute(db);
  },
};

let database: { url: string; drop: () => Promise<void> };
let dir: { dir: string; remove: () => void };
let config: ReturnType<typeof testConfig>;
const made: string[] = [];

async function snapshot(db: Kysely<unknown>) {
  const columns = await sql<{ t: string; c: string; ty: string }>`
    SELECT table_name AS t, column_name AS c, data_type AS ty FROM information_schema.columns
    WHERE table_schema = 'public' ORDER BY table_name, column_name`.execute(db);
  const sales = await sql<{ n: number; total: number }>`SELECT count(*)::int AS n, coalesce(sum(total), 0)::bigint AS total FROM sales`.execute(db);
  const versions = await sql<{ version: number }>`SELECT version FROM keel_migrations ORDER BY version`.execute(db);
  return { columns: columns.rows, sales: sales.rows[0], versions: versions.rows.map((r) => r.version) };
}

async function sell(server: KeelServer, n: number, seed: number): Promise<void> {
  const post = (body: unknown) =>
    fetch(`${server.url}/api/v1/sales`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const product = await fetch(`${server.url}/api/v1/products`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sku: `UPG-${seed}`, name: 'Upgrade test bread', price: 250, cost: 90, taxClass: 'reduced' }),
  }).then((r) => r.json());
  const rand = seededRandom(seed);
  for (let i = 0; i < n; i++) {
    const sale = makeSale(rand, [{ id: product.id, price: 250, tax: TAX.reduced as (typeof TAX)[string] }], 1, new Date());
    const res = await post(sale);
    expect(res.status).toBe(201);
    made.push(sale.id);
  }
}

beforeAll(async () => {
  database = await createTestDatabase();
  dir = tempDataDir();
  config = testConfig({ databaseUrl: database.url, dataDir: dir.dir }, { diskMinFreeBytes: 0, trustLoopback: true });
  const v1 = await startKeel(config, { dashboardsDist: null, migrations: previous });
  try {
    await sell(v1, 25, 11);
  } finally {
    await v1.close();
  }
});

afterAll(async () => {
  await database?.drop();
  dir?.remove();
});

describe('upgrading the database', () => {
  it('a failing migration leaves the database as it was, after a verified backup, and the old version still runs', async () => {
    const probe = await startKeel(config, { dashboardsDist: null, migrations: previous, listen: false });
    const before = await snapshot(probe.db as unknown as Kysely<unknown>);
    await probe.close();
    expect(before.sales?.n).toBe(25);
    expect(before.versions.at(-1)).toBe(previousVersion);

    await expect(startKeel(config, { dashboardsDist: null, migrations: [...previous, addLoyalty, failsHalfway] })).rejects.toThrow(
      /migration 9002 \(broken \(test\)\) failed: division by zero; no migration of this run was applied/,
    );

    // The previous version starts on the untouched database and keeps selling.
    const old = await startKeel(config, { dashboardsDist: null, migrations: previous });
    try {
      expect(await snapshot(old.db as unknown as Kysely<unknown>)).toEqual(before);
      const health = await fetch(`${old.url}/health`).then((r) => r.json());
      expect(health.schemaVersion).toBe(previousVersion);
      await sell(old, 3, 12);
    } finally {
      await old.close();
    }

    // A backup was taken before the failed attempt, was read back, and restores to the 25 sales.
    const backups = listBackups(config.backupDir);
    expect(backups).toHaveLength(1);
    const [backup] = backups;
    expect(backup).toMatchObject({ kind: 'pg_dump', reason: 'pre-migration', schemaVersion: previousVersion });
    expect(backup?.verifiedAt).not.toBeNull();
    expect(existsSync(backup?.file as string)).toBe(true);
    const restored = await createTestDatabase();
    try {
      await run('pg_restore', ['--no-owner', '--exit-on-error', `--dbname=${pgEnv(restored.url).PGDATABASE}`, backup?.file as string], {
        env: { ...process.env, ...pgEnv(restored.url) },
      });
      const c = new pg.Client({ connectionString: restored.url });
      await c.connect();
      const { rows } = await c.query('SELECT count(*)::int AS n FROM sales');
      await c.end();
      expect(rows[0].n).toBe(25);
    } finally {
      await restored.drop();
    }
  });

  it('a good migration upgrades the database with its sales, and /health shows the new schema version', async () => {
    const server = await startKeel(config, { dashboardsDist: null, migrations: [...previous, addLoyalty] });
    try {
      const health = await fetch(`${server.url}/health`).then((r) => r.json());
      expect(health.schemaVersion).toBe(9001);
      const after = await snapshot(server.db as unknown as Kysely<unknown>);
      expect(after.sales?.n).toBe(28);
      expect(after.columns).toContainEqual({ t: 'sales', c: 'loyalty_card', ty: 'text' });
      const ids = await sql<{ id: string }>`SELECT id::text AS id FROM sales`.execute(server.db);
      expect(new Set(ids.rows.map((r) => r.id))).toEqual(new Set(made));
      const metrics = await server.metrics.text();
      expect(metrics).toContain('keel_job_runs_total{job="backup"} 1');
      expect(metrics).toContain('keel_schema_version 9001');
    } finally {
      await server.close();
    }
    expect(listBackups(config.backupDir).map((b) => b.schemaVersion)).toEqual([previousVersion, previousVersion]);
  });
});
