import type { SalesEvent } from './dashboard-api.js';

export type StreamStatus = 'connecting' | 'live' | 'stale';

export interface SalesStreamHandlers {
  /** New sales reached the warehouse for these stores; null when the event did not say which. */
  onSales(storeIds: readonly number[] | null): void;
  onStatus(status: StreamStatus): void;
  /** The stream (re)opened after being down: figures may have missed events. */
  onReopen(): void;
}

/**
 * The live `sales` feed over EventSource. EventSource retries by itself after a dropped connection;
 * when the browser gives up (an HTTP error or a wrong content type closes it) we open a new one with backoff.
 */
export class SalesStream {
  #source: EventSource | null = null;
  #retry: ReturnType<typeof setTimeout> | null = null;
  #delayMs = 1000;
  #wasDown = false;

  constructor(
    private readonly url: string,
    private readonly handlers: SalesStreamHandlers,
  ) {}

  open(): void {
    this.close();
    this.handlers.onStatus(this.#wasDown ? 'stale' : 'connecting');
    const source = new EventSource(this.url);
    this.#source = source;
    source.addEventListener('open', () => {
      this.#delayMs = 1000;
      this.handlers.onStatus('live');
      if (this.#wasDown) this.handlers.onReopen();
      this.#wasDown = false;
    });
    source.addEventListener('error', () => {
      this.#wasDown = true;
      this.handlers.onStatus('stale');
      if (source.readyState === EventSource.CLOSED) this.#scheduleReopen();
    });
    source.addEventListener('sales', (e) => {
      this.handlers.onSales(parseStoreIds((e as MessageEvent<string>).data));
    });
  }

  close(): void {
    if (this.#retry !== null) clearTimeout(this.#retry);
    this.#retry = null;
    this.#source?.close();
    this.#source = null;
  }

  #scheduleReopen(): void {
    if (this.#retry !== null) return;
    const delay = this.#delayMs;
    this.#delayMs = Math.min(this.#delayMs * 2, 30_000);
    this.#retry = setTimeout(() => {
      this.#retry = null;
      this.open();
    }, delay);
  }
}

/** The stores a `sales` event names; null when it names none or cannot be read (then every view refetches). */
function parseStoreIds(data: string): readonly number[] | null {
  try {
    const v = JSON.parse(data) as Partial<SalesEvent>;
    if (!Array.isArray(v.storeIds)) return null;
    const ids = v.storeIds.filter((id): id is number => typeof id === 'number');
    return ids.length > 0 ? ids : null;
  } catch {
    return null;
  }
}
