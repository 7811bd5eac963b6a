import { execFile } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from '../keel-process.js';

const run = promisify(execFile);
const PG_BIN = '/usr/lib/postgresql/15/bin';

/**
 * A PostgreSQL cluster of the scenario's own (initdb into a temp dir, run as the postgres user on a
 * free port, fsync and synchronous_commit ON as in production), so a fault scenario may restart it
 * or `kill -9` it without touching the machine's shared PostgreSQL on 5432.
 */
export class ScratchPostgres {
  readonly port: number;
  readonly #dir: string;
  readonly #data: string;
  #running = false;

  private constructor(port: number, dir: string) {
    this.port = port;
    this.#dir = dir;
    this.#data = path.join(dir, 'data');
  }

  /** `parent`: where the cluster's directory goes (a small volume of the scenario's own, say). */
  static async start(parent = tmpdir()): Promise<ScratchPostgres> {
    const dir = mkdtempSync(path.join(parent, 'keel-fault-pg-'));
    const uid = Number((await run('id', ['-u', 'postgres'])).stdout);
    const gid = Number((await run('id', ['-g', 'postgres'])).stdout);
    chownSync(dir, uid, gid);
    const cluster = new ScratchPostgres(await freePort(), dir);
    await cluster.#pg('initdb', ['-D', cluster.#data, '-U', 'postgres', '--auth=trust', '--no-sync']);
    await cluster.resume();
    const c = new pg.Client({ connectionString: cluster.adminUrl });
    await c.connect();
    await c.query('CREATE DATABASE keel');
    await c.end();
    return cluster;
  }

  get url(): string {
    return `postgresql://postgres@127.0.0.1:${this.port}/keel`;
  }

  get adminUrl(): string {
    return `postgresql://postgres@127.0.0.1:${this.port}/postgres`;
  }

  #pg(cmd: string, args: string[]) {
    return run('runuser', ['-u', 'postgres', '--', path.join(PG_BIN, cmd), ...args]);
  }

  /** pg_ctl with this cluster's data directory, log, port and socket directory. */
  #pgCtl(action: 'start' | 'restart', extra: readonly string[] = []) {
    const options = `-p ${this.port} -k ${this.#dir} -c listen_addresses=127.0.0.1`;
    return this.#pg('pg_ctl', ['-D', this.#data, '-w', '-t', '120', ...extra, '-l', path.join(this.#dir, 'log'), '-o', options, action]);
  }

  /** Start (again); crash recovery runs first after a kill -9. */
  async resume(): Promise<void> {
    await this.#pgCtl('start');
    this.#running = true;
  }

  /** Whether the postmaster is up (`pg_ctl status`); PostgreSQL shuts itself down when it cannot write WAL. */
  async isUp(): Promise<boolean> {
    return this.#pg('pg_ctl', ['-D', this.#data, 'status']).then(
      () => true,
      () => false,
    );
  }

  /** A fast restart (pg_ctl restart -m fast): connections are cut, in-flight transactions roll back. */
  async restart(): Promise<void> {
    await this.#pgCtl('restart', ['-m', 'fast']);
  }

  /** Power-cut style: SIGKILL to the postmaster and every backend at once, no checkpoint. */
  async kill9(): Promise<void> {
    const pid = Number(readFileSync(path.join(this.#data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const children = (await run('ps', ['-o', 'pid=', '--ppid', String(pid)]).catch(() => ({ stdout: '' }))).stdout
      .split('\n')
      .map((s) => Number(s.trim()))
      .filter((n) => n > 0);
    for (const p of [pid, ...children]) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    // Wait until the postmaster is gone.
    for (let i = 0; i < 100; i++) {
      try {
        process.kill(pid, 0);
      } catch {
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    this.#running = false;
  }

  async remove(): Promise<void> {
    if (this.#running) await this.#pg('pg_ctl', ['-D', this.#data, '-w', '-m', 'immediate', 'stop']).catch(() => undefined);
    this.#running = false;
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
