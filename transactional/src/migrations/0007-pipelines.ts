import { type Kysely, sql } from 'kysely';

/** Scheduled jobs and their runs, report subscribers, and the outgoing mail queue (pipelines). */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE jobs (
      name text PRIMARY KEY,
      first_seen_at timestamptz NOT NULL
    );
    CREATE TABLE job_runs (
      id bigserial PRIMARY KEY,
      job text NOT NULL REFERENCES jobs(name),
      scheduled_for timestamptz NOT NULL,
      trigger text NOT NULL CHECK (trigger IN ('schedule', 'catch-up', 'manual')),
      started_at timestamptz NOT NULL,
      finished_at timestamptz,
      duration_ms integer,
      outcome text NOT NULL CHECK (outcome IN ('running', 'ok', 'failed', 'interrupted')),
      error text,
      detail jsonb,
      UNIQUE (job, scheduled_for)
    );
    CREATE INDEX job_runs_latest ON job_runs (job, started_at DESC);
    CREATE TABLE report_subscriptions (
      id bigserial PRIMARY KEY,
      email text NOT NULL CHECK (email ~ '^[^@[:space:]]+@[^@[:space:]]+$'),
      role text NOT NULL,
      store_id integer REFERENCES stores(id),
      cadence text NOT NULL CHECK (cadence IN ('daily', 'weekly', 'monthly')),
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (email, store_id, cadence)
    );
    CREATE TABLE mail_queue (
      id bigserial PRIMARY KEY,
      dedup_key text NOT NULL UNIQUE,
      to_address text NOT NULL,
      subject text NOT NULL,
      message bytea NOT NULL,
      status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent')),
      attempts integer NOT NULL DEFAULT 0,
      last_error text,
      next_attempt_at timestamptz NOT NULL DEFAULT now(),
      created_at timestamptz NOT NULL DEFAULT now(),
      sent_at timestamptz,
      smtp_response text
    );
    CREATE INDEX mail_queue_due ON mail_queue (next_attempt_at) WHERE status = 'queued';
  `.execute(db);
}
