import { type Kysely, sql } from 'kysely';

/**
 * A sale accepted under the offline rule (taken offline, or sent again after a send that had no
 * answer) keeps the tax rate the till applied when the server's has changed since: flagged as
 * `tax_changed`, with the till's rate beside the server's (basis points).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE sale_flags DROP CONSTRAINT sale_flags_kind_check;
    ALTER TABLE sale_flags
      ADD CONSTRAINT sale_flags_kind_check CHECK (kind IN ('price_changed', 'product_retired', 'stock_negative', 'tax_changed')),
      ADD COLUMN till_tax_bp integer,
      ADD COLUMN server_tax_bp integer;
  `.execute(db);
}
