import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, cp, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import type { Warehouse } from '@keel/warehouse';
import { type Kysely, sql } from 'kysely';
import { BACKUP_NAME, type BackupManifest, backupName, backupTime, MANIFEST } from './backup-manifest.js';
import { backupsToKeep, DEFAULT_RETENTION, type RetentionPolicy } from './backup-retention.js';
import type { EmbeddedPostgres } from './embedded-postgres.js';
import { writePart } from './part-cipher.js';
import type { PipelinesDatabase } from './pipelines-database.js';
import { pgDump } from './postgres-dump.js';
import { databaseFingerprint, filesFingerprint, WAREHOUSE_FINGERPRINT_SELECT, type WarehouseFingerprint } from './store-fingerprint.js';

export interface BackupSources {
  readonly db: Kysely<PipelinesDatabase>;
  /** PostgreSQL URL (pg_dump); when unset, `embedded` (PGlite) is backed up. */
  readonly databaseUrl: string | undefined;
  readonly embedded?: EmbeddedPostgres | undefined;
  readonly warehouse: Warehouse;
  readonly dataDir: string;
  readonly storeId: number;
  /** Configuration to record, without secrets. */
  readonly config: Record<string, unknown>;
}

export interface BackupOptions {
  /** Where backups go: one directory per backup, keel-<UTC time>. */
  readonly dir: string;
  /** A second directory or mount that receives a copy. */
  readonly copyDir?: string | undefined;
  /** AES-256-GCM key; parts are encrypted when given. */
  readonly key?: Buffer | undefined;
  readonly retention?: RetentionPolicy;
  readonly now: Date;
}

export interface BackupResult {
  readonly path: string;
  readonly bytes: number;
  readonly manifest: BackupManifest;
  readonly pruned: readonly string[];
}

/** Files a backup covers besides the databases: DATA_DIR/files. */
export function sharedFilesDir(dataDir: string): string {
  return path.join(dataDir, 'files');
}

/**
 * Back up PostgreSQL (pg_dump custom format), the warehouse (Parquet of sale_lines, from which the
 * views rebuild every aggregate), the shared files and the configuration into a new directory
 * (0700, files 0600). Each part is checksummed (sha256) and, with a key, encrypted. The manifest
 * records the counts, sums, audit chain and file hashes a restore must reproduce. Then old backups
 * are pruned by the retention policy and the new one is copied to `copyDir`.
 */
export async function createBackup(src: BackupSources, opts: BackupOptions): Promise<BackupResult> {
  if (!src.databaseUrl && !src.embedded) throw new Error('nothing to back up: no DATABASE_URL and no embedded database');
  const name = backupName(opts.now);
  const final = path.join(opts.dir, name);
  const work = path.join(opts.dir, `.${name}.partial`);
  await mkdir(opts.dir, { recursive: true, mode: 0o700 });
  await rm(work, { recursive: true, force: true });
  await mkdir(path.join(work, 'files'), { recursive: true, mode: 0o700 });
  const scratch = path.join(work, '.plain');
  await mkdir(scratch, { mode: 0o700 });
  try {
    const parts: BackupManifest['parts'] = [];
    const store = async (plain: string, partName: string) => {
      const r = await writePart(plain, path.join(work, partName), opts.key);
      await rm(plain, { force: true });
      parts.push({ name: partName, ...r });
    };

    let fingerprint: BackupManifest['fingerprint'];
    let postgres: BackupManifest['postgres'];
    const databaseUrl = src.databaseUrl;
    if (databaseUrl) {
      // The figures and the dump see one snapshot: the transaction exports it and pg_dump uses it,
      // so sales landing meanwhile are in neither.
      const pgPlain = path.join(scratch, 'postgres.dump');
      fingerprint = await src.db
        .transaction()
        .setIsolationLevel('repeatable read')
        .execute(async (tx) => {
          const { rows } = await sql<{ id: string }>`SELECT pg_export_snapshot() AS id`.execute(tx);
          const fp = await databaseFingerprint(tx);
          await pgDump(databaseUrl, pgPlain, rows[0]?.id);
          return fp;
        });
      await store(pgPlain, 'postgres.dump');
      postgres = { kind: 'postgresql', part: 'postgres.dump' };
    } else {
      // PGlite: dump the data directory, then take the figures from that very copy.
      const embedded = src.embedded as EmbeddedPostgres;
      const tarball = await embedded.dump();
      const plain = path.join(scratch, 'postgres.tar.gz');
      await writeFile(plain, tarball, { mode: 0o600 });
      const copy = await embedded.openFromDump(path.join(scratch, 'pglite-check'), tarball);
      try {
        fingerprint = await databaseFingerprint(copy.db);
      } finally {
        await copy.close();
      }
      await rm(path.join(scratch, 'pglite-check'), { recursive: true, force: true });
      await store(plain, 'postgres.tar.gz');
      postgres = { kind: 'pglite', part: 'postgres.tar.gz' };
    }

    let warehouse: BackupManifest['warehouse'] = null;
    let warehouseFingerprint: WarehouseFingerprint | null = null;
    if (src.warehouse.kind === 'chdb') {
      const whPlain = path.join(scratch, 'sale_lines.parquet');
      if (/['\\]/.test(whPlain)) throw new Error('the backup directory path may not contain quotes or backslashes');
      await src.warehouse.query(`SELECT * FROM sale_lines INTO OUTFILE '${whPlain}' TRUNCATE COMPRESSION 'none' FORMAT Parquet`);
      const [fp] = await src.warehouse.query<WarehouseFingerprint>(`SELECT ${WAREHOUSE_FINGERPRINT_SELECT} FROM file({p:String}, Parquet)`, { p: whPlain });
      warehouseFingerprint = fp ?? null;
      await chmod(whPlain, 0o600);
      await store(whPlain, 'sale_lines.parquet');
      warehouse = { table: 'sale_lines', part: 'sale_lines.parquet' };
    }

    const filesRoot = sharedFilesDir(src.dataDir);
    const fileList = await filesFingerprint(filesRoot);
    const files: BackupManifest['files'] = [];
    for (const [i, f] of fileList.entries()) {
      const gz = path.join(scratch, `${i}.gz`);
      await pipeline(createReadStream(path.join(filesRoot, f.path)), createGzip(), createWriteStream(gz, { mode: 0o600 }));
      const part = `files/${i}.gz`;
      await store(gz, part);
      files.push({ ...f, part });
    }

    await rm(scratch, { recursive: true, force: true });
    const manifest: BackupManifest = {
      format: 'keel-backup',
      version: 1,
      createdAt: opts.now.toISOString(),
      storeId: src.storeId,
      encrypted: opts.key !== undefined,
      postgres,
      warehouse,
      parts,
      files,
      fingerprint,
      warehouseFingerprint,
      config: src.config,
    };
    await writeFile(path.join(work, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`, { mode: 0o600 });
    await rm(final, { recursive: true, force: true });
    await rename(work, final);

    const pruned = await pruneBackups(opts.dir, opts.retention ?? DEFAULT_RETENTION);
    if (opts.copyDir) {
      await mkdir(opts.copyDir, { recursive: true, mode: 0o700 });
      await cp(final, path.join(opts.copyDir, name), { recursive: true, preserveTimestamps: true });
      pruned.push(...(await pruneBackups(opts.copyDir, opts.retention ?? DEFAULT_RETENTION)));
    }
    return { path: final, bytes: parts.reduce((s, p) => s + p.bytes, 0), manifest, pruned };
  } catch (e) {
    await rm(work, { recursive: true, force: true });
    throw e;
  }
}

/** Delete the backups in `dir` that the policy does not keep; returns their paths. */
export async function pruneBackups(dir: string, policy: RetentionPolicy): Promise<string[]> {
  const names = (await readdir(dir)).filter((n) => BACKUP_NAME.test(n));
  const keep = backupsToKeep(
    names.map((n) => backupTime(n) as Date),
    policy,
  );
  const removed: string[] = [];
  for (const n of names) {
    if (keep.has((backupTime(n) as Date).getTime())) continue;
    await rm(path.join(dir, n), { recursive: true, force: true });
    removed.push(path.join(dir, n));
  }
  return removed;
}
