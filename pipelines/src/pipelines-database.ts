import type { ColumnType, Generated } from 'kysely';

/**
 * The tables pipelines reads and writes, as pipelines sees them. Transactional owns the schema
 * (migration 0007 creates the pipelines tables); this package receives a Kysely handle on it.
 */
export interface PipelinesDatabase {
  jobs: { name: string; first_seen_at: Date };
  job_runs: {
    id: Generated<number>;
    job: string;
    scheduled_for: Date;
    trigger: 'schedule' | 'catch-up' | 'manual';
    started_at: Date;
    finished_at: Date | null;
    duration_ms: number | null;
    outcome: 'running' | 'ok' | 'failed' | 'interrupted';
    error: string | null;
    detail: unknown;
  };
  report_subscriptions: {
    id: Generated<number>;
    email: string;
    role: string;
    store_id: number | null;
    cadence: 'daily' | 'weekly' | 'monthly';
    created_at: ColumnType<Date, never, never>;
  };
  mail_queue: {
    id: Generated<number>;
    dedup_key: string;
    to_address: string;
    subject: string;
    message: Buffer;
    status: ColumnType<'queued' | 'sent', 'queued' | undefined, 'queued' | 'sent'>;
    attempts: ColumnType<number, never, number>;
    last_error: string | null;
    next_attempt_at: ColumnType<Date, Date | undefined, Date>;
    created_at: ColumnType<Date, never, never>;
    sent_at: Date | null;
    smtp_response: string | null;
  };
  stores: { id: number; name: string; time_zone: string; currency: string };
  products: { id: number; sku: string; name: string; price: number; cost: number; active: boolean };
  stock_movements: { id: number; store_id: number; product_id: number; quantity_milli: number; reason: string; sale_id: string | null };
  sales: { id: string; store_id: number; business_day: string; total: number };
  outbox: { id: number; event_id: string; store_id: number; payload: unknown; published_at: Date | null };
  audit_log: { id: number; at: Date; actor: string; action: string; subject: string | null; detail: unknown; request_id: string | null };
}
