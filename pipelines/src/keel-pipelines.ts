import type { Warehouse } from '@keel/warehouse';
import type { Kysely } from 'kysely';
import cron from 'node-cron';
import type { RetentionPolicy } from './backup-retention.js';
import type { ExportFormat } from './data-export.js';
import type { EmbeddedPostgres } from './embedded-postgres.js';
import type { Job } from './job.js';
import { JobRunner } from './job-runner.js';
import { backupJob } from './jobs/backup-job.js';
import { exportJob } from './jobs/export-job.js';
import { mailDeliveryJob } from './jobs/mail-delivery-job.js';
import { reconciliationJob } from './jobs/reconciliation-job.js';
import { trendReportJob } from './jobs/trend-report-job.js';
import { deliverQueuedMail } from './mail-queue.js';
import type { PipelinesDatabase } from './pipelines-database.js';
import type { RepairViews } from './reconciliation.js';

/** What the scheduled jobs need, handed over by the composition root. */
export interface PipelinesConfig {
  readonly timeZone: string;
  readonly currency: string;
  readonly storeId: number;
  readonly dataDir: string;
  readonly databaseUrl: string | undefined;
  readonly smtpUrl: string | undefined;
  readonly mailFrom: string;
  readonly backupDir: string;
  readonly backupCopyDir: string | undefined;
  readonly backupKey: Buffer | undefined;
  readonly backupRetention: RetentionPolicy;
  readonly exportDir: string;
  readonly exportFormats: readonly ExportFormat[];
  /** Configuration to record in backups (no secrets). */
  readonly configRecord: Record<string, unknown>;
}

export interface PipelinesDeps {
  readonly db: Kysely<PipelinesDatabase>;
  readonly warehouse: Warehouse;
  /** The embedded database (PGlite), when there is no DATABASE_URL. */
  readonly embedded?: EmbeddedPostgres | undefined;
  readonly kickRelay: () => void;
  /** Recompute the warehouse views of some stores and days, between the loader's loads. */
  readonly repairViews: RepairViews;
  readonly now?: () => Date;
  readonly log?: (message: string, detail?: Record<string, unknown>) => void;
}

/** Every scheduled job of a Keel server, one per file under jobs/. */
export function keelJobs(config: PipelinesConfig, deps: PipelinesDeps): Job[] {
  const now = deps.now ?? (() => new Date());
  const deliver = (at: Date = now()) => deliverQueuedMail(deps.db, config.smtpUrl, at);
  const reportDeps = { db: deps.db, warehouse: deps.warehouse, timeZone: config.timeZone, currency: config.currency, mailFrom: config.mailFrom, deliver };
  const jobs: Job[] = [
    trendReportJob('daily', reportDeps),
    trendReportJob('weekly', reportDeps),
    trendReportJob('monthly', reportDeps),
    mailDeliveryJob(deliver),
    reconciliationJob({
      db: deps.db,
      warehouse: deps.warehouse,
      timeZone: config.timeZone,
      currency: config.currency,
      kickRelay: deps.kickRelay,
      repairViews: deps.repairViews,
    }),
    exportJob({ warehouse: deps.warehouse, dir: config.exportDir, timeZone: config.timeZone, formats: config.exportFormats }),
  ];
  // With a ClickHouse server the warehouse is backed up by ClickHouse's own BACKUP; PostgreSQL still is here.
  if (config.databaseUrl || deps.embedded) {
    jobs.push(
      backupJob(
        {
          db: deps.db,
          databaseUrl: config.databaseUrl,
          embedded: deps.embedded,
          warehouse: deps.warehouse,
          dataDir: config.dataDir,
          storeId: config.storeId,
          config: config.configRecord,
        },
        { dir: config.backupDir, copyDir: config.backupCopyDir, key: config.backupKey, retention: config.backupRetention },
      ),
    );
  }
  return jobs;
}

export interface RunningPipelines {
  readonly runner: JobRunner;
  /** Whether the scheduler ticks (JOBS_ENABLED); the runner serves manual runs either way. */
  readonly scheduled: boolean;
  stop(): Promise<void>;
}

/**
 * Start the scheduler: catch up at once on runs missed while the server was off, then tick every
 * minute (node-cron); each tick starts the jobs due (JobRunner decides, with the clock injected).
 */
export async function startPipelines(config: PipelinesConfig, deps: PipelinesDeps, schedule = true): Promise<RunningPipelines> {
  const now = deps.now ?? (() => new Date());
  const log = deps.log ?? (() => {});
  const runner = new JobRunner(deps.db, keelJobs(config, deps), { timeZone: config.timeZone, now, log });
  const tick = () =>
    void runner.tick(now()).catch((e: unknown) => {
      log('job scheduler tick failed', { error: (e as Error).message });
    });
  await runner.init();
  if (!schedule) return { runner, scheduled: false, stop: () => runner.idle() };
  tick();
  const task = cron.schedule('* * * * *', tick, { timezone: config.timeZone, noOverlap: true });
  return {
    runner,
    scheduled: true,
    stop: async () => {
      await task.stop();
      await runner.idle();
    },
  };
}
