import { type Kysely, sql } from 'kysely';
import { type CronExpression, latestOccurrence, parseCron } from './cron-expression.js';
import type { Job } from './job.js';
import type { PipelinesDatabase } from './pipelines-database.js';

export interface JobRunnerOptions {
  readonly timeZone: string;
  /** The clock; tests pass a controlled one. */
  readonly now: () => Date;
  readonly log?: (message: string, detail?: Record<string, unknown>) => void;
}

export type RunTrigger = 'schedule' | 'catch-up' | 'manual';

export interface RunOutcome {
  readonly job: string;
  readonly scheduledFor: Date;
  readonly trigger: RunTrigger;
  readonly outcome: 'ok' | 'failed';
  readonly durationMs: number;
  readonly error: string | null;
  readonly detail: Record<string, unknown> | null;
}

export type TickResult =
  | { readonly job: string; readonly status: 'started'; readonly scheduledFor: Date; readonly trigger: RunTrigger; readonly done: Promise<RunOutcome> }
  | { readonly job: string; readonly status: 'running' | 'not-due'; readonly scheduledFor?: Date };

/**
 * Runs jobs when due. A tick looks, for each job, at its latest scheduled minute at or before now;
 * when no run was recorded for it (nor any later one), the job runs once for that minute. So a run
 * missed while the server was off runs once at the next tick, however many were missed, and a
 * tick repeated within the minute does nothing. A job never overlaps itself: not while a run is in
 * flight here, and the (job, scheduled_for) key refuses a second process the same minute.
 */
export class JobRunner {
  readonly #db: Kysely<PipelinesDatabase>;
  readonly #opts: JobRunnerOptions;
  readonly #jobs = new Map<string, { job: Job; cron: CronExpression }>();
  readonly #inFlight = new Map<string, Promise<RunOutcome>>();
  #firstSeen = new Map<string, Date>();
  #ready: Promise<void> | undefined;

  constructor(db: Kysely<PipelinesDatabase>, jobs: readonly Job[], opts: JobRunnerOptions) {
    this.#db = db;
    this.#opts = opts;
    for (const job of jobs) {
      if (this.#jobs.has(job.name)) throw new Error(`two jobs are named ${job.name}`);
      this.#jobs.set(job.name, { job, cron: parseCron(job.schedule) });
    }
  }

  get jobs(): readonly Job[] {
    return [...this.#jobs.values()].map((j) => j.job);
  }

  /**
   * Register jobs (a job seen for the first time does not catch up on the time before) and mark
   * runs left 'running' by a process that stopped mid-way as interrupted.
   */
  init(): Promise<void> {
    this.#ready ??= (async () => {
      const now = this.#opts.now();
      const names = [...this.#jobs.keys()];
      if (names.length === 0) return;
      await this.#db
        .insertInto('jobs')
        .values(names.map((name) => ({ name, first_seen_at: now })))
        .onConflict((oc) => oc.column('name').doNothing())
        .execute();
      const rows = await this.#db.selectFrom('jobs').select(['name', 'first_seen_at']).where('name', 'in', names).execute();
      this.#firstSeen = new Map(rows.map((r) => [r.name, r.first_seen_at]));
      await this.#db
        .updateTable('job_runs')
        .set({ outcome: 'interrupted', error: 'the server stopped during the run', finished_at: now })
        .where('outcome', '=', 'running')
        .where('job', 'in', names)
        .execute();
    })();
    return this.#ready;
  }

  /** Start every job that is due at `now` (see the class comment); returns at once, runs go on. */
  async tick(now: Date = this.#opts.now()): Promise<TickResult[]> {
    await this.init();
    const results: TickResult[] = [];
    for (const [name, { cron }] of this.#jobs) {
      const due = latestOccurrence(cron, this.#opts.timeZone, now);
      if (due === undefined || due < (this.#firstSeen.get(name) ?? now)) {
        results.push({ job: name, status: 'not-due' });
        continue;
      }
      if (this.#inFlight.has(name)) {
        results.push({ job: name, status: 'running', scheduledFor: due });
        continue;
      }
      const last = await this.#db
        .selectFrom('job_runs')
        .select((eb) => eb.fn.max('scheduled_for').as('last'))
        .where('job', '=', name)
        .where('trigger', '!=', 'manual')
        .executeTakeFirst();
      if (last?.last && new Date(last.last as Date) >= due) {
        results.push({ job: name, status: 'not-due', scheduledFor: due });
        continue;
      }
      const trigger: RunTrigger = now.getTime() - due.getTime() < 60_000 ? 'schedule' : 'catch-up';
      results.push(await this.#start(name, due, trigger));
    }
    return results;
  }

  /** Run a job now, outside its schedule (the jobs page's button, `npx keel` commands). */
  async runNow(name: string): Promise<TickResult> {
    await this.init();
    if (!this.#jobs.has(name)) throw new Error(`no job named ${name}`);
    if (this.#inFlight.has(name)) return { job: name, status: 'running' };
    return this.#start(name, this.#opts.now(), 'manual');
  }

  /** Wait for every run in flight (used when stopping). */
  async idle(): Promise<void> {
    await Promise.allSettled([...this.#inFlight.values()]);
  }

  async #start(name: string, scheduledFor: Date, trigger: RunTrigger): Promise<TickResult> {
    const entry = this.#jobs.get(name);
    if (!entry) throw new Error(`no job named ${name}`);
    // Claim the slot synchronously, before any await, so a concurrent tick sees it taken.
    let release!: (o: RunOutcome) => void;
    const done = new Promise<RunOutcome>((resolve) => {
      release = resolve;
    });
    this.#inFlight.set(name, done);
    const startedAt = this.#opts.now();
    let runId: number;
    try {
      // Another process may be running this job (for an earlier minute): never overlap it.
      const busy = await this.#db.selectFrom('job_runs').select('id').where('job', '=', name).where('outcome', '=', 'running').executeTakeFirst();
      if (busy) {
        this.#inFlight.delete(name);
        return { job: name, status: 'running', scheduledFor };
      }
      const inserted = await this.#db
        .insertInto('job_runs')
        .values({ job: name, scheduled_for: scheduledFor, trigger, started_at: startedAt, outcome: 'running', detail: null })
        .onConflict((oc) => oc.columns(['job', 'scheduled_for']).doNothing())
        .returning('id')
        .executeTakeFirst();
      if (!inserted) {
        this.#inFlight.delete(name);
        return { job: name, status: 'running', scheduledFor };
      }
      runId = inserted.id;
    } catch (e) {
      this.#inFlight.delete(name);
      throw e;
    }
    const log = this.#opts.log ?? (() => {});
    const execute = async (): Promise<RunOutcome> => {
      const t0 = performance.now();
      let outcome: RunOutcome;
      try {
        const detail = await entry.job.run({ scheduledFor, now: this.#opts.now, log });
        outcome = { job: name, scheduledFor, trigger, outcome: 'ok', durationMs: Math.round(performance.now() - t0), error: null, detail };
      } catch (e) {
        const error = (e as Error)?.message ?? String(e);
        log(`job ${name} failed`, { error });
        outcome = { job: name, scheduledFor, trigger, outcome: 'failed', durationMs: Math.round(performance.now() - t0), error, detail: null };
      }
      try {
        await this.#db
          .updateTable('job_runs')
          .set({
            outcome: outcome.outcome,
            finished_at: this.#opts.now(),
            duration_ms: outcome.durationMs,
            error: outcome.error,
            detail: outcome.detail === null ? null : JSON.stringify(outcome.detail),
          })
          .where('id', '=', runId)
          .execute();
      } catch (e) {
        log(`job ${name}: its run could not be recorded`, { error: (e as Error).message });
      }
      return outcome;
    };
    void execute().then((o) => {
      this.#inFlight.delete(name);
      release(o);
    });
    return { job: name, status: 'started', scheduledFor, trigger, done };
  }
}

export interface JobRunRow {
  readonly id: number;
  readonly job: string;
  readonly scheduledFor: string;
  readonly trigger: RunTrigger;
  readonly startedAt: string;
  readonly finishedAt: string | null;
  readonly durationMs: number | null;
  readonly outcome: string;
  readonly error: string | null;
  readonly detail: unknown;
}

/** The last `perJob` runs of every job, newest first. */
export async function recentJobRuns(db: Kysely<PipelinesDatabase>, perJob = 10): Promise<JobRunRow[]> {
  const { rows } = await sql<JobRunRow>`
    SELECT id, job, scheduled_for AS "scheduledFor", trigger, started_at AS "startedAt", finished_at AS "finishedAt",
      duration_ms AS "durationMs", outcome, error, detail
    FROM (SELECT r.*, row_number() OVER (PARTITION BY job ORDER BY started_at DESC, id DESC) AS n FROM job_runs r) ranked
    WHERE n <= ${perJob}
    ORDER BY job, started_at DESC, id DESC`.execute(db);
  return rows.map((r) => ({
    ...r,
    scheduledFor: new Date(r.scheduledFor).toISOString(),
    startedAt: new Date(r.startedAt).toISOString(),
    finishedAt: r.finishedAt === null ? null : new Date(r.finishedAt).toISOString(),
  }));
}
