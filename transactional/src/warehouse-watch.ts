/** How long after a dashboard or analytics request someone counts as still looking. */
export const WATCH_WINDOW_MS = 60_000;

/** Requests that read warehouse figures a person is looking at. */
const WATCHED_PATHS = ['/api/v1/dashboard/', '/api/v1/analytics/'];

/**
 * Whether someone is looking at warehouse figures now: a dashboard holds the live stream open, or
 * a dashboard or analytics request, or an analyst's SQL, came within the last minute. The loader
 * keeps its prompt pace (a new sale on the dashboard within a second or two) only then; otherwise
 * it loads in fewer, larger batches, as each load costs the embedded engine about the same CPU
 * whatever its size, CPU that a busy checkout needs more.
 */
export class WarehouseWatch {
  readonly #streams: () => number;
  readonly #onWatch: () => void;
  readonly #now: () => number;
  #lastSeen = Number.NEGATIVE_INFINITY;

  /** `streams`: open live streams; `onWatch`: called when someone starts looking. */
  constructor(streams: () => number, onWatch: () => void, now: () => number = Date.now) {
    this.#streams = streams;
    this.#onWatch = onWatch;
    this.#now = now;
  }

  /** A request arrived: note it if it reads figures a person is looking at. */
  seen(url: string): void {
    if (WATCHED_PATHS.some((p) => url.startsWith(p))) this.touch();
  }

  /** Someone read warehouse figures just now (a dashboard, an analyst's SQL). */
  touch(): void {
    const was = this.watched();
    this.#lastSeen = this.#now();
    if (!was) this.#onWatch();
  }

  watched(): boolean {
    return this.#streams() > 0 || this.#now() - this.#lastSeen < WATCH_WINDOW_MS;
  }
}
