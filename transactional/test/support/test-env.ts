import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { type KeelConfig, readConfig } from '../../src/config.js';

const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** A fresh PostgreSQL database on the real server for one test file; dropped by `drop()`. */
export async function createTestDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `keel_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  return {
    url: `postgres://postgres@127.0.0.1:5432/${name}`,
    drop: async () => {
      const c = new pg.Client({ connectionString: ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** A scratch data directory (chDB, PGlite) removed by `remove()`. */
export function tempDataDir(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'keel-test-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Config for a test server on a random port, with its own NATS stream and subjects when NATS is used. */
export function testConfig(opts: { databaseUrl?: string; dataDir: string; nats?: boolean }, overrides: Partial<KeelConfig> = {}): KeelConfig {
  const tag = randomUUID().replace(/-/g, '').slice(0, 12);
  return readConfig(
    {
      PORT: '0',
      HTTPS_PORT: 'off',
      DATABASE_URL: opts.databaseUrl,
      NATS_URL: opts.nats ? 'nats://127.0.0.1:4222' : undefined,
      NATS_STREAM: `KEEL_T_${tag}`,
      NATS_SUBJECT_PREFIX: `keelt${tag}`,
      NATS_CONSUMER: `warehouse_${tag}`,
      DATA_DIR: opts.dataDir,
      STORE_TIMEZONE: 'Europe/Paris',
      LOG_LEVEL: 'warn',
      LOADER_BATCH_MS: '50',
      LOADER_UNWATCHED_MS: '50',
      ANALYST_PORT: 'off',
    },
    process.cwd(),
    overrides,
  );
}

/** A TCP port free on 127.0.0.1 right now (for a second listener such as the analyst endpoint). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
