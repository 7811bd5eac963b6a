import { type Kysely, sql } from 'kysely';
import type { Database } from './database.js';
import { MIGRATIONS, type Migration } from './migrations/index.js';

/** Arbitrary constant: the advisory lock that stops two servers migrating at once. */
const MIGRATION_LOCK = 7_245_001;

/**
 * Run pending migrations in order, each in its own transaction with its bookkeeping row, so a
 * failed migration leaves the database as it was. Returns the schema version reached.
 */
export async function migrate(db: Kysely<Database>, migrations: readonly Migration[] = MIGRATIONS): Promise<number> {
  await sql`CREATE TABLE IF NOT EXISTS keel_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`.execute(
    db,
  );
  for (const m of migrations) {
    await db.transaction().execute(async (tx) => {
      await sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`.execute(tx);
      const done = await tx.selectFrom('keel_migrations').select('version').where('version', '=', m.version).executeTakeFirst();
      if (done) return;
      await m.up(tx as unknown as Kysely<unknown>);
      await tx.insertInto('keel_migrations').values({ version: m.version, name: m.name }).execute();
    });
  }
  return schemaVersion(db);
}

export async function schemaVersion(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('keel_migrations')
    .select((eb) => eb.fn.max('version').as('v'))
    .executeTakeFirst();
  return Number(row?.v ?? 0);
}
