import { sql } from 'kysely';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { scratchDatabase, withDatabase } from '../src/restore.js';

const ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * Backup verification restores into a scratch database, reads it through `withDatabase` and drops it
 * WITH (FORCE). PostgreSQL ending one of that pool's idle sessions (the drop racing a pool whose end
 * has resolved before its sockets closed, a restart, an administrator) must not reach the process as an
 * unhandled 'error': in the server, the nightly verify job would take every till offline.
 */
describe('a scratch database whose sessions PostgreSQL ends', () => {
  it('keeps the process alive, and the next read reconnects', async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (e: unknown) => uncaught.push(e);
    process.on('uncaughtException', onUncaught);
    const scratch = await scratchDatabase(ADMIN_URL);
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    try {
      const after = await withDatabase(scratch.url, async (db) => {
        await Promise.all([sql`SELECT 1`.execute(db), sql`SELECT pg_sleep(0.01)`.execute(db)]);
        const ended = await admin.query('SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE datname = $1', [
          new URL(scratch.url).pathname.slice(1),
        ]);
        expect(ended.rows[0].n).toBe(2);
        await new Promise((r) => setTimeout(r, 300));
        return (await sql<{ n: number }>`SELECT 41 + 1 AS n`.execute(db)).rows[0]?.n;
      });
      expect(after).toBe(42);
      expect(uncaught).toEqual([]);
    } finally {
      process.off('uncaughtException', onUncaught);
      await admin.end();
      await scratch.drop();
    }
  });
});
