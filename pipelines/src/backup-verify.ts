import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Warehouse } from '@keel/warehouse';
import { checkBackup, extractFile, extractPart } from './backup-check.js';
import type { BackupManifest } from './backup-manifest.js';
import type { EmbeddedPostgres } from './embedded-postgres.js';
import { pgRestore } from './postgres-dump.js';
import { scratchDatabase, stripParts, withDatabase } from './restore.js';
import { databaseFingerprint, filesFingerprint, fingerprintDifferences, WAREHOUSE_FINGERPRINT_SELECT, type WarehouseFingerprint } from './store-fingerprint.js';

export interface VerifyReport {
  readonly manifest: BackupManifest;
  readonly ok: boolean;
  readonly differences: readonly string[];
  readonly checked: { tables: number; rows: number; auditChain: string; files: number; warehouseLines: number | null };
}

/**
 * Prove a backup restores: checksums, then PostgreSQL restored into a scratch database on the same
 * server and its counts, sums and audit chain compared with the manifest; the warehouse Parquet's
 * row count and sums; every shared file's hash. Nothing live is touched; the scratch is dropped.
 */
export async function verifyBackup(
  dir: string,
  opts: { databaseUrl?: string | undefined; embedded?: EmbeddedPostgres | undefined; warehouse: Warehouse; key: Buffer | undefined },
): Promise<VerifyReport> {
  const manifest = await checkBackup(dir);
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'keel-verify-'));
  let dropScratch = async () => {};
  try {
    const dump = path.join(scratch, 'postgres.dump');
    await extractPart(dir, manifest.postgres.part, dump, opts.key);
    let restored: Awaited<ReturnType<typeof databaseFingerprint>>;
    if (manifest.postgres.kind === 'pglite') {
      if (!opts.embedded) throw new Error('this is a backup of the embedded database: verify it without DATABASE_URL');
      const opened = await opts.embedded.openFromDump(path.join(scratch, 'pglite'), await readFile(dump));
      try {
        restored = await databaseFingerprint(opened.db);
      } finally {
        await opened.close();
      }
    } else {
      if (!opts.databaseUrl) throw new Error('this is a backup of a PostgreSQL server: set DATABASE_URL (a scratch database is made beside it)');
      const database = await scratchDatabase(opts.databaseUrl);
      dropScratch = database.drop;
      await pgRestore(database.url, dump);
      restored = await withDatabase(database.url, databaseFingerprint);
    }
    const differences = fingerprintDifferences(manifest.fingerprint, restored);

    let warehouseLines: number | null = null;
    if (manifest.warehouse) {
      const parquet = path.join(scratch, 'sale_lines.parquet');
      await extractPart(dir, manifest.warehouse.part, parquet, opts.key);
      const [wh] = await opts.warehouse.query<WarehouseFingerprint>(`SELECT ${WAREHOUSE_FINGERPRINT_SELECT} FROM file({p:String}, Parquet)`, { p: parquet });
      warehouseLines = wh?.saleLines ?? 0;
      differences.push(...fingerprintDifferences(manifest.warehouseFingerprint, wh ?? null, 'warehouse'));
    }
    const filesRoot = path.join(scratch, 'files');
    for (const f of manifest.files) await extractFile(dir, f.part, path.join(filesRoot, ...f.path.split('/')), opts.key, scratch);
    differences.push(...fingerprintDifferences(stripParts(manifest.files), await filesFingerprint(filesRoot), 'files'));
    return {
      manifest,
      ok: differences.length === 0,
      differences,
      checked: {
        tables: Object.keys(restored.counts).length,
        rows: Object.values(restored.counts).reduce((s, n) => s + n, 0),
        auditChain: restored.auditChain,
        files: manifest.files.length,
        warehouseLines,
      },
    };
  } finally {
    await dropScratch();
    await rm(scratch, { recursive: true, force: true });
  }
}
