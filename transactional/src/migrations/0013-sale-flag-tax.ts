import { type Kysely, sql } from 'kysely';

/**
 * A sale accepted under the offline rule (taken offline, or sent again after a send that had no
 * answer) keeps the tax rate the till applied when the server's has changed since: flagged as
 * `tax_changed`, with the till's rate beside the server's (basis points). A manager's approval the
 * sale needed that never arrived (a till reloaded before its retry, and PINs are never journaled)
 * is flagged `approval_missing` per line concerned, with the reduction that needed it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE sale_flags DROP CONSTRAINT sale_flags_kind_check;
    ALTER TABLE sale_flags
      ADD CONSTRAINT sale_flags_kind_check CHECK (kind IN ('price_changed', 'product_retired', 'stock_negative', 'tax_changed', 'approval_missing')),
      ADD COLUMN till_tax_bp integer,
      ADD COLUMN server_tax_bp integer,
      ADD COLUMN approval_bp integer;
  `.execute(db);
}
