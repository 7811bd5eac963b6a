import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../keel-process.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface KeelChildOptions {
  readonly databaseUrl: string;
  readonly natsUrl: string;
  /** A ClickHouse server's URL for the warehouse; unset: chDB in the data directory. */
  readonly clickhouseUrl?: string | undefined;
  /** The store's time zone (STORE_TIMEZONE); unset: the machine's. */
  readonly timeZone?: string | undefined;
  /** Where the data directory goes (default the system temp dir); the log stays in the temp dir. */
  readonly dataParent?: string | undefined;
}

/**
 * The real Keel server (`transactional/src/main.ts`) as a child process that a fault scenario may
 * `kill -9` and start again on the SAME port, data directory (chDB warehouse) and NATS stream, as
 * systemd's Restart=always would. The log of every life is appended to one file.
 */
export class KeelChild {
  readonly url: string;
  readonly dataDir: string;
  readonly #env: NodeJS.ProcessEnv;
  readonly #logFile: string;
  #child: ChildProcess | undefined;
  starts = 0;

  private constructor(port: number, dataDir: string, env: NodeJS.ProcessEnv, logFile: string) {
    this.url = `http://127.0.0.1:${port}`;
    this.dataDir = dataDir;
    this.#env = env;
    this.#logFile = logFile;
  }

  static async create(options: KeelChildOptions): Promise<KeelChild> {
    const port = await freePort();
    const dataDir = mkdtempSync(path.join(options.dataParent ?? tmpdir(), 'keel-fault-'));
    const logFile = options.dataParent ? `${path.join(tmpdir(), path.basename(dataDir))}.log` : path.join(dataDir, 'server.log');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: options.databaseUrl,
      DATABASE_POOL_SIZE: '10',
      NATS_URL: options.natsUrl,
      NATS_STREAM: 'KEEL_FAULTS',
      NATS_SUBJECT_PREFIX: 'keel-faults',
      NATS_CONSUMER: 'keel-faults-warehouse',
      DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      ANALYST_PORT: 'off',
      HTTPS_PORT: 'off',
      JOBS_ENABLED: 'false',
      DISK_MIN_FREE_MB: '0',
      // The simulated tills post as the owner over loopback; people and PINs are not what is measured.
      TRUST_LOOPBACK: 'true',
      ...(options.clickhouseUrl ? { CLICKHOUSE_URL: options.clickhouseUrl } : {}),
      ...(options.timeZone ? { STORE_TIMEZONE: options.timeZone } : {}),
    };
    return new KeelChild(port, dataDir, env, logFile);
  }

  get running(): boolean {
    return this.#child !== undefined;
  }

  /** The server process's id while it runs (for /proc/PID samples). */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Start and wait until /health answers 200 (minutes on a busy machine: tsx compiles, chDB loads). */
  async start(timeoutMs = 180_000): Promise<void> {
    if (this.#child) return;
    const log = openSync(this.#logFile, 'a');
    const child = spawn(process.execPath, ['--import', 'tsx', 'transactional/src/main.ts'], { cwd: REPO_ROOT, env: this.#env, stdio: ['ignore', log, log] });
    closeSync(log);
    this.#child = child;
    this.starts++;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null || child.signalCode !== null) {
        this.#child = undefined;
        throw new Error(`Keel exited during start (code ${child.exitCode})\n${this.logTail()}`);
      }
      const ok = await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(2_000) }).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`Keel not healthy within ${timeoutMs} ms\n${this.logTail()}`);
  }

  /** `GET /health`: its status and whether it says the warehouse is ok (status 0: no answer). */
  async health(): Promise<{ status: number; warehouseOk: boolean | null }> {
    try {
      const res = await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(10_000) });
      const body = (await res.json()) as { backends?: { warehouse?: { ok?: boolean } } };
      return { status: res.status, warehouseOk: body.backends?.warehouse?.ok ?? null };
    } catch {
      return { status: 0, warehouseOk: null };
    }
  }

  /** `kill -9`: no shutdown hook runs, in-flight requests and the loader's batch are cut. */
  async kill9(): Promise<void> {
    await this.#end('SIGKILL');
  }

  /** A graceful stop (SIGTERM). */
  async stop(): Promise<void> {
    await this.#end('SIGTERM');
  }

  async #end(signal: NodeJS.Signals): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(signal);
    const inTime = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 15_000))]);
    if (!inTime) {
      child.kill('SIGKILL');
      await exited;
    }
  }

  logTail(lines = 30): string {
    try {
      return readFileSync(this.#logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no server log)';
    }
  }

  async remove(): Promise<void> {
    await this.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
    rmSync(this.#logFile, { force: true });
  }
}
