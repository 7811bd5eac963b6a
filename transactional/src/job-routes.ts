import { type JobRunner, type PipelinesDatabase, recentJobRuns } from '@keel/pipelines';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { appendAudit } from './audit-log.js';
import type { Database } from './database.js';
import { jobsPage } from './jobs-page.js';
import { Problem } from './problem.js';

export interface JobRouteDeps {
  readonly db: Kysely<PipelinesDatabase>;
  readonly runner: JobRunner;
  readonly scheduled: boolean;
  readonly timeZone: string;
}

/** The scheduled jobs: their last runs (JSON and a page) and a way to run one now. */
export async function jobRoutes(app: FastifyInstance, opts: { deps: JobRouteDeps }): Promise<void> {
  const { deps } = opts;
  const listing = async () => {
    const runs = await recentJobRuns(deps.db, 10);
    return {
      scheduled: deps.scheduled,
      timeZone: deps.timeZone,
      jobs: deps.runner.jobs.map((j) => ({ name: j.name, description: j.description, schedule: j.schedule, runs: runs.filter((r) => r.job === j.name) })),
    };
  };
  app.get('/api/v1/jobs', { config: { permission: 'jobs.manage' } }, listing);
  app.post(
    '/api/v1/jobs/:name/run',
    { config: { permission: 'jobs.manage' }, schema: { params: Type.Object({ name: Type.String({ maxLength: 64 }) }) } },
    async (request, reply) => {
      const { name } = request.params as { name: string };
      if (!deps.runner.jobs.some((j) => j.name === name)) throw new Problem('job.not_found', name);
      const r = await deps.runner.runNow(name);
      if (r.status !== 'started') throw new Problem('job.running', name);
      await appendAudit(deps.db as unknown as Kysely<Database>, {
        actor: request.principal?.id ?? 'unknown',
        action: 'job.run',
        subject: `job:${name}`,
        detail: { startedFor: r.scheduledFor.toISOString() },
        requestId: request.id,
      });
      reply.code(202);
      return { job: name, startedFor: r.scheduledFor.toISOString() };
    },
  );
  app.get('/jobs', { config: { permission: 'jobs.manage' } }, async (_request, reply) => {
    reply.type('text/html; charset=utf-8');
    return jobsPage(await listing());
  });
}
