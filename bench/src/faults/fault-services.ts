import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../keel-process.js';

/**
 * A nats-server of the scenario's own (JetStream on, its own port and store directory), so a fault
 * scenario may stop, kill and restart it without touching the machine's shared NATS on 4222.
 * The store directory survives restarts, as a real server's disk does.
 */
export class ScratchNats {
  readonly url: string;
  readonly #port: number;
  readonly #dir: string;
  #child: ChildProcess | undefined;

  private constructor(port: number, dir: string) {
    this.#port = port;
    this.#dir = dir;
    this.url = `nats://127.0.0.1:${port}`;
  }

  static async start(): Promise<ScratchNats> {
    const nats = new ScratchNats(await freePort(), mkdtempSync(path.join(tmpdir(), 'keel-fault-nats-')));
    await nats.resume();
    return nats;
  }

  get running(): boolean {
    return this.#child !== undefined;
  }

  /** Start (again) on the same port and store directory; resolves once it accepts connections. */
  async resume(): Promise<void> {
    if (this.#child) return;
    const child = spawn('/usr/sbin/nats-server', ['-js', '-a', '127.0.0.1', '-p', String(this.#port), '-sd', this.#dir], { stdio: 'ignore' });
    this.#child = child;
    await waitForPort(this.#port, 15_000, () => child.exitCode !== null);
  }

  /** Stop it (SIGKILL: a crash, not a graceful drain). */
  async kill(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }

  async remove(): Promise<void> {
    await this.kill();
    rmSync(this.#dir, { recursive: true, force: true });
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
