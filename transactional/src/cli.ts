import { createReadStream, createWriteStream, statSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { BUILT_IN_ROLES, type BuiltInRole, businessTime, isBuiltInRole } from '@keel/core';
import { addDays, loadDemoHistory, openWarehouse } from '@keel/warehouse';
import type { Kysely } from 'kysely';
import { createApiToken } from './api-tokens.js';
import { appendAudit, verifyAuditChain } from './audit-log.js';
import { EXPORT_KINDS, type ExportFormat, type ExportKind, exportData } from './catalog-export.js';
import { type ImportReport, importCatalog } from './catalog-import.js';
import { UsageError, usersCommand } from './cli-users.js';
import { type KeelConfig, readConfig } from './config.js';
import type { Database } from './database.js';
import { backupDatabase } from './database-backup.js';
import { demoCatalogCsv } from './demo-catalog.js';
import { type ApiCall, seedDemo } from './demo-seed.js';
import { DiskGuard } from './disk-guard.js';
import { doctorCommand } from './doctor-command.js';
import { backupFileObjects } from './file-backup.js';
import { startKeel } from './keel-server.js';
import { migrate, schemaVersion } from './migrate.js';
import { openDatabase } from './open-database.js';
import { PIPELINE_HELP, PipelineUsageError, pipelineCommand, reportsCommand } from './pipeline-commands.js';
import { type ColumnMapping, type LayoutName, PRODUCT_FIELDS, type ProductField } from './product-file-layouts.js';
import { ServiceError, serviceCommand } from './service-command.js';

const HELP = `Usage: npx keel <command> [options]

Commands:
  seed-demo [--days 21] [--sales-per-day 150]   fill the store with a demo catalog and sales
  seed-demo --sale-lines N [--days 365] [--stores 10] [--history-products 10000]
                                                 bulk-generate N sale lines of multi-store history
                                                 straight into the warehouse (analytics only; stop
                                                 the server first when the warehouse is chDB)
  token create --name <name> (--role <role> | --user <username>)
                                                 create an API token (shown once)
  users list                                     list users, their roles and stores
  users create --username <u> --name <display> --role <role> [--stores 1,2] [--max-discount-bp N]
                                                 create a user; password and PIN are read from stdin
                                                 (two lines: password, then PIN or an empty line)
  users set-password <username>                  read a new password from stdin
  users set-pin <username>                       read a new PIN from stdin
  users deactivate <username>                    end the user's sessions and refuse their sign-ins
  audit verify                                   check the audit log's hash chain (exit 1 if broken)
  seed-demo --products 1000000                   a large realistic catalog only, through the bulk import path
  import <file.csv|file.arrow> [--layout auto|generic|shopify|square] [--map field=Header,...]
         [--dry-run] [--skip-bad-rows]           import products (all-or-nothing unless --skip-bad-rows)
  export products|stock|sales|customers [--format csv|arrow|parquet] [--out file]   stream an export (stdout by default)
  token create --role <role> --name <name>       create an API token (shown once)
  migrate                                        run database migrations and exit
${PIPELINE_HELP}
  backup                                         back the database up into BACKUP_DIR and verify it
  doctor [--json]                                check everything this server needs, with fixes
  service install|uninstall|status [--purge]     Keel as a systemd service (run as root)
          [--root DIR] [--user keel] [--data-dir /var/lib/keel] [--config-dir /etc/keel]

Configuration comes from the environment, as for npm start (DATABASE_URL, DATA_DIR, ...).
When a Keel server already answers on HOST:PORT, seed-demo sends its sales through it
(pass --token with an owner's or manager's API token).`;

function progressBar(done: number, total: number, what = 'sales'): void {
  const width = 30;
  const filled = total > 0 ? Math.min(width, Math.round((done / total) * width)) : width;
  process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${what}`);
}

function progressLine(phase: string, done: number, total: number, what: string): void {
  if (phase === 'reading') progressBar(done, total, what);
  else if (phase !== 'done') process.stderr.write(`\n${phase === 'checking' ? 'Checking duplicates and barcodes' : 'Applying to the catalog'}...`);
  else process.stderr.write('\n');
}

function printReport(r: ImportReport): void {
  if (r.fileError) {
    console.error(`Nothing imported: ${r.fileError.message} [${r.fileError.code}]`);
    return;
  }
  for (const b of r.badRows) console.error(`line ${b.line}${b.sku ? ` (${b.sku})` : ''}: ${b.reason}`);
  if (r.badRowCount > r.badRows.length) console.error(`... and ${r.badRowCount - r.badRows.length} more bad rows`);
  const verb = r.dryRun ? 'would insert' : 'inserted';
  if (!r.applied && !r.dryRun) console.error(`Nothing imported: ${r.badRowCount} bad rows out of ${r.rows} (use --skip-bad-rows to import the others).`);
  else console.error(`${r.rows} rows (${r.layout} layout): ${verb} ${r.inserted}, updated ${r.updated}, unchanged ${r.unchanged}, bad ${r.badRowCount}.`);
}

async function importCommand(config: KeelConfig, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { layout: { type: 'string', default: 'auto' }, map: { type: 'string' }, 'dry-run': { type: 'boolean' }, 'skip-bad-rows': { type: 'boolean' } },
  });
  const file = positionals[0];
  if (!file || positionals.length > 1)
    throw new UsageError('usage: npx keel import <file> [--layout auto|generic|shopify|square] [--map field=Header,...] [--dry-run] [--skip-bad-rows]');
  if (!['auto', 'generic', 'shopify', 'square'].includes(values.layout ?? '')) throw new UsageError('--layout must be auto, generic, shopify or square');
  const mapping: ColumnMapping = {};
  for (const pair of (values.map ?? '').split(',').filter(Boolean)) {
    const [field, header] = pair.split('=');
    if (!field || !header || !(PRODUCT_FIELDS as readonly string[]).includes(field))
      throw new UsageError(`--map takes field=Header pairs; fields: ${PRODUCT_FIELDS.join(', ')}`);
    mapping[field as ProductField] = header;
  }
  const size = statSync(file).size;
  return withDatabase(config, async (db) => {
    const report = await importCatalog(db, createReadStream(file, { highWaterMark: 1 << 20 }), {
      actor: 'cli:import',
      fileName: file,
      layout: values.layout as LayoutName | 'auto',
      mapping,
      dryRun: values['dry-run'] ?? false,
      mode: values['skip-bad-rows'] ? 'skip-bad-rows' : 'all-or-nothing',
      onProgress: (p) => (p.phase === 'reading' ? progressBar(Math.round(p.bytes / 1024), Math.round(size / 1024), 'KiB') : progressLine(p.phase, 0, 0, '')),
    });
    printReport(report);
    return report.fileError || (!report.applied && !report.dryRun) || (report.dryRun && report.badRowCount > 0) ? 1 : 0;
  });
}

async function exportCommand(config: KeelConfig, args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { format: { type: 'string', default: 'csv' }, out: { type: 'string' } } });
  const kind = positionals[0];
  if (!(EXPORT_KINDS as readonly string[]).includes(kind ?? ''))
    throw new UsageError('usage: npx keel export products|stock|sales|customers [--format csv|arrow|parquet] [--out file]');
  if (values.format !== 'csv' && values.format !== 'arrow' && values.format !== 'parquet') throw new UsageError('--format must be csv, arrow or parquet');
  await withDatabase(config, async (db) => {
    const out = values.out ? createWriteStream(values.out) : process.stdout;
    await pipeline(Readable.from(exportData(db, kind as ExportKind, values.format as ExportFormat)), out);
  });
}

async function httpApi(base: string, token: string | undefined): Promise<ApiCall | undefined> {
  try {
    const res = await fetch(`${base}/health`, { signal: AbortSignal.timeout(1500) });
    if (!res.ok && res.status !== 503) return undefined;
  } catch {
    return undefined;
  }
  return async (method, path, body) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  };
}

async function bulkHistoryCommand(config: KeelConfig, values: Record<string, string | undefined>): Promise<void> {
  const lines = Number(values['sale-lines']);
  const days = Number(values.days ?? '365');
  const stores = Number(values.stores ?? '10');
  const products = Number(values['history-products'] ?? '10000');
  if (!Number.isInteger(lines) || lines < 1 || lines > 1_000_000_000) throw new UsageError('--sale-lines must be a whole number from 1 to 1000000000');
  if (!Number.isInteger(days) || days < 14 || days > 3650) throw new UsageError('--days must be a whole number from 14 to 3650');
  if (!Number.isInteger(stores) || stores < 1 || stores > 10_000) throw new UsageError('--stores must be a whole number from 1 to 10000');
  if (!Number.isInteger(products) || products < 1 || products > 100_000_000)
    throw new UsageError('--history-products must be a whole number from 1 to 100000000');
  const wh = await openWarehouse({ clickhouseUrl: config.clickhouseUrl, dataDir: path.join(config.dataDir, 'warehouse') });
  try {
    await wh.migrate();
    const endDay = addDays(businessTime(new Date(), config.timeZone).day, -1);
    const started = Date.now();
    const r = await loadDemoHistory(wh, {
      lines,
      days,
      stores,
      products,
      endDay,
      seed: 1,
      onProgress: (n) =>
        process.stderr.write(
          `\r${n.toLocaleString()} / ${lines.toLocaleString()} lines, ${Math.round(n / ((Date.now() - started) / 1000)).toLocaleString()} lines/s`,
        ),
    });
    console.error(`\nDone: ${r.lines.toLocaleString()} lines (${r.sales.toLocaleString()} sales), ${r.firstDay}..${r.lastDay}, in ${Math.round(r.seconds)} s.`);
  } finally {
    await wh.close();
  }
}

async function seedCommand(config: KeelConfig, args: string[]): Promise<void> {
  const parsed = parseArgs({
    args,
    options: {
      days: { type: 'string' },
      'sales-per-day': { type: 'string' },
      token: { type: 'string' },
      products: { type: 'string' },
      'sale-lines': { type: 'string' },
      stores: { type: 'string' },
      'history-products': { type: 'string' },
    },
  });
  if (parsed.values['sale-lines'] !== undefined) return bulkHistoryCommand(config, parsed.values);
  const values = { ...parsed.values, days: parsed.values.days ?? '21', 'sales-per-day': parsed.values['sales-per-day'] ?? '150' };
  if (values.products !== undefined) {
    const count = Number(values.products);
    if (!Number.isInteger(count) || count < 1 || count > 50_000_000) throw new UsageError('--products must be a whole number from 1 to 50000000');
    await withDatabase(config, async (db) => {
      const started = Date.now();
      const report = await importCatalog(db, demoCatalogCsv(count), {
        actor: 'cli:seed-demo',
        fileName: `demo-catalog-${count}.csv`,
        onProgress: (p) => progressLine(p.phase, p.rows, count, 'products'),
      });
      printReport(report);
      console.error(`Seeded ${count} products in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
    });
    return;
  }
  const days = Number(values.days);
  const perDay = Number(values['sales-per-day']);
  if (!Number.isInteger(days) || days < 1 || days > 3650) throw new UsageError('--days must be a whole number from 1 to 3650');
  if (!Number.isInteger(perDay) || perDay < 1 || perDay > 100_000) throw new UsageError('--sales-per-day must be a whole number from 1 to 100000');
  const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  const remote = await httpApi(`http://${host}:${config.port}`, values.token);
  const opts = { days, salesPerDay: perDay, storeId: config.storeId, timeZone: config.timeZone, now: new Date(), onProgress: progressBar };
  if (remote) {
    console.error(`Seeding through the running server at ${host}:${config.port}`);
    const r = await seedDemo(remote, opts);
    console.error(`\nDone: ${r.products} products, ${r.sales} sales.`);
    return;
  }
  console.error('No server running: seeding in-process (start Keel afterwards with npm start)');
  // This one in-process server answers only app.inject from this process: loopback acts as the owner.
  const server = await startKeel({ ...config, logLevel: 'warn', trustLoopback: true }, { listen: false, dashboardsDist: null });
  try {
    const api: ApiCall = async (method, path, body) => {
      const res = await server.app.inject({ method, url: path, payload: body as object | undefined, remoteAddress: '127.0.0.1' });
      return { status: res.statusCode, body: res.json() };
    };
    const r = await seedDemo(api, opts);
    process.stderr.write(`\nLoading ${r.sales} sales into the warehouse...`);
    while ((await server.pipeline.relayNow()) > 0) process.stderr.write('.');
    console.error(`\nDone: ${r.products} products, ${r.sales} sales.`);
  } finally {
    await server.close();
  }
}

async function withDatabase<T>(config: KeelConfig, work: (db: Kysely<Database>) => Promise<T>): Promise<T> {
  const { db } = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 1 });
  try {
    await migrate(db);
    return await work(db);
  } finally {
    await db.destroy();
  }
}

async function tokenCommand(config: KeelConfig, args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { role: { type: 'string' }, name: { type: 'string' }, user: { type: 'string' } },
  });
  if (positionals[0] !== 'create' || !values.name || (!values.role && !values.user)) {
    throw new UsageError('usage: npx keel token create --name <name> (--role <role> | --user <username>)');
  }
  if (values.role && !isBuiltInRole(values.role)) throw new UsageError(`--role must be one of ${Object.keys(BUILT_IN_ROLES).join(', ')}`);
  await withDatabase(config, async (db) => {
    let holder: BuiltInRole | { userId: number } = values.role as BuiltInRole;
    if (values.user) {
      const user = await db.selectFrom('users').select('id').where('username', '=', values.user).executeTakeFirst();
      if (!user) throw new UsageError(`no user named ${values.user}`);
      holder = { userId: user.id };
    }
    const token = await createApiToken(db, values.name as string, holder);
    await appendAudit(db, {
      actor: 'cli',
      action: 'token.created',
      subject: values.name as string,
      detail: { role: values.role ?? null, user: values.user ?? null },
      requestId: null,
    });
    console.log(token);
    console.error(`Token for "${values.name}". It is shown once; only its hash is stored.`);
  });
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    // service works on files only: it must run before the configuration exists.
    if (command === 'service') return await serviceCommand(rest);
    const config = readConfig(process.env, process.cwd());
    switch (command) {
      case 'backup': {
        if (rest[0] === 'full' || rest[0] === 'verify') {
          await pipelineCommand('backup', config, rest);
          return 0;
        }
        const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 1 });
        try {
          const guard = new DiskGuard(config.dataDir, config.diskMinFreeBytes);
          const version = await schemaVersion(database.db);
          const b = await backupDatabase(database.backupSource, config.backupDir, { reason: 'manual', schemaVersion: version, guard });
          console.log(b.file);
          console.error(`Backup of schema version ${version}: ${b.bytes} bytes, read back and listed in ${config.backupDir}/backups.jsonl`);
          const f = await backupFileObjects(path.join(config.dataDir, 'files', 'objects'), path.join(config.backupDir, 'files', 'objects'));
          console.error(`Files: ${f.objects} objects in ${config.backupDir}/files/objects, ${f.copied} new (${f.copiedBytes} bytes), each read back`);
        } finally {
          await database.db.destroy();
        }
        return 0;
      }
      case 'doctor':
        return await doctorCommand(config, rest);
      case 'seed-demo':
        await seedCommand(config, rest);
        return 0;
      case 'token':
        await tokenCommand(config, rest);
        return 0;
      case 'users':
        await usersCommand(rest, (work) => withDatabase(config, work));
        return 0;
      case 'audit': {
        if (rest[0] !== 'verify') throw new UsageError('usage: npx keel audit verify');
        const result = await withDatabase(config, verifyAuditChain);
        if (result.ok) {
          console.log(`audit log intact: ${result.entries} entries, head ${result.headHash}`);
          return 0;
        }
        console.error(`audit log TAMPERED: entry ${result.brokenAt?.id} does not match its ${result.brokenAt?.reason === 'hash' ? 'hash' : 'predecessor'}`);
        return 1;
      }
      case 'import':
        return await importCommand(config, rest);
      case 'export':
        if (rest[0] === 'sale-lines') await pipelineCommand('export', config, rest.slice(1));
        else await exportCommand(config, rest);
        return 0;
      case 'migrate': {
        const { db } = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 1 });
        console.log(`schema version ${await migrate(db)}`);
        await db.destroy();
        return 0;
      }
      case 'restore':
        await pipelineCommand('restore', config, rest);
        return 0;
      case 'reports':
        await reportsCommand(config, rest);
        return 0;
      case undefined:
      case 'help':
      case '--help':
        console.log(HELP);
        return command === undefined ? 2 : 0;
      default:
        console.error(`Unknown command "${command}".\n\n${HELP}`);
        return 2;
    }
  } catch (e) {
    console.error(`keel ${command}: ${(e as Error).message}`);
    return e instanceof UsageError || e instanceof ServiceError || e instanceof PipelineUsageError ? 2 : 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
