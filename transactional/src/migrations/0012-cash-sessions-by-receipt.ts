import { type Kysely, sql } from 'kysely';

/**
 * A sale belongs to the cash session of its register that was open when the SERVER received it
 * (recorded_at): the session's window and the receipt time are on the same clock. Placing it by
 * its till time (occurred_at) left every sale of a till whose clock is hours off out of its X and
 * Z reports. The cash reports now look sales up by receipt time, not till time.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE INDEX sales_register_recorded ON sales (store_id, register_id, recorded_at);
    DROP INDEX sales_register_time;
  `.execute(db);
}
