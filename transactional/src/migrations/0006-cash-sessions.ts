import { type Kysely, sql } from 'kysely';

/**
 * Cash sessions of a till (opening float, counted close) and refunds that name the sale they
 * return. A sale belongs to the session of its register whose window holds its till time.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE cash_sessions (
      id uuid PRIMARY KEY,
      store_id integer NOT NULL REFERENCES stores(id),
      register_id text NOT NULL CHECK (length(register_id) BETWEEN 1 AND 64),
      opened_by text NOT NULL,
      opened_at timestamptz NOT NULL,
      opening_float bigint NOT NULL CHECK (opening_float >= 0),
      closed_by text,
      closed_at timestamptz,
      counted jsonb,
      counted_total bigint,
      expected_cash bigint,
      z_report jsonb
    );
    CREATE UNIQUE INDEX cash_sessions_one_open ON cash_sessions (store_id, register_id) WHERE closed_at IS NULL;
    ALTER TABLE sales ADD COLUMN refund_of uuid REFERENCES sales(id);
    CREATE INDEX sales_refund_of ON sales (refund_of) WHERE refund_of IS NOT NULL;
    CREATE INDEX sales_register_time ON sales (store_id, register_id, occurred_at);
  `.execute(db);
}
