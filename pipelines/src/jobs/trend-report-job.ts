import type { Warehouse } from '@keel/warehouse';
import type { Kysely } from 'kysely';
import type { Job } from '../job.js';
import { enqueueMail } from '../mail-queue.js';
import type { PipelinesDatabase } from '../pipelines-database.js';
import { renderReportMail } from '../report-mail.js';
import { type Cadence, reportPeriod } from '../report-period.js';
import { buildTrendReport } from '../trend-report.js';

export interface TrendReportJobDeps {
  readonly db: Kysely<PipelinesDatabase>;
  readonly warehouse: Warehouse;
  readonly timeZone: string;
  readonly currency: string;
  readonly mailFrom: string;
  /** Delivery runs right after queueing (and again on its own schedule while mail is down). */
  readonly deliver: () => Promise<unknown>;
}

const SCHEDULES: Readonly<Record<Cadence, string>> = { daily: '0 6 * * *', weekly: '0 7 * * 1', monthly: '0 7 1 * *' };

/**
 * Queue one report per subscriber of this cadence, built for that subscriber's role and store,
 * keyed by subscriber and period so a repeated or caught-up run never mails twice; then deliver.
 */
export function trendReportJob(cadence: Cadence, deps: TrendReportJobDeps, schedule = SCHEDULES[cadence]): Job {
  return {
    name: `${cadence}-report`,
    description: `${cadence === 'monthly' ? 'Month-end' : cadence[0]?.toUpperCase() + cadence.slice(1)} trend report to its subscribers`,
    schedule,
    async run(ctx) {
      const period = reportPeriod(cadence, ctx.scheduledFor, deps.timeZone);
      const subscribers = await deps.db.selectFrom('report_subscriptions').selectAll().where('cadence', '=', cadence).orderBy('id').execute();
      let queued = 0;
      for (const s of subscribers) {
        const report = await buildTrendReport(deps.warehouse, deps.db, period, { role: s.role, storeId: s.store_id }, deps.currency);
        const mail = renderReportMail(report);
        const isNew = await enqueueMail(deps.db, {
          dedupKey: `report.${cadence}.${s.id}.${period.from}`,
          from: deps.mailFrom,
          to: s.email,
          subject: mail.subject,
          html: mail.html,
          text: mail.text,
          inlineImages: [{ cid: mail.chartCid, filename: 'revenue.png', png: mail.chartPng }],
        });
        if (isNew) queued++;
      }
      const delivery = await deps.deliver();
      return { period: `${period.from}..${period.to}`, subscribers: subscribers.length, queued, delivery };
    },
  };
}
