import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { EmbeddedPostgres, PipelinesDatabase } from '@keel/pipelines';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { registerCopyPool } from './copy-connection.js';
import type { Database } from './database.js';
import type { BackupSource } from './database-backup.js';
import { PGlitePool } from './pglite-pool.js';
import { PreparingClient } from './prepared-statements.js';

export interface OpenDatabase {
  readonly db: Kysely<Database>;
  readonly kind: 'postgresql' | 'pglite';
  /** Where it is, without credentials, for logs and /health. */
  readonly describe: string;
  /** The embedded database as backups need it (PGlite only). */
  readonly embedded?: EmbeddedPostgres;
  /** What `backupDatabase` dumps. */
  readonly backupSource: BackupSource;
}

const INT8 = 20;
const NUMERIC = 1700;
const DATE = 1082;

/** pg parses int8 and numeric to number (amounts stay far below 2^53) and dates to 'YYYY-MM-DD' strings. */
function pgTypes() {
  return {
    getTypeParser(oid: number, format?: 'text' | 'binary') {
      if (oid === INT8 || oid === NUMERIC) return (v: string) => Number(v);
      if (oid === DATE) return (v: string) => v;
      return pg.types.getTypeParser(oid, format);
    },
  };
}

/** Opening a database from a PGlite dump needs no live database (restore onto a fresh machine). */
export const embeddedRestore: EmbeddedPostgres = {
  dump: () => Promise.reject(new Error('no live embedded database')),
  openFromDump: async (at, tarball) => {
    mkdirSync(at, { recursive: true });
    const copy = new Kysely<PipelinesDatabase>({ dialect: new PostgresDialect({ pool: (await PGlitePool.openFromDump(at, tarball)) as never }) });
    return { db: copy, close: () => copy.destroy() };
  },
};

export async function openDatabase(opts: { databaseUrl: string | undefined; dataDir: string; poolSize: number }): Promise<OpenDatabase> {
  if (opts.databaseUrl) {
    const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: opts.poolSize, types: pgTypes() as pg.CustomTypesConfig, Client: PreparingClient });
    pool.on('error', () => {
      // An idle client lost its connection (PostgreSQL restarted): pg drops it from the pool; the next query reconnects.
    });
    pool.on('connect', (client) => {
      client.on('error', () => {
        // A client checked out of the pool (a transaction between two statements) lost its connection:
        // without a listener node-postgres throws an unhandled 'error' and ends the process (found by the
        // postgres-kill fault scenario). The transaction's next statement fails ("not queryable", a 503),
        // and on release the pool discards the broken client.
      });
    });
    const u = new URL(opts.databaseUrl);
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    registerCopyPool(db, pool);
    return {
      db,
      kind: 'postgresql',
      describe: `${u.hostname}:${u.port || 5432}${u.pathname}`,
      backupSource: { kind: 'postgresql', url: opts.databaseUrl },
    };
  }
  const dir = path.join(opts.dataDir, 'postgres');
  mkdirSync(dir, { recursive: true });
  const pool = await PGlitePool.open(dir);
  const embedded: EmbeddedPostgres = {
    dump: async () => Buffer.from(await (await pool.dumpDataDir()).arrayBuffer()),
    openFromDump: embeddedRestore.openFromDump,
  };
  return {
    db: new Kysely<Database>({ dialect: new PostgresDialect({ pool: pool as never }) }),
    kind: 'pglite',
    describe: dir,
    backupSource: { kind: 'pglite', dumpDataDir: () => pool.dumpDataDir() },
    embedded,
  };
}
