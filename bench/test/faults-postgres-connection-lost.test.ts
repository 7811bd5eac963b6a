import { openDatabase } from '@keel/transactional';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScratchDatabase } from '../src/scratch-database.js';

/**
 * Regression for the bug the postgres-kill fault scenario found: a connection that PostgreSQL ends
 * while Keel holds it between two statements of a transaction (checked out of the pool, no query
 * running) emitted an unhandled 'error' event and took the whole server process down (every till
 * offline until systemd restarted it). It must only fail that transaction.
 */
let database: ScratchDatabase;
beforeAll(async () => {
  database = await ScratchDatabase.create();
});
afterAll(async () => {
  await database?.drop();
});

describe('a PostgreSQL connection lost in the middle of a transaction', () => {
  it('fails that transaction only; the process lives on and the next query works', async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (e: unknown) => uncaught.push(e);
    process.on('uncaughtException', onUncaught);
    const opened = await openDatabase({ databaseUrl: database.url, dataDir: '/nonexistent', poolSize: 2 });
    try {
      const admin = new pg.Client({ connectionString: database.url });
      await admin.connect();
      const failed = opened.db
        .transaction()
        .execute(async (trx) => {
          const { rows } = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(trx);
          // PostgreSQL ends this session (a restart, a crash, an admin) while the transaction holds it idle.
          await admin.query('SELECT pg_terminate_backend($1)', [rows[0]?.pid]);
          await new Promise((r) => setTimeout(r, 300));
          await sql`SELECT 1`.execute(trx);
        })
        .then(
          () => 'committed',
          (e: Error) => e.message,
        );
      expect(await failed).toMatch(/terminat|not queryable|connection/i);
      await admin.end();
      const { rows } = await sql<{ n: number }>`SELECT 41 + 1 AS n`.execute(opened.db);
      expect(rows[0]?.n).toBe(42);
      expect(uncaught).toEqual([]);
    } finally {
      process.off('uncaughtException', onUncaught);
      await opened.db.destroy();
    }
  });
});
