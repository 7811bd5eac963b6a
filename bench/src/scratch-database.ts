import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Where the bench finds PostgreSQL: TCP on loopback, the way the Keel server connects. */
export interface PostgresServer {
  readonly host: string;
  readonly port: number;
  readonly user: string;
}

export const LOCAL_POSTGRES: PostgresServer = { host: '127.0.0.1', port: 5432, user: 'postgres' };

/** A throwaway database `keel_bench_<random>`, created empty and dropped (with FORCE) at the end. */
export class ScratchDatabase {
  readonly name: string;
  readonly server: PostgresServer;
  #dropped = false;

  private constructor(server: PostgresServer, name: string) {
    this.server = server;
    this.name = name;
  }

  static async create(server: PostgresServer = LOCAL_POSTGRES): Promise<ScratchDatabase> {
    const name = `keel_bench_${randomBytes(5).toString('hex')}`;
    await withAdmin(server, (c) => c.query(`CREATE DATABASE ${name}`));
    return new ScratchDatabase(server, name);
  }

  get url(): string {
    return `postgresql://${this.server.user}@${this.server.host}:${this.server.port}/${this.name}`;
  }

  /** Run `fn` with a client on this database, closed afterwards. */
  async with<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = new pg.Client({ connectionString: this.url });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  }

  async drop(): Promise<void> {
    if (this.#dropped) return;
    await withAdmin(this.server, (c) => c.query(`DROP DATABASE IF EXISTS ${this.name} WITH (FORCE)`));
    this.#dropped = true;
  }
}

async function withAdmin<T>(server: PostgresServer, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ host: server.host, port: server.port, user: server.user, database: 'postgres' });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
