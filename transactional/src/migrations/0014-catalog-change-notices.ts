import { type Kysely, sql } from 'kysely';

/**
 * Every statement that writes products announces, when its transaction commits, the range of change
 * numbers (`catalog_seq`) it gave them: `NOTIFY keel_catalog, '<lowest>:<highest>'`. PostgreSQL delivers
 * notices in commit order, so a listener that reads each announced range misses no change, even one
 * whose numbers are lower than a change that committed before it (a long import). The server's
 * in-memory name index keeps itself current this way.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE FUNCTION catalog_change_notice() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE lo bigint; hi bigint;
      BEGIN
        SELECT min(catalog_seq), max(catalog_seq) INTO lo, hi FROM changed_rows;
        IF lo IS NOT NULL THEN PERFORM pg_notify('keel_catalog', lo || ':' || hi); END IF;
        RETURN NULL;
      END $$;
    CREATE TRIGGER products_notice_insert AFTER INSERT ON products REFERENCING NEW TABLE AS changed_rows
      FOR EACH STATEMENT EXECUTE FUNCTION catalog_change_notice();
    CREATE TRIGGER products_notice_update AFTER UPDATE ON products REFERENCING NEW TABLE AS changed_rows
      FOR EACH STATEMENT EXECUTE FUNCTION catalog_change_notice();
  `.execute(db);
}
