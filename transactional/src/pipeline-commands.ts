import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BUILT_IN_ROLES, isBuiltInRole } from '@keel/core';
import { createBackup, exportSaleLines, parseBackupKey, restoreBackup, verifyBackup } from '@keel/pipelines';
import { openWarehouse } from '@keel/warehouse';
import type { KeelConfig } from './config.js';
import { pipelinesConfig } from './keel-server.js';
import { migrate } from './migrate.js';
import { embeddedRestore, openDatabase } from './open-database.js';

export const PIPELINE_HELP = `  backup full [--dir D] [--key K]                back up PostgreSQL, the warehouse, files and configuration
  backup verify <backup-dir> [--key K]           restore into a scratch database and compare counts, sums, audit chain, files
  restore <backup-dir> [--key K]                 bring a fresh machine back (empty DATABASE_URL database, empty DATA_DIR)
  export sale-lines --from YYYY-MM-DD --to YYYY-MM-DD [--format csv|parquet] [--dir D]   warehouse sale lines to a folder
  reports subscribe --email E --role R --cadence daily|weekly|monthly [--store N]   e-mail trend reports (no --store: all stores)
  reports list | reports unsubscribe --email E   report subscribers`;

export class PipelineUsageError extends Error {}

async function serverAnswers(config: KeelConfig): Promise<boolean> {
  const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  try {
    await fetch(`http://${host}:${config.port}/health`, { signal: AbortSignal.timeout(1000) });
    return true;
  } catch {
    return false;
  }
}

function needsStoppedServer(what: string): Error {
  return new PipelineUsageError(
    `a Keel server is running on this machine: stop it first (its embedded warehouse is open), or run the ${what} job from the jobs page (/jobs) or with POST /api/v1/jobs/${what}/run`,
  );
}

function keyFrom(config: KeelConfig, given: string | undefined): Buffer | undefined {
  return given ? parseBackupKey(given) : config.backupKey;
}

/** `npx keel reports subscribe|list|unsubscribe` */
export async function reportsCommand(config: KeelConfig, args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { email: { type: 'string' }, role: { type: 'string' }, cadence: { type: 'string' }, store: { type: 'string' } },
  });
  const { db } = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 1 });
  const pdb = db as unknown as import('kysely').Kysely<import('@keel/pipelines').PipelinesDatabase>;
  try {
    await migrate(db);
    switch (positionals[0]) {
      case 'subscribe': {
        const { email, role, cadence } = values;
        if (!email || !/^[^@\s]+@[^@\s]+$/.test(email)) throw new PipelineUsageError('--email must be an e-mail address');
        if (!isBuiltInRole(role))
          throw new PipelineUsageError(`--role must be one of ${Object.keys(BUILT_IN_ROLES).join(', ')} (it decides whether margins appear)`);
        if (cadence !== 'daily' && cadence !== 'weekly' && cadence !== 'monthly') throw new PipelineUsageError('--cadence must be daily, weekly or monthly');
        const store = values.store === undefined ? null : Number(values.store);
        if (store !== null && !Number.isInteger(store)) throw new PipelineUsageError('--store must be a store id');
        await pdb.insertInto('report_subscriptions').values({ email, role, cadence, store_id: store }).execute();
        console.error(`${email} (${role}) gets the ${cadence} report for ${store === null ? 'all stores' : `store ${store}`}.`);
        return;
      }
      case 'unsubscribe': {
        if (!values.email) throw new PipelineUsageError('usage: npx keel reports unsubscribe --email E');
        const r = await pdb.deleteFrom('report_subscriptions').where('email', '=', values.email).executeTakeFirst();
        console.error(`${Number(r.numDeletedRows)} subscription(s) removed.`);
        return;
      }
      case 'list': {
        const rows = await pdb.selectFrom('report_subscriptions').selectAll().orderBy('id').execute();
        for (const r of rows) console.log(`${r.email}\t${r.role}\t${r.cadence}\t${r.store_id ?? 'all stores'}`);
        return;
      }
      default:
        throw new PipelineUsageError('usage: npx keel reports subscribe|list|unsubscribe ...');
    }
  } finally {
    await db.destroy();
  }
}

/** `npx keel backup|restore|export ...` */
export async function pipelineCommand(command: 'backup' | 'restore' | 'export', config: KeelConfig, args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { dir: { type: 'string' }, key: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, format: { type: 'string', default: 'csv' } },
  });
  const databaseUrl = config.databaseUrl;
  const embedded = databaseUrl ? undefined : embeddedRestore;

  if (command === 'backup' && positionals[0] === 'verify') {
    const dir = positionals[1];
    if (!dir) throw new PipelineUsageError('usage: npx keel backup verify <backup-dir>');
    const scratch = mkdtempSync(path.join(os.tmpdir(), 'keel-verify-wh-'));
    const warehouse = await openWarehouse({ dataDir: scratch });
    try {
      const r = await verifyBackup(path.resolve(dir), { databaseUrl, embedded, warehouse, key: keyFrom(config, values.key) });
      console.log(
        `${r.ok ? 'OK' : 'DIFFERENT'}: ${r.checked.tables} tables, ${r.checked.rows} rows, audit chain ${r.checked.auditChain ? `${r.checked.auditChain.slice(0, 16)}...` : '(no entries)'}, ${r.checked.files} files, ${r.checked.warehouseLines ?? 0} warehouse lines`,
      );
      for (const d of r.differences) console.log(`  ${d}`);
      if (!r.ok) throw new Error('the backup does not restore to the figures it recorded');
    } finally {
      await warehouse.close();
      rmSync(scratch, { recursive: true, force: true });
    }
    return;
  }

  if (await serverAnswers(config)) throw needsStoppedServer(command === 'restore' ? 'backup' : command);

  if (command === 'backup') {
    if (positionals[0] !== 'full' || positionals.length > 1)
      throw new PipelineUsageError('usage: npx keel backup full [--dir D] | npx keel backup verify <backup-dir>');
    const opened = await openDatabase({ databaseUrl, dataDir: config.dataDir, poolSize: 2 });
    const { db } = opened;
    const warehouse = await openWarehouse({ clickhouseUrl: config.clickhouseUrl, dataDir: path.join(config.dataDir, 'warehouse') });
    try {
      await migrate(db);
      const pc = pipelinesConfig(config);
      const r = await createBackup(
        { db: db as never, databaseUrl, embedded: opened.embedded, warehouse, dataDir: config.dataDir, storeId: config.storeId, config: pc.configRecord },
        {
          dir: values.dir ? path.resolve(values.dir) : config.backupDir,
          copyDir: config.backupCopyDir,
          key: keyFrom(config, values.key),
          retention: config.backupRetention,
          now: new Date(),
        },
      );
      console.log(r.path);
      console.error(
        `Backup written: ${r.manifest.parts.length} parts, ${(r.bytes / 1e6).toFixed(1)} MB${r.manifest.encrypted ? ', encrypted' : ''}; ${r.pruned.length} old backup(s) pruned.`,
      );
    } finally {
      await warehouse.close();
      await db.destroy();
    }
    return;
  }

  if (command === 'restore') {
    const dir = positionals[0];
    if (!dir) throw new PipelineUsageError('usage: npx keel restore <backup-dir> [--key K]');
    const warehouse = await openWarehouse({ clickhouseUrl: config.clickhouseUrl, dataDir: path.join(config.dataDir, 'warehouse') });
    try {
      const r = await restoreBackup(path.resolve(dir), { databaseUrl, embedded, warehouse, dataDir: config.dataDir }, keyFrom(config, values.key));
      if (r.differences.length > 0) {
        for (const d of r.differences) console.error(`  ${d}`);
        throw new Error('restored, but the figures differ from the backup (listed above)');
      }
      console.error(
        `Restored the backup of ${r.manifest.createdAt}: counts, sums, audit chain and ${r.manifest.files.length} files identical. Start Keel with npm start.`,
      );
    } finally {
      await warehouse.close();
    }
    return;
  }

  const day = /^\d{4}-\d{2}-\d{2}$/;
  if (!values.from || !values.to || !day.test(values.from) || !day.test(values.to))
    throw new PipelineUsageError('usage: npx keel export sale-lines --from YYYY-MM-DD --to YYYY-MM-DD [--format csv|parquet] [--dir D]');
  if (values.format !== 'csv' && values.format !== 'parquet') throw new PipelineUsageError('--format must be csv or parquet');
  const warehouse = await openWarehouse({ clickhouseUrl: config.clickhouseUrl, dataDir: path.join(config.dataDir, 'warehouse') });
  try {
    const r = await exportSaleLines(warehouse, values.dir ? path.resolve(values.dir) : config.exportDir, { from: values.from, to: values.to }, values.format);
    console.log(r.file);
    console.error(`${r.rows} sale lines exported.`);
  } finally {
    await warehouse.close();
  }
}
