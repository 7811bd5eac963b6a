import { Kysely, PostgresDialect } from 'kysely';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Database } from './database.js';

const pools = new WeakMap<Kysely<Database>, pg.Pool>();

/** Remember the node-postgres pool behind a Kysely instance, so bulk loads can COPY through one of its clients. */
export function registerCopyPool(db: Kysely<Database>, pool: pg.Pool): void {
  pools.set(db, pool);
}

/**
 * One PostgreSQL connection taken from the pool for a bulk load: a Kysely instance bound to it (so a
 * transaction and its temporary tables live on it) and `COPY … FROM STDIN` on the same session.
 * Only for a server PostgreSQL opened by `openDatabase`; PGlite has no COPY from a client stream.
 */
export class CopyConnection {
  private constructor(
    readonly db: Kysely<Database>,
    readonly client: pg.PoolClient,
  ) {}

  /** A dedicated connection for `db`, or undefined when `db` is not a node-postgres pool (PGlite). */
  static async open(db: Kysely<Database>): Promise<CopyConnection | undefined> {
    const pool = pools.get(db);
    if (!pool) return undefined;
    const client = await pool.connect();
    const single = {
      connect: async () => ({ query: client.query.bind(client), release: () => undefined }),
      end: async () => undefined,
    };
    return new CopyConnection(new Kysely<Database>({ dialect: new PostgresDialect({ pool: single as never }) }), client);
  }

  /** Start `COPY … FROM STDIN` on this session: write text-format lines to the stream, then end it. */
  copyFrom(statement: string): ReturnType<typeof copyFrom> {
    return this.client.query(copyFrom(statement));
  }

  /** Give the connection back; a broken one (an error mid-COPY) is discarded. */
  async release(error?: Error): Promise<void> {
    await this.db.destroy();
    this.client.release(error);
  }
}
