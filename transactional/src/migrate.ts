import { type Kysely, sql } from 'kysely';
import type { Database } from './database.js';
import { MIGRATIONS, type Migration } from './migrations/index.js';

/** Arbitrary constant: the advisory lock that stops two servers migrating at once. */
const MIGRATION_LOCK = 7_245_001;

async function ensureTable(db: Kysely<Database>): Promise<void> {
  await sql`CREATE TABLE IF NOT EXISTS keel_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`.execute(
    db,
  );
}

/** Migrations not yet applied, in order. */
export async function pendingMigrations(db: Kysely<Database>, migrations: readonly Migration[] = MIGRATIONS): Promise<Migration[]> {
  await ensureTable(db);
  const done = new Set((await db.selectFrom('keel_migrations').select('version').execute()).map((r) => r.version));
  return [...migrations].sort((a, b) => a.version - b.version).filter((m) => !done.has(m.version));
}

/**
 * Run pending migrations in order. Consecutive migrations that PostgreSQL can run in a transaction
 * (all but those marked `transactional: false`, e.g. CREATE INDEX CONCURRENTLY) run together in ONE
 * transaction with their bookkeeping rows: when any of them fails, the database is left exactly as it
 * was and the previous version of Keel can still run on it. Returns the schema version reached.
 */
export async function migrate(db: Kysely<Database>, migrations: readonly Migration[] = MIGRATIONS): Promise<number> {
  const pending = await pendingMigrations(db, migrations);
  let i = 0;
  while (i < pending.length) {
    const first = pending[i] as Migration;
    const group = first.transactional === false ? [first] : [];
    if (group.length === 0) {
      while (i + group.length < pending.length && (pending[i + group.length] as Migration).transactional !== false)
        group.push(pending[i + group.length] as Migration);
    }
    i += group.length;
    if (first.transactional === false) {
      await first.up(db as unknown as Kysely<unknown>);
      await db
        .insertInto('keel_migrations')
        .values({ version: first.version, name: first.name })
        .onConflict((oc) => oc.doNothing())
        .execute();
      continue;
    }
    await db.transaction().execute(async (tx) => {
      await sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`.execute(tx);
      for (const m of group) {
        // Another server may have applied it while this one waited for the lock.
        const done = await tx.selectFrom('keel_migrations').select('version').where('version', '=', m.version).executeTakeFirst();
        if (done) continue;
        try {
          await m.up(tx as unknown as Kysely<unknown>);
        } catch (e) {
          throw new MigrationError(m, e);
        }
        await tx.insertInto('keel_migrations').values({ version: m.version, name: m.name }).execute();
      }
    });
  }
  return schemaVersion(db);
}

export class MigrationError extends Error {
  readonly version: number;
  constructor(m: Migration, cause: unknown) {
    super(`migration ${m.version} (${m.name}) failed: ${(cause as Error)?.message ?? String(cause)}; no migration of this run was applied`);
    this.version = m.version;
  }
}

export async function schemaVersion(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('keel_migrations')
    .select((eb) => eb.fn.max('version').as('v'))
    .executeTakeFirst();
  return Number(row?.v ?? 0);
}
