import { existsSync } from 'node:fs';
import path from 'node:path';
import { EventLoader, ensureStream, InProcessBus, JetStreamLoader, NatsPublisher, type OutboxDatabase, OutboxRelay, outboxBacklog } from '@keel/ingest';
import { openWarehouse, type Warehouse } from '@keel/warehouse';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import type { FastifyInstance } from 'fastify';
import { type Kysely, sql } from 'kysely';
import { TokenVerifier } from './api-tokens.js';
import { buildApp } from './app.js';
import { type AuditEntry, appendAudit } from './audit-log.js';
import { authenticator } from './authenticate.js';
import type { KeelConfig } from './config.js';
import type { Database } from './database.js';
import { LiveFeed } from './live-feed.js';
import { migrate } from './migrate.js';
import { openDatabase } from './open-database.js';
import { ReferenceData } from './reference-data.js';

export interface KeelServer {
  readonly app: FastifyInstance;
  readonly url: string;
  readonly db: Kysely<Database>;
  readonly warehouse: Warehouse;
  readonly schemaVersion: number;
  /** Stop and start the event pipeline (relay and loader) without touching the API. */
  stopPipeline(): Promise<void>;
  startPipeline(): Promise<void>;
  /** Parts of the pipeline, for tests that restart one of them. */
  readonly pipeline: { restartRelay(): Promise<void>; restartLoader(): Promise<void>; relayNow(): Promise<number> };
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
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: config.databasePoolSize });
  const { db } = database;
  const schemaVersion = await migrate(db);
  await db
    .insertInto('stores')
    .values({ id: config.storeId, name: config.storeName, time_zone: config.timeZone, currency: config.currency })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();

  const warehouse = await openWarehouse({ clickhouseUrl: config.clickhouseUrl, dataDir: path.join(config.dataDir, 'warehouse') });
  await warehouse.migrate();

  const feed = new LiveFeed();
  const reference = new ReferenceData(db);
  const loader = new EventLoader(warehouse, (storeIds) => feed.publish(storeIds));
  const outboxDb = db as unknown as Kysely<OutboxDatabase>;
  const names = { stream: config.natsStream, subjectPrefix: config.natsSubjectPrefix, consumer: config.natsConsumer };

  let nc: NatsConnection | undefined;
  if (config.natsUrl) {
    nc = await connect({ servers: config.natsUrl, name: 'keel', maxReconnectAttempts: -1, reconnectTimeWait: 500 });
    await ensureStream(await jetstreamManager(nc), names);
  }

  const app = await buildApp({
    logger,
    bodyLimit: config.bodyLimit,
    dashboardsDist: options.dashboardsDist === null ? undefined : (options.dashboardsDist ?? (await defaultDashboardsDist())),
    authenticate: authenticator(new TokenVerifier(db), config.trustLoopback),
    sales: { db, reference, currency: config.currency, now: () => new Date(), audit: async (e) => void (await auditSafely(db, e, app)) },
    catalog: { db, reference },
    cashSessions: { db, storeId: config.storeId, now: () => new Date(), audit: async (e) => void (await auditSafely(db, e, app)) },
    terminal: {
      db,
      reference,
      storeId: config.storeId,
      offline: { maxSaleTotal: config.terminalOfflineMaxSale, tenders: config.terminalOfflineTenders, maxHours: config.terminalOfflineMaxHours },
      cashRounding: config.terminalCashRounding,
      audit: async (e) => void (await auditSafely(db, e, app)),
    },
    terminalDist: options.terminalDist === null ? undefined : (options.terminalDist ?? (await defaultTerminalDist())),
    dashboards: { warehouse, feed, reference, currency: config.currency },
    health: async () => {
      const [pgOk, whOk, backlog] = await Promise.all([
        sql`SELECT 1`.execute(db).then(
          () => true,
          () => false,
        ),
        warehouse.query('SELECT 1 AS one').then(
          () => true,
          () => false,
        ),
        outboxBacklog(outboxDb).catch(() => null),
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
      };
    },
  });

  const onError = (part: string) => (e: unknown) => app.log.warn({ err: { message: (e as Error)?.message } }, `${part} failed; retrying`);
  const relayOpts = { batchRows: config.relayBatchRows, idleMs: config.relayIdleMs, onError: onError('outbox relay') };
  let relay: OutboxRelay;
  let jsLoader: JetStreamLoader | undefined;
  const makeRelay = () => new OutboxRelay(outboxDb, nc ? new NatsPublisher(jetstream(nc), names) : new InProcessBus(loader), relayOpts);
  const makeLoader = () =>
    nc
      ? new JetStreamLoader(jetstream(nc), names, loader, {
          batchRows: config.loaderBatchRows,
          batchMs: config.loaderBatchMs,
          onError: onError('warehouse loader'),
        })
      : undefined;
  relay = makeRelay();
  jsLoader = makeLoader();

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

  let url = '';
  if (options.listen !== false) {
    url = await app.listen({ host: config.host, port: config.port });
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
    },
    'Keel started',
  );

  return {
    app,
    url,
    db,
    warehouse,
    schemaVersion,
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
    close: async () => {
      await app.close();
      await stopPipeline();
      await nc?.drain();
      await warehouse.close();
      await db.destroy();
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
