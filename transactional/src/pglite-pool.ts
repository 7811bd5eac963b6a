import { PGlite, types } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';

/**
 * PGlite (embedded PostgreSQL) behind the small pool interface Kysely's PostgresDialect uses.
 * PGlite has one connection: `connect()` hands it out to one holder at a time, so a Kysely
 * transaction owns it from BEGIN to COMMIT and other callers wait their turn.
 */
export class PGlitePool {
  readonly #db: PGlite;
  #tail: Promise<void> = Promise.resolve();

  private constructor(db: PGlite) {
    this.#db = db;
  }

  static async open(dataDir: string): Promise<PGlitePool> {
    const db = await PGlite.create(dataDir, {
      extensions: { pg_trgm },
      parsers: { [types.INT8]: (v: string) => Number(v), [types.DATE]: (v: string) => v },
    });
    return new PGlitePool(db);
  }

  async connect(): Promise<{ query: PGlitePool['query']; release: () => void }> {
    let release!: () => void;
    const turn = new Promise<void>((resolve) => {
      release = resolve;
    });
    const previous = this.#tail;
    this.#tail = previous.then(() => turn);
    await previous;
    let released = false;
    return {
      query: (sql, params) => this.query(sql, params),
      release: () => {
        if (!released) {
          released = true;
          release();
        }
      },
    };
  }

  async query(sql: string, params?: readonly unknown[]): Promise<{ command: string; rowCount: number; rows: unknown[] }> {
    const command = /^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase() ?? '';
    if ((params?.length ?? 0) === 0 && /;\s*\S/.test(sql)) {
      // Several statements (a migration): the simple protocol, as pg does for parameterless text.
      const results = await this.#db.exec(sql);
      const last = results.at(-1);
      return { command, rowCount: last?.affectedRows ?? 0, rows: last?.rows ?? [] };
    }
    const result = await this.#db.query(sql, params as unknown[]);
    return { command, rowCount: result.affectedRows ?? result.rows.length, rows: result.rows };
  }

  /** The whole data directory as a gzipped tar (PGlite's own backup format), taken between queries. */
  async dumpDataDir(): Promise<Blob> {
    const { release } = await this.connect();
    try {
      return await this.#db.dumpDataDir('gzip');
    } finally {
      release();
    }
  }

  async end(): Promise<void> {
    await this.#tail;
    await this.#db.close();
  }
}
