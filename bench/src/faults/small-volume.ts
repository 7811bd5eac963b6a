import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A small volume of the scenario's own: a tmpfs with a size limit mounted on a temp directory
 * (the suite runs as root), so a scenario can fill it to the brim without touching the machine's
 * disks. `fill` leaves only `leaveBytes` free with a filler file, `release` deletes it, and
 * `remove` unmounts and deletes the mount point (call it in a finally).
 */
export class SmallVolume {
  readonly path: string;
  readonly #filler: string;

  private constructor(dir: string) {
    this.path = dir;
    this.#filler = path.join(dir, 'filler.bin');
  }

  static async mount(sizeMiB: number): Promise<SmallVolume> {
    const dir = mkdtempSync(path.join(tmpdir(), 'keel-fault-disk-'));
    try {
      await run('mount', ['-t', 'tmpfs', '-o', `size=${sizeMiB}m,mode=0755`, 'tmpfs', dir]);
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`mounting a ${sizeMiB} MiB tmpfs needs root: ${(e as Error).message}`);
    }
    // The scratch PostgreSQL runs as the postgres user and makes its own directory here.
    chmodSync(dir, 0o1777);
    return new SmallVolume(dir);
  }

  freeBytes(): number {
    const s = statfsSync(this.path);
    return Number(s.bavail) * Number(s.bsize);
  }

  /** Write a filler file until only about `leaveBytes` are free (the others keep writing meanwhile). */
  async fill(leaveBytes: number): Promise<void> {
    const f = await open(this.#filler, 'a');
    const chunk = Buffer.alloc(1024 * 1024, 0x5a);
    try {
      for (let free = this.freeBytes(); free > leaveBytes; free = this.freeBytes()) {
        const n = Math.min(chunk.length, free - leaveBytes);
        try {
          await f.write(chunk, 0, n);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw e;
        }
      }
    } finally {
      await f.close();
    }
  }

  /** Space comes back: the filler is deleted. */
  async release(): Promise<void> {
    await rm(this.#filler, { force: true });
  }

  async remove(): Promise<void> {
    await run('umount', ['-l', this.path]).catch(() => undefined);
    rmSync(this.path, { recursive: true, force: true });
  }
}
