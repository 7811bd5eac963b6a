import { type Kysely, sql } from 'kysely';

/**
 * The back office at a million products: browsing by category, brand or inactive products pages
 * through an index in id order (no sort of a whole category), and a receipt keeps its unit cost and
 * the supplier's reference (delivery note, invoice) beside the movement.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE INDEX products_category_id ON products (category_id, id);
    DROP INDEX products_category;
    CREATE INDEX products_brand_id ON products (brand_id, id);
    DROP INDEX products_brand;
    CREATE INDEX products_inactive ON products (id) WHERE NOT active;
    ALTER TABLE stock_movements
      ADD COLUMN unit_cost bigint CHECK (unit_cost >= 0),
      ADD COLUMN reference text CHECK (length(reference) BETWEEN 1 AND 100);
  `.execute(db);
}
