import { parseArgs } from 'node:util';
import { BUILT_IN_ROLES, type BuiltInRole, isBuiltInRole } from '@keel/core';
import { createApiToken } from './api-tokens.js';
import { type KeelConfig, readConfig } from './config.js';
import { type ApiCall, seedDemo } from './demo-seed.js';
import { startKeel } from './keel-server.js';
import { migrate } from './migrate.js';
import { openDatabase } from './open-database.js';
import { PIPELINE_HELP, PipelineUsageError, pipelineCommand, reportsCommand } from './pipeline-commands.js';

const HELP = `Usage: npx keel <command> [options]

Commands:
  seed-demo [--days 21] [--sales-per-day 150]   fill the store with a demo catalog and sales
  token create --role <role> --name <name>       create an API token (shown once)
  migrate                                        run database migrations and exit
${PIPELINE_HELP}

Configuration comes from the environment, as for npm start (DATABASE_URL, DATA_DIR, ...).
When a Keel server already answers on HOST:PORT, seed-demo sends its sales through it.`;

function progressBar(done: number, total: number): void {
  const width = 30;
  const filled = total > 0 ? Math.round((done / total) * width) : width;
  process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} sales`);
}

async function httpApi(base: string): Promise<ApiCall | undefined> {
  try {
    const res = await fetch(`${base}/health`, { signal: AbortSignal.timeout(1500) });
    if (!res.ok && res.status !== 503) return undefined;
  } catch {
    return undefined;
  }
  return async (method, path, body) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  };
}

async function seedCommand(config: KeelConfig, args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { days: { type: 'string', default: '21' }, 'sales-per-day': { type: 'string', default: '150' } } });
  const days = Number(values.days);
  const perDay = Number(values['sales-per-day']);
  if (!Number.isInteger(days) || days < 1 || days > 3650) throw new UsageError('--days must be a whole number from 1 to 3650');
  if (!Number.isInteger(perDay) || perDay < 1 || perDay > 100_000) throw new UsageError('--sales-per-day must be a whole number from 1 to 100000');
  const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  const remote = await httpApi(`http://${host}:${config.port}`);
  const opts = { days, salesPerDay: perDay, storeId: config.storeId, timeZone: config.timeZone, now: new Date(), onProgress: progressBar };
  if (remote) {
    console.error(`Seeding through the running server at ${host}:${config.port}`);
    const r = await seedDemo(remote, opts);
    console.error(`\nDone: ${r.products} products, ${r.sales} sales.`);
    return;
  }
  console.error('No server running: seeding in-process (start Keel afterwards with npm start)');
  const server = await startKeel({ ...config, logLevel: 'warn' }, { listen: false, dashboardsDist: null });
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

async function tokenCommand(config: KeelConfig, args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { role: { type: 'string' }, name: { type: 'string' } } });
  if (positionals[0] !== 'create' || !values.role || !values.name) throw new UsageError('usage: npx keel token create --role <role> --name <name>');
  if (!isBuiltInRole(values.role)) throw new UsageError(`--role must be one of ${Object.keys(BUILT_IN_ROLES).join(', ')}`);
  const { db } = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 1 });
  try {
    await migrate(db);
    const token = await createApiToken(db, values.name, values.role as BuiltInRole);
    console.log(token);
    console.error(`Token for "${values.name}" (${values.role}). It is shown once; only its hash is stored.`);
  } finally {
    await db.destroy();
  }
}

class UsageError extends Error {}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    const config = readConfig(process.env, process.cwd());
    switch (command) {
      case 'seed-demo':
        await seedCommand(config, rest);
        return 0;
      case 'token':
        await tokenCommand(config, rest);
        return 0;
      case 'migrate': {
        const { db } = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 1 });
        console.log(`schema version ${await migrate(db)}`);
        await db.destroy();
        return 0;
      }
      case 'backup':
      case 'restore':
      case 'export':
        await pipelineCommand(command, config, rest);
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
    return e instanceof UsageError || e instanceof PipelineUsageError ? 2 : 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
