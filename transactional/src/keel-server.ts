import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { EventLoader, ensureStream, InProcessBus, JetStreamLoader, NatsPublisher, type OutboxDatabase, OutboxRelay, outboxBacklog } from '@keel/ingest';
import { type JobRunner, type PipelinesConfig, type PipelinesDatabase, type RunningPipelines, startPipelines } from '@keel/pipelines';
import { type AnalystServer, openWarehouse, startAnalystServer, type Warehouse } from '@keel/warehouse';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { FastifyInstance } from 'fastify';
import { type Kysely, sql } from 'kysely';
import { analystAccess } from './analyst-access.js';
import { TokenVerifier } from './api-tokens.js';
import { buildApp } from './app.js';
import { type AuditEntry, appendAudit } from './audit-log.js';
import { authenticator } from './authenticate.js';
import { BasicCredentials } from './basic-credentials.js';
import { CatalogMemory } from './catalog-memory.js';
import { PreparedSnapshots } from './catalog-snapshot.js';
import type { KeelConfig } from './config.js';
import type { Database } from './database.js';
import { backupDatabase } from './database-backup.js';
import { DiskGuard } from './disk-guard.js';
import { FileService } from './file-service.js';
import { FileStore } from './file-store.js';
import { jobRoutes } from './job-routes.js';
import { LanTls } from './lan-tls.js';
import { LiveFeed } from './live-feed.js';
import { KeelMetrics } from './metrics.js';
import { schemaVersion as currentSchemaVersion, migrate, pendingMigrations } from './migrate.js';
import type { Migration } from './migrations/index.js';
import { openDatabase } from './open-database.js';
import { ReferenceData } from './reference-data.js';
import type { SaleServiceDeps } from './sale-service.js';
import { SessionStore } from './sessions.js';
import { RateLimiter, SignInLockout } from './sign-in-lockout.js';
import { WarehouseWatch } from './warehouse-watch.js';

export interface KeelServer {
  readonly app: FastifyInstance;
  readonly url: string;
  /** The HTTPS URL tills use (same app), when HTTPS_PORT is on and the server listens. */
  readonly httpsUrl: string | null;
  /** The LAN certificate (Keel's local CA's or the store's), when HTTPS is on. */
  readonly tls: LanTls | null;
  /** The read-only ClickHouse-HTTP analyst endpoint, when on. */
  readonly analystUrl: string | null;
  readonly db: Kysely<Database>;
  readonly warehouse: Warehouse;
  readonly schemaVersion: number;
  readonly metrics: KeelMetrics;
  readonly disk: DiskGuard;
  readonly files: FileService;
  /** Stores and tax classes as sales read them (cached): `reload()` after changing them in the database. */
  readonly reference: ReferenceData;
  /** Stop and start the event pipeline (relay and loader) without touching the API. */
  stopPipeline(): Promise<void>;
  startPipeline(): Promise<void>;
  /** Parts of the pipeline, for tests that restart one of them. */
  readonly pipeline: { restartRelay(): Promise<void>; restartLoader(): Promise<void>; relayNow(): Promise<number> };
  /** Scheduled jobs (reports, backups, exports, reconciliation); they tick when config.jobsEnabled. */
  readonly jobs: JobRunner;
  close(): Promise<void>;
}

export interface StartOptions {
  /** Where JSON log lines go (default stdout). */
  readonly logStream?: { write(line: string): void };
  /** Serve the built dashboards from here (default: @keel/dashboards' dist when built). */
  readonly dashboardsDist?: string | null;
  /** Serve the built terminal from here (default: @keel/terminal-ui's dist when built). */
  readonly terminalDist?: string | null;
  /** Start the API without listening (for app.inject). */
  readonly listen?: boolean;
  /** The migration set to run (default: all of Keel's); upgrade tests pass their own. */
  readonly migrations?: readonly Migration[];
}

async function defaultDashboardsDist(): Promise<string | undefined> {
  try {
    const { dashboardsDist } = await import('@keel/dashboards/dist-path');
    return existsSync(path.join(dashboardsDist, 'index.html')) ? dashboardsDist : undefined;
  } catch {
    return undefined;
  }
}

async function defaultTerminalDist(): Promise<string | undefined> {
  try {
    const { terminalDist } = await import('@keel/terminal-ui/dist-path');
    return existsSync(path.join(terminalDist, 'index.html')) ? terminalDist : undefined;
  } catch {
    return undefined;
  }
}

/** The composition root: open every backend named by config, wire them, and serve. */
export async function startKeel(config: KeelConfig, options: StartOptions = {}): Promise<KeelServer> {
  const logger = {
    level: config.logLevel,
    redact: ['req.headers.authorization', 'req.headers.cookie'],
    ...(options.logStream ? { stream: options.logStream } : {}),
  };
  // HTTPS for tills: Keel's own CA (created on first start under DATA_DIR/tls) or the store's certificate.
  // First, so a bad TLS_CERT_FILE/TLS_KEY_FILE stops the start before anything is opened.
  const lanTls =
    config.httpsPort === null
      ? null
      : await LanTls.open({
          dataDir: config.dataDir,
          storeName: config.storeName,
          extraNames: config.tlsExtraNames,
          provided: config.tlsKeyFile && config.tlsCertFile ? { certFile: config.tlsCertFile, keyFile: config.tlsKeyFile } : undefined,
        });
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: config.databasePoolSize });
  const { db } = database;
  mkdirSync(config.dataDir, { recursive: true });
  let lowDiskAlert: (what: string) => void = () => {};
  const disk = new DiskGuard(config.dataDir, config.diskMinFreeBytes, (space, what) => lowDiskAlert(`${what}: ${space.freeBytes} bytes free`));
  // An upgrade: back the database up before the first pending migration touches it. No backup, no migration.
  const jobs: Array<{ job: string; ok: boolean }> = [];
  let schemaVersion: number;
  try {
    const pending = await pendingMigrations(db, options.migrations);
    const from = await currentSchemaVersion(db);
    if (pending.length > 0 && from > 0) {
      try {
        await backupDatabase(database.backupSource, config.backupDir, { reason: 'pre-migration', schemaVersion: from, guard: disk });
        jobs.push({ job: 'backup', ok: true });
      } catch (e) {
        throw new Error(`refusing to migrate from schema version ${from}: the backup before migrating failed: ${(e as Error).message}`);
      }
    }
    schemaVersion = await migrate(db, options.migrations);
  } catch (e) {
    await db.destroy();
    throw e;
  }
  await db
    .insertInto('stores')
    .values({ id: config.storeId, name: config.storeName, time_zone: config.timeZone, currency: config.currency })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();

  const warehouse = await openWarehouse({ clickhouseUrl: config.clickhouseUrl, dataDir: path.join(config.dataDir, 'warehouse') });
  await warehouse.migrate();

  // The tills' barcode lookups and name searches answer from memory once this is built (seconds at a
  // million products); from SQL until then, and always on the embedded database.
  let catalogMemoryBuilt = (_: { products: number; words: number; ms: number }) => {};
  const catalogMemory = config.databaseUrl ? CatalogMemory.start(db, config.databaseUrl, { onBuilt: (b) => catalogMemoryBuilt(b) }) : undefined;
  const feed = new LiveFeed();
  const reference = new ReferenceData(db);
  let lastWarehouseLoad: number | null = null;
  const loader = new EventLoader(warehouse, (storeIds) => {
    lastWarehouseLoad = Date.now();
    feed.publish(storeIds);
  });
  const outboxDb = db as unknown as Kysely<OutboxDatabase>;
  const names = { stream: config.natsStream, subjectPrefix: config.natsSubjectPrefix, consumer: config.natsConsumer };

  let nc: NatsConnection | undefined;
  if (config.natsUrl) {
    // noAsyncTraces: no error object (with its stack) built ahead for every JetStream publish; the
    // relay logs an error's message, never a stack.
    nc = await connect({ servers: config.natsUrl, name: 'keel', maxReconnectAttempts: -1, reconnectTimeWait: 500, noAsyncTraces: true });
    await ensureStream(await jetstreamManager(nc), names);
  }

  const tokens = new TokenVerifier(db);
  const metrics = new KeelMetrics({
    schemaVersion,
    outboxBacklog: () => outboxBacklog(outboxDb).catch(() => null),
    consumerLag: async () => {
      if (!nc || nc.isClosed()) return null;
      try {
        const info = await (await jetstreamManager(nc)).consumers.info(names.stream, names.consumer);
        return info.num_pending + info.num_ack_pending;
      } catch {
        return null;
      }
    },
    lastWarehouseLoad: () => lastWarehouseLoad,
    disk: () => disk.check().catch(() => null),
  });
  for (const j of jobs) metrics.recordJob(j.job, j.ok);

  const sessions = new SessionStore(db, config.sessionIdleMinutes * 60_000);
  const lockout = new SignInLockout(db);
  const salesDeps: SaleServiceDeps = {
    db,
    reference,
    currency: config.currency,
    now: () => new Date(),
    audit: async (e) => void (await auditSafely(db, e, app)),
    lockout,
  };
  const fileStore = await FileStore.open(path.join(config.dataDir, 'files'));
  const files = new FileService({ db, store: fileStore, disk, maxFileBytes: config.fileMaxBytes });
  const app = await buildApp({
    metrics,
    logger,
    bodyLimit: config.bodyLimit,
    dashboardsDist: options.dashboardsDist === null ? undefined : (options.dashboardsDist ?? (await defaultDashboardsDist())),
    authenticate: authenticator({ db, tokens, sessions, trustLoopback: config.trustLoopback, basic: new BasicCredentials(db, lockout) }),
    files,
    auth: { db, sessions, lockout, signInLimiter: new RateLimiter(config.signInRatePerMinute, 60_000) },
    users: { db, sessions },
    tills: { db, reference },
    sales: salesDeps,
    catalog: { db, reference, snapshots: new PreparedSnapshots(db, path.join(config.dataDir, 'catalog-snapshots')), memory: catalogMemory },
    cashSessions: { db, storeId: config.storeId, now: () => new Date(), audit: async (e) => void (await auditSafely(db, e, app)) },
    terminal: {
      db,
      reference,
      storeId: config.storeId,
      offline: { maxSaleTotal: config.terminalOfflineMaxSale, tenders: config.terminalOfflineTenders, maxHours: config.terminalOfflineMaxHours },
      cashRounding: config.terminalCashRounding,
      audit: async (e) => void (await auditSafely(db, e, app)),
      sales: salesDeps,
    },
    trust: { trust: () => lanTls?.trust ?? null, storeName: config.storeName },
    receipts: {
      db,
      audit: async (e) => void (await auditSafely(db, e, app)),
      smtpUrl: config.smtpUrl,
      mailFrom: config.mailFrom,
      now: () => new Date(),
    },
    terminalDist: options.terminalDist === null ? undefined : (options.terminalDist ?? (await defaultTerminalDist())),
    dashboards: { warehouse, feed, reference, currency: config.currency },
    analytics: { warehouse, db, currency: config.currency, timeZone: config.timeZone, storeId: config.storeId, now: () => new Date() },
    health: async () => {
      const [pgOk, whOk, backlog, space] = await Promise.all([
        sql`SELECT 1`.execute(db).then(
          () => true,
          () => false,
        ),
        warehouse.query('SELECT 1 AS one').then(
          () => true,
          () => false,
        ),
        outboxBacklog(outboxDb).catch(() => null),
        disk.check().catch(() => null),
      ]);
      const busOk = nc ? !nc.isClosed() && nc.info !== undefined : true;
      return {
        ok: pgOk && whOk && busOk,
        schemaVersion,
        backends: {
          database: { kind: database.kind, ok: pgOk },
          eventStream: { kind: nc ? 'nats-jetstream' : 'in-process', ok: busOk },
          warehouse: { kind: warehouse.kind, ok: whOk },
        },
        outboxBacklog: backlog,
        // The tills' lookups answer from memory when 'ready'; from SQL while 'building' or 'down' (null: embedded database).
        catalogInMemory: catalogMemory?.state ?? null,
        disk: space && { freeBytes: space.freeBytes, minFreeBytes: disk.minFreeBytes, low: space.low },
      };
    },
  });

  catalogMemoryBuilt = (built) => app.log.info(built, 'catalog held in memory for the tills');
  lowDiskAlert = (detail) => {
    metrics.diskAlerts.inc({ refused: detail.split(':')[0] ?? 'write' });
    app.log.error({ alert: 'disk.low', detail }, 'data volume nearly full: uploads and backups refused until space is freed');
  };
  // Watch the data volume: one error line when it crosses the floor, one info line when it recovers.
  let wasLow = false;
  const watchDisk = setInterval(() => {
    disk.check().then(
      (space) => {
        if (space.low !== wasLow) {
          if (space.low)
            app.log.error(
              { alert: 'disk.low', freeBytes: space.freeBytes, minFreeBytes: disk.minFreeBytes },
              'data volume nearly full: uploads and backups refused',
            );
          else app.log.info({ freeBytes: space.freeBytes }, 'data volume has room again');
        }
        wasLow = space.low;
      },
      () => {},
    );
  }, 60_000);
  watchDisk.unref();
  const onError = (part: string) => (e: unknown) => app.log.warn({ err: { message: (e as Error)?.message } }, `${part} failed; retrying`);
  // Without NATS every relay pass is a warehouse load, so the relay keeps the loader's pace.
  const lingerMs = nc ? config.relayLingerMs : Math.max(config.relayLingerMs, config.loaderBatchMs);
  const relayOpts = { batchRows: config.relayBatchRows, idleMs: config.relayIdleMs, lingerMs, onError: onError('outbox relay') };
  let relay: OutboxRelay;
  let jsLoader: JetStreamLoader | undefined;
  const makeRelay = () => new OutboxRelay(outboxDb, nc ? new NatsPublisher(jetstream(nc), names) : new InProcessBus(loader), relayOpts);
  // While nobody looks at warehouse figures, fewer and larger loads at the same rows per second.
  const watch = new WarehouseWatch(
    () => feed.size,
    () => jsLoader?.hurry(),
  );
  const unwatchedMs = Math.max(config.loaderUnwatchedMs, config.loaderBatchMs);
  const unwatched = { batchRows: config.loaderBatchRows * Math.ceil(unwatchedMs / config.loaderBatchMs), batchMs: unwatchedMs };
  const makeLoader = () =>
    nc
      ? new JetStreamLoader(jetstream(nc), names, loader, {
          batchRows: config.loaderBatchRows,
          batchMs: config.loaderBatchMs,
          unwatched,
          watched: () => watch.watched(),
          onError: onError('warehouse loader'),
        })
      : undefined;
  relay = makeRelay();
  jsLoader = makeLoader();

  app.addHook('onRequest', async (request) => watch.seen(request.url));

  // Sales kick the relay so events leave at once rather than at the next poll.
  app.addHook('onResponse', async (request, reply) => {
    if (reply.statusCode === 201 && request.method === 'POST') relay.kick();
  });

  const startPipeline = async () => {
    relay.start();
    await jsLoader?.start();
  };
  const stopPipeline = async () => {
    await relay.stop();
    await jsLoader?.stop();
  };
  await startPipeline();

  const pipelinesDb = db as unknown as Kysely<PipelinesDatabase>;
  const scheduledJobs: RunningPipelines = await startPipelines(
    pipelinesConfig(config),
    {
      db: pipelinesDb,
      warehouse,
      embedded: database.embedded,
      kickRelay: () => relay.kick(),
      repairViews: (storeIds, days) => loader.repairViews(storeIds, days),
      log: (message, detail) => app.log.warn(detail ?? {}, message),
    },
    config.jobsEnabled,
  );
  await app.register(jobRoutes, { deps: { db: pipelinesDb, runner: scheduledJobs.runner, scheduled: scheduledJobs.scheduled, timeZone: config.timeZone } });

  let url = '';
  let httpsUrl: string | null = null;
  let analyst: AnalystServer | null = null;
  // The host's addresses may change (DHCP, a new network card): re-check every 10 minutes, keep the CA.
  const watchTls = setInterval(() => {
    lanTls?.refresh().then(
      (changed) => changed && app.log.info({ names: lanTls.trust.names, validTo: lanTls.trust.validTo }, 'new LAN server certificate in use'),
      (e) => app.log.error({ err: { message: (e as Error).message } }, 'LAN certificate renewal failed'),
    );
  }, 600_000);
  watchTls.unref();
  if (options.listen !== false) {
    url = await app.listen({ host: config.host, port: config.port });
    if (lanTls && config.httpsPort !== null) {
      // Without HTTPS the tills fall back to what plain HTTP allows; say so loudly and keep serving.
      try {
        httpsUrl = await lanTls.listen(app, config.host, config.httpsPort);
      } catch (err) {
        app.log.error({ err: { message: (err as Error).message }, port: config.httpsPort }, 'HTTPS for tills not started');
      }
    }
    if (config.analystPort !== null) {
      // Analyst SQL is a side door: if its port is taken, say so and keep selling.
      const authorizeAnalyst = analystAccess(tokens);
      try {
        analyst = await startAnalystServer({
          warehouse,
          host: config.host,
          port: config.analystPort,
          limits: {
            maxExecutionSeconds: config.analystMaxExecutionSeconds,
            maxMemoryBytes: config.analystMaxMemoryBytes,
            maxResultRows: config.analystMaxResultRows,
          },
          authorize: async (credentials) => {
            const access = await authorizeAnalyst(credentials);
            if (access.ok) watch.touch();
            return access;
          },
          onRefused: (who, reason) => void auditSafely(db, { actor: who, action: 'analyst.refused', subject: null, detail: { reason }, requestId: null }, app),
          log: app.log.child({ part: 'analyst' }),
        });
      } catch (err) {
        app.log.error({ err: { message: (err as Error).message }, port: config.analystPort }, 'analyst SQL endpoint not started');
      }
    }
  } else {
    await app.ready();
  }
  app.log.info(
    {
      database: `${database.kind} (${database.describe})`,
      eventStream: nc ? `NATS JetStream ${config.natsUrl} stream ${names.stream}` : 'in-process bus over the outbox',
      warehouse: warehouse.kind === 'chdb' ? `chDB (${path.join(config.dataDir, 'warehouse')})` : 'ClickHouse server',
      schemaVersion,
      url,
      https: httpsUrl
        ? `${httpsUrl} (${lanTls?.trust.source === 'provided' ? 'certificate from TLS_CERT_FILE' : `local CA ${lanTls?.trust.fingerprint}`}; how to trust it: ${httpsUrl}/trust)`
        : 'off',
      analystSql: analyst ? `${analyst.url} (read-only, ClickHouse HTTP)` : 'off',
    },
    'Keel started',
  );

  return {
    app,
    url,
    httpsUrl,
    tls: lanTls,
    analystUrl: analyst?.url ?? null,
    db,
    warehouse,
    schemaVersion,
    metrics,
    disk,
    files,
    reference,
    startPipeline,
    stopPipeline,
    pipeline: {
      restartRelay: async () => {
        await relay.stop();
        relay = makeRelay();
        relay.start();
      },
      restartLoader: async () => {
        await jsLoader?.stop();
        jsLoader = makeLoader();
        await jsLoader?.start();
      },
      relayNow: () => relay.relayOnce(),
    },
    jobs: scheduledJobs.runner,
    // Graceful stop: refuse new requests (503, connection closed) and finish those in flight, then let the
    // relay finish its batch and the loader flush and ack its buffer, then close every connection.
    close: async () => {
      await analyst?.close();
      clearInterval(watchDisk);
      clearInterval(watchTls);
      await scheduledJobs.stop();
      const httpsClosed = lanTls?.stopAccepting();
      await app.close();
      lanTls?.closeAll();
      await httpsClosed;
      await stopPipeline();
      await nc?.drain();
      await warehouse.close();
      await catalogMemory?.close();
      await db.destroy();
    },
  };
}

/** What the scheduled jobs need from the configuration; the record kept in backups holds no secrets. */
export function pipelinesConfig(config: KeelConfig): PipelinesConfig {
  return {
    timeZone: config.timeZone,
    currency: config.currency,
    storeId: config.storeId,
    dataDir: config.dataDir,
    databaseUrl: config.databaseUrl,
    smtpUrl: config.smtpUrl,
    mailFrom: config.mailFrom,
    backupDir: config.backupDir,
    backupCopyDir: config.backupCopyDir,
    backupKey: config.backupKey,
    backupRetention: config.backupRetention,
    exportDir: config.exportDir,
    exportFormats: ['csv', 'parquet'],
    configRecord: {
      storeId: config.storeId,
      storeName: config.storeName,
      timeZone: config.timeZone,
      currency: config.currency,
      database: config.databaseUrl ? 'postgresql' : 'pglite',
      warehouse: config.clickhouseUrl ? 'clickhouse' : 'chdb',
      eventStream: config.natsUrl ? 'nats' : 'in-process',
      backupRetention: config.backupRetention,
      backupEncrypted: config.backupKey !== undefined,
    },
  };
}

async function auditSafely(db: Kysely<Database>, entry: AuditEntry, app: FastifyInstance): Promise<void> {
  try {
    await appendAudit(db, entry);
  } catch (err) {
    app.log.error({ err: { message: (err as Error).message } }, 'audit entry could not be written');
  }
}
