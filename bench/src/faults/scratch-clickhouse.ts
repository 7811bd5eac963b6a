import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../keel-process.js';
import { waitForPort } from './fault-services.js';

const MAIN = path.join(path.dirname(fileURLToPath(import.meta.url)), 'clickhouse-http-main.ts');

/**
 * The scenario's own warehouse server (`clickhouse-http-main.ts`: the ClickHouse engine behind
 * ClickHouse's HTTP interface), so a scenario may kill it and start it again on the same port and
 * data directory while Keel runs with `CLICKHOUSE_URL` pointing at it, as in production.
 */
export class ScratchClickHouse {
  readonly url: string;
  readonly #port: number;
  readonly #dir: string;
  #child: ChildProcess | undefined;

  private constructor(port: number, dir: string) {
    this.#port = port;
    this.#dir = dir;
    this.url = `http://127.0.0.1:${port}`;
  }

  static async start(): Promise<ScratchClickHouse> {
    const ch = new ScratchClickHouse(await freePort(), mkdtempSync(path.join(tmpdir(), 'keel-fault-clickhouse-')));
    await ch.resume();
    return ch;
  }

  get running(): boolean {
    return this.#child !== undefined;
  }

  /** Start (again) on the same port and data directory; resolves once it accepts connections. */
  async resume(): Promise<void> {
    if (this.#child) return;
    const log = openSync(path.join(this.#dir, 'server.log'), 'a');
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, String(this.#port), path.join(this.#dir, 'data')], {
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    this.#child = child;
    try {
      await waitForPort(this.#port, 60_000, () => child.exitCode !== null);
    } catch (e) {
      this.#child = undefined;
      throw new Error(`${(e as Error).message}\n${this.logTail()}`);
    }
  }

  /** SIGKILL: the warehouse server crashes; its data directory stays. */
  async kill(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }

  logTail(lines = 20): string {
    try {
      return readFileSync(path.join(this.#dir, 'server.log'), 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no warehouse server log)';
    }
  }

  async remove(): Promise<void> {
    await this.kill();
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
