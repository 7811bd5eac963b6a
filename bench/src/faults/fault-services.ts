import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../keel-process.js';

/**
 * A service of the scenario's own in a child process on its own port and directory, which a fault
 * scenario may kill (SIGKILL: a crash, not a graceful stop) and start again on the same port and
 * directory, as a real server's disk survives its crash. Subclasses say how to spawn it.
 */
export abstract class ScratchService {
  readonly url: string;
  protected readonly port: number;
  protected readonly dir: string;
  #child: ChildProcess | undefined;

  protected constructor(port: number, dir: string, url: string) {
    this.port = port;
    this.dir = dir;
    this.url = url;
  }

  /** A free port and a new directory named after `prefix`, for a subclass's constructor. */
  protected static async place(prefix: string): Promise<{ port: number; dir: string }> {
    return { port: await freePort(), dir: mkdtempSync(path.join(tmpdir(), prefix)) };
  }

  /** Start the process (stdout and stderr where the subclass wants them). */
  protected abstract spawnChild(): ChildProcess;

  /** How long a start may take before it counts as failed. */
  protected abstract readonly startTimeoutMs: number;

  get running(): boolean {
    return this.#child !== undefined;
  }

  /** Start (again) on the same port and directory; resolves once it accepts connections. */
  async resume(): Promise<void> {
    if (this.#child) return;
    const child = this.spawnChild();
    this.#child = child;
    try {
      await waitForPort(this.port, this.startTimeoutMs, () => child.exitCode !== null);
    } catch (e) {
      this.#child = undefined;
      throw new Error(`${(e as Error).message}\n${this.logTail()}`);
    }
  }

  /** SIGKILL: the service crashes; its directory stays. */
  async kill(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }

  /** The last lines of the service's log, when it keeps one in its directory (`server.log`). */
  logTail(lines = 20): string {
    try {
      return readFileSync(path.join(this.dir, 'server.log'), 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }

  async remove(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * A nats-server of the scenario's own (JetStream on, its own port and store directory), so a fault
 * scenario may stop, kill and restart it without touching the machine's shared NATS on 4222.
 */
export class ScratchNats extends ScratchService {
  protected readonly startTimeoutMs = 15_000;

  static async start(): Promise<ScratchNats> {
    const { port, dir } = await ScratchService.place('keel-fault-nats-');
    const nats = new ScratchNats(port, dir, `nats://127.0.0.1:${port}`);
    await nats.resume();
    return nats;
  }

  protected spawnChild(): ChildProcess {
    return spawn('/usr/sbin/nats-server', ['-js', '-a', '127.0.0.1', '-p', String(this.port), '-sd', this.dir], { stdio: 'ignore' });
  }
}

/** Resolves once something accepts TCP connections on 127.0.0.1:`port`. */
export async function waitForPort(port: number, timeoutMs: number, gaveUp: () => boolean = () => false): Promise<void> {
  const { connect } = await import('node:net');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (gaveUp()) throw new Error(`the process meant to listen on ${port} exited`);
    const open = await new Promise<boolean>((resolve) => {
      const s = connect({ host: '127.0.0.1', port });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing listening on ${port} within ${timeoutMs} ms`);
}
