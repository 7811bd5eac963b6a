import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';

/** The monorepo root, where `transactional/src/main.ts` lives. */
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface KeelProcessOptions {
  readonly databaseUrl: string;
  readonly natsUrl?: string;
  readonly databasePoolSize?: number;
  readonly logLevel?: string;
  /** Extra environment for the server (wins over the defaults above). */
  readonly env?: Readonly<Record<string, string>>;
  /** Extra node flags for the server, e.g. `--cpu-prof` (not allowed in NODE_OPTIONS). */
  readonly nodeArgs?: readonly string[];
  readonly startTimeoutMs?: number;
}

/**
 * The real Keel server in a child process, so a load generator in this process does not share its
 * event loop. Owns what it creates: a temp DATA_DIR, a free port and a NATS stream/consumer with
 * names unique to this run; `stop()` ends the process (SIGTERM, SIGKILL after 10 s) and removes them.
 */
export class KeelProcess {
  readonly url: string;
  readonly dataDir: string;
  readonly natsUrl: string;
  readonly natsStream: string;
  readonly pid: number | undefined;
  readonly #child: ChildProcess;
  readonly #logFile: string;
  #stopped = false;

  private constructor(child: ChildProcess, fields: { url: string; dataDir: string; natsUrl: string; natsStream: string; logFile: string }) {
    this.#child = child;
    this.pid = child.pid;
    this.url = fields.url;
    this.dataDir = fields.dataDir;
    this.natsUrl = fields.natsUrl;
    this.natsStream = fields.natsStream;
    this.#logFile = fields.logFile;
  }

  static async start(options: KeelProcessOptions): Promise<KeelProcess> {
    const port = await freePort();
    const tag = randomBytes(4).toString('hex');
    const natsUrl = options.natsUrl ?? 'nats://127.0.0.1:4222';
    const natsStream = `KEEL_BENCH_${tag.toUpperCase()}`;
    const dataDir = mkdtempSync(path.join(tmpdir(), 'keel-bench-'));
    const logFile = path.join(dataDir, 'server.log');
    const log = openSync(logFile, 'a');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: options.databaseUrl,
      DATABASE_POOL_SIZE: String(options.databasePoolSize ?? 20),
      NATS_URL: natsUrl,
      NATS_STREAM: natsStream,
      NATS_SUBJECT_PREFIX: `keel-bench-${tag}`,
      NATS_CONSUMER: `keel-bench-${tag}`,
      DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: options.logLevel ?? 'warn',
      ANALYST_PORT: 'off',
      HTTPS_PORT: 'off',
      // The bench drives the API from this machine as the owner; people and tills are not what it measures.
      TRUST_LOOPBACK: 'true',
      ...options.env,
    };
    // BENCH_SERVER_NODE_ARGS (space-separated), e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`, profiles the server of any scenario.
    const envNodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
    const child = spawn(process.execPath, [...envNodeArgs, ...(options.nodeArgs ?? []), '--import', 'tsx', 'transactional/src/main.ts'], {
      cwd: REPO_ROOT,
      env,
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    const keel = new KeelProcess(child, { url: `http://127.0.0.1:${port}`, dataDir, natsUrl, natsStream, logFile });
    try {
      // Generous: on a busy 2-core machine tsx and the embedded warehouse have taken over a minute to start.
      await keel.#waitHealthy(options.startTimeoutMs ?? 180_000);
    } catch (e) {
      const tail = keel.logTail();
      await keel.stop();
      throw new Error(`${(e as Error).message}\n--- server log ---\n${tail}`);
    }
    return keel;
  }

  /** The last lines the server wrote (its log goes to a file in DATA_DIR). */
  logTail(lines = 40): string {
    try {
      return readFileSync(this.#logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no server log)';
    }
  }

  async #waitHealthy(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.#child.exitCode !== null || this.#child.signalCode !== null) {
        throw new Error(`Keel server exited during start (code ${this.#child.exitCode}, signal ${this.#child.signalCode})`);
      }
      try {
        const res = await fetch(`${this.url}/health`, { signal: AbortSignal.timeout(2_000) });
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      await sleep(200);
    }
    throw new Error(`Keel server not healthy within ${timeoutMs} ms`);
  }

  /** End the server and remove its temp dir and NATS stream. Safe to call twice. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await endChild(this.#child, 10_000);
    rmSync(this.dataDir, { recursive: true, force: true });
    await deleteStream(this.natsUrl, this.natsStream);
  }
}

async function endChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const inTime = await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)]);
  if (!inTime) {
    child.kill('SIGKILL');
    await exited;
  }
}

async function deleteStream(natsUrl: string, stream: string): Promise<void> {
  const nc = await connect({ servers: natsUrl, name: 'keel-bench' });
  try {
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(stream).catch((e: unknown) => {
      // The server may have died before creating it; anything else is a real failure.
      if (!/not found/i.test(String((e as Error)?.message))) throw e;
    });
  } finally {
    await nc.close();
  }
}

/** A TCP port nobody listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
