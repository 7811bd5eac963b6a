import type { ImportProgress } from './catalog-import.js';

/** How long a finished import's last progress stays readable. */
const KEEP_MS = 5 * 60_000;
/** Imports followed at once; the oldest is forgotten past this. */
const MAX_ENTRIES = 1000;

export interface ImportProgressView extends ImportProgress {
  readonly finished: boolean;
}

/**
 * Progress of the imports running in this server, keyed by the id the uploader chose and readable
 * only by the same principal: the back office polls it while its upload is being read and applied.
 */
export class ImportProgressBoard {
  readonly #entries = new Map<string, { view: ImportProgressView; expires: number }>();

  #key(principalId: string, id: string): string {
    return `${principalId}\u0000${id}`;
  }

  update(principalId: string, id: string, p: ImportProgress, finished = false, now = Date.now()): void {
    const key = this.#key(principalId, id);
    this.#entries.delete(key);
    this.#entries.set(key, { view: { ...p, finished }, expires: finished ? now + KEEP_MS : Number.POSITIVE_INFINITY });
    for (const [k, e] of this.#entries) {
      if (this.#entries.size <= MAX_ENTRIES && e.expires > now) break;
      if (this.#entries.size > MAX_ENTRIES || e.expires <= now) this.#entries.delete(k);
    }
  }

  get(principalId: string, id: string, now = Date.now()): ImportProgressView | undefined {
    const e = this.#entries.get(this.#key(principalId, id));
    return e && e.expires > now ? e.view : undefined;
  }
}
