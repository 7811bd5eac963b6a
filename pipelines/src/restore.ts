import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Warehouse } from '@keel/warehouse';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { sharedFilesDir } from './backup.js';
import { checkBackup, extractFile, extractPart } from './backup-check.js';
import type { BackupManifest } from './backup-manifest.js';
import type { EmbeddedPostgres } from './embedded-postgres.js';
import type { PipelinesDatabase } from './pipelines-database.js';
import { pgRestore } from './postgres-dump.js';
import { databaseFingerprint, filesFingerprint, fingerprintDifferences, WAREHOUSE_FINGERPRINT_SELECT, type WarehouseFingerprint } from './store-fingerprint.js';

export interface RestoreTarget {
  /** The database to restore into: created when missing, refused when it already holds tables. */
  readonly databaseUrl?: string | undefined;
  /** For a backup of the embedded database: restored into dataDir/postgres, which must be empty. */
  readonly embedded?: EmbeddedPostgres | undefined;
  /** The warehouse to fill (migrated here); refused when sale_lines is not empty. */
  readonly warehouse: Warehouse;
  readonly dataDir: string;
}

export interface RestoreReport {
  readonly manifest: BackupManifest;
  readonly differences: readonly string[];
}

/**
 * Bring a machine back from a backup: check every part's checksum first (a damaged backup is
 * refused before anything changes), restore PostgreSQL, the warehouse and the files, then compare
 * the restored counts, sums, audit chain and file hashes with the manifest.
 */
export async function restoreBackup(dir: string, target: RestoreTarget, key: Buffer | undefined): Promise<RestoreReport> {
  const manifest = await checkBackup(dir);
  const pgliteDir = path.join(target.dataDir, 'postgres');
  if (manifest.postgres.kind === 'pglite') {
    if (!target.embedded) throw new Error('this is a backup of the embedded database: restore it without DATABASE_URL');
    if ((await readdir(pgliteDir).catch(() => [])).length > 0) throw new Error(`${pgliteDir} is not empty: restore into an empty DATA_DIR`);
  } else {
    if (!target.databaseUrl) throw new Error('this is a backup of a PostgreSQL server: set DATABASE_URL to the database to restore into');
    await ensureEmptyDatabase(target.databaseUrl);
  }
  const whCount = await target.warehouse.migrate().then(() => target.warehouse.query<{ n: number }>('SELECT count() AS n FROM sale_lines'));
  if ((whCount[0]?.n ?? 0) > 0) throw new Error('the warehouse already holds sale lines: restore into an empty data directory');

  const scratch = await mkdtemp(path.join(os.tmpdir(), 'keel-restore-'));
  try {
    const dump = path.join(scratch, 'postgres.dump');
    await extractPart(dir, manifest.postgres.part, dump, key);
    let restoredFingerprint: Awaited<ReturnType<typeof databaseFingerprint>>;
    if (manifest.postgres.kind === 'pglite') {
      const opened = await (target.embedded as EmbeddedPostgres).openFromDump(pgliteDir, await readFile(dump));
      try {
        restoredFingerprint = await databaseFingerprint(opened.db);
      } finally {
        await opened.close();
      }
    } else {
      const url = target.databaseUrl as string;
      await pgRestore(url, dump);
      restoredFingerprint = await withDatabase(url, databaseFingerprint);
    }
    await rm(dump, { force: true });

    if (manifest.warehouse) {
      const parquet = path.join(scratch, 'sale_lines.parquet');
      await extractPart(dir, manifest.warehouse.part, parquet, key);
      await target.warehouse.query('INSERT INTO sale_lines SELECT * FROM file({p:String}, Parquet)', { p: parquet });
    }
    const filesRoot = sharedFilesDir(target.dataDir);
    for (const f of manifest.files) await extractFile(dir, f.part, path.join(filesRoot, ...f.path.split('/')), key, scratch);

    const differences = fingerprintDifferences(manifest.fingerprint, restoredFingerprint);
    if (manifest.warehouseFingerprint) {
      const [wh] = await target.warehouse.query<WarehouseFingerprint>(`SELECT ${WAREHOUSE_FINGERPRINT_SELECT} FROM sale_lines`);
      differences.push(...fingerprintDifferences(manifest.warehouseFingerprint, wh ?? null, 'warehouse'));
    }
    differences.push(...fingerprintDifferences(stripParts(manifest.files), await filesFingerprint(filesRoot), 'files'));
    return { manifest, differences };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

export function stripParts(files: BackupManifest['files']): { path: string; sha256: string; bytes: number }[] {
  return files.map(({ path: p, sha256, bytes }) => ({ path: p, sha256, bytes }));
}

/** Run `fn` with a Kysely handle on `url`, closed afterwards. */
export async function withDatabase<T>(url: string, fn: (db: Kysely<PipelinesDatabase>) => Promise<T>): Promise<T> {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  pool.on('error', () => {
    // PostgreSQL ended an idle session (a restart, or the scratch database dropped WITH (FORCE) while a
    // session was still closing: a pool's end resolves before its sockets close). pg drops that client;
    // without a listener the 'error' is unhandled and ends the process.
  });
  const db = new Kysely<PipelinesDatabase>({ dialect: new PostgresDialect({ pool }) });
  try {
    return await fn(db);
  } finally {
    await db.destroy();
  }
}

function adminUrl(url: string): string {
  const u = new URL(url);
  u.pathname = '/postgres';
  return u.toString();
}

/** Create the database of `url` when missing; refuse when it already has tables. */
export async function ensureEmptyDatabase(url: string): Promise<void> {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error('the database name may hold letters, digits and _ only');
  const admin = new pg.Client({ connectionString: adminUrl(url) });
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const r = await c.query("SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'");
    if ((r.rows[0]?.n ?? 0) > 0) throw new Error(`database ${name} is not empty: restore into a new or empty database`);
  } finally {
    await c.end();
  }
}

/** A throwaway database next to `url` (same server), dropped by `drop()`. */
export async function scratchDatabase(url: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `keel_verify_${randomBytes(6).toString('hex')}`;
  const u = new URL(url);
  u.pathname = `/${name}`;
  await ensureEmptyDatabase(u.toString());
  return {
    url: u.toString(),
    drop: async () => {
      const admin = new pg.Client({ connectionString: adminUrl(url) });
      await admin.connect();
      try {
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await admin.end();
      }
    },
  };
}
