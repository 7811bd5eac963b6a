import { statfs } from 'node:fs/promises';
import { Problem } from './problem.js';

export interface DiskSpace {
  readonly path: string;
  readonly totalBytes: number;
  readonly freeBytes: number;
  /** Free space is below the configured floor: uploads and backups are refused. */
  readonly low: boolean;
}

/** Free space of the volume holding `path` (space available to unprivileged users, as PostgreSQL sees it). */
export async function diskSpace(path: string, minFreeBytes: number): Promise<DiskSpace> {
  const s = await statfs(path);
  const freeBytes = Number(s.bavail) * Number(s.bsize);
  return { path, totalBytes: Number(s.blocks) * Number(s.bsize), freeBytes, low: freeBytes < minFreeBytes };
}

/**
 * Keeps PostgreSQL from running out of space under the checkout: before anything that writes a lot
 * to the data volume (an upload, a backup), `ensureRoom` refuses with `storage.low` when free space
 * is under the floor, and `onLow` raises the alert (a log line at error level and a metric).
 * Sales are never refused by it: they are small and the floor is there to leave room for them.
 */
export class DiskGuard {
  readonly #path: string;
  readonly #minFreeBytes: number;
  readonly #onLow: (space: DiskSpace, what: string) => void;

  constructor(path: string, minFreeBytes: number, onLow: (space: DiskSpace, what: string) => void = () => {}) {
    this.#path = path;
    this.#minFreeBytes = minFreeBytes;
    this.#onLow = onLow;
  }

  get minFreeBytes(): number {
    return this.#minFreeBytes;
  }

  check(): Promise<DiskSpace> {
    return diskSpace(this.#path, this.#minFreeBytes);
  }

  /** Throws Problem('storage.low') when `bytes` more would leave less than the floor free. */
  async ensureRoom(what: string, bytes = 0): Promise<DiskSpace> {
    const space = await this.check();
    if (space.low || space.freeBytes - bytes < this.#minFreeBytes) {
      const low = { ...space, low: true };
      this.#onLow(low, what);
      throw new Problem(
        'storage.low',
        `${what} refused: ${formatBytes(space.freeBytes)} free on the data volume, Keel keeps at least ${formatBytes(this.#minFreeBytes)} free for the checkout (DISK_MIN_FREE_MB)`,
      );
    }
    return space;
  }
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}
