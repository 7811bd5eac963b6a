import { type Kysely, sql } from 'kysely';

/**
 * Change numbers (`catalog_seq`) are handed out when a row is written and become visible when its
 * transaction commits, so a long import can commit numbers below ones already visible. Two ways
 * to see every change anyway:
 * - Every statement that writes products announces, when its transaction commits, the range of numbers
 *   it gave them: `NOTIFY keel_catalog, '<lowest>:<highest>'`. Notices come in commit order: a listener
 *   that reads each announced range misses nothing (the server's catalog in memory).
 * - Every such statement first takes a shared advisory lock (key 7301001, held to the end of its
 *   transaction); whoever holds it exclusively, even for a moment, knows no writer is between numbering
 *   and commit, so the highest number visible then is a version with nothing missing below it (the
 *   tills' catalog deltas).
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
    CREATE FUNCTION catalog_writer() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN PERFORM pg_advisory_xact_lock_shared(7301001); RETURN NULL; END $$;
    CREATE TRIGGER products_writer BEFORE INSERT OR UPDATE ON products FOR EACH STATEMENT EXECUTE FUNCTION catalog_writer();
  `.execute(db);
}
