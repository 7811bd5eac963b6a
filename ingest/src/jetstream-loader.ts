import type { Consumer, ConsumerMessages, JetStreamClient, JsMsg } from '@nats-io/jetstream';
import type { EventLoader } from './event-loader.js';
import type { StreamNames } from './jetstream-setup.js';

/**
 * A warehouse that falls behind loads larger batches, up to this many times `batchRows`: a load
 * costs about the same whatever its size, so catching up takes fewer, larger loads.
 */
export const CATCH_UP_FACTOR = 8;

/** How often the loader loads: a full batch at once, a partial one at most once per `batchMs`. */
export interface LoaderPace {
  readonly batchRows: number;
  readonly batchMs: number;
}

export interface JetStreamLoaderOptions {
  /** A full batch (this many messages) loads at once... */
  readonly batchRows: number;
  /**
   * ...a partial one no sooner than this long after the previous load began: at most one partial
   * load per `batchMs`, so a steady trickle costs the warehouse a few inserts a second (each insert
   * writes a part per table and view, then merges them), not one per sale. The first message after
   * a quiet spell loads at once.
   */
  readonly batchMs: number;
  /**
   * The pace while `watched()` says nobody is looking at warehouse figures: fewer, larger loads
   * (each costs the engine about the same CPU whatever its size). `hurry()` when that changes.
   */
  readonly unwatched?: LoaderPace;
  readonly watched?: () => boolean;
  readonly onError?: (error: unknown) => void;
}

/**
 * Pulls events from the durable consumer, loads them into the warehouse in bounded batches and
 * acks each message only after its batch is inserted. A failed insert naks the batch for
 * redelivery after a delay; the loader's deduplication makes redelivery count once.
 */
export class JetStreamLoader {
  readonly #js: JetStreamClient;
  readonly #names: StreamNames;
  readonly #loader: EventLoader;
  readonly #opts: JetStreamLoaderOptions;
  #messages: ConsumerMessages | undefined;
  #loop: Promise<void> | undefined;
  #buffer: JsMsg[] = [];
  #timer: NodeJS.Timeout | undefined;
  /** The running drain, if any: one batch in flight at a time, the next one gathering meanwhile. */
  #draining: Promise<void> | undefined;
  /** When the last load began (Date.now()). */
  #lastLoadAt = 0;

  constructor(js: JetStreamClient, names: StreamNames, loader: EventLoader, opts: JetStreamLoaderOptions) {
    this.#js = js;
    this.#names = names;
    this.#loader = loader;
    this.#opts = opts;
  }

  async start(): Promise<void> {
    const consumer: Consumer = await this.#js.consumers.get(this.#names.stream, this.#names.consumer);
    const rows = Math.max(this.#opts.batchRows, this.#opts.unwatched?.batchRows ?? 0);
    this.#messages = await consumer.consume({ max_messages: Math.max(rows * CATCH_UP_FACTOR, 100) });
    this.#loop = this.#run(this.#messages);
  }

  /** Stop pulling, load and ack what is buffered, then return. */
  async stop(): Promise<void> {
    if (!this.#messages) return;
    await this.#messages.close();
    await this.#loop;
    this.#messages = undefined;
    while (this.#draining || this.#buffer.length > 0) await this.#scheduleFlush(true);
  }

  /** Someone started looking at warehouse figures: plan the next load at the prompt pace. */
  hurry(): void {
    if (!this.#timer) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#arm();
  }

  #pace(): LoaderPace {
    const { unwatched, watched } = this.#opts;
    return unwatched && watched && !watched() ? unwatched : this.#opts;
  }

  async #run(messages: ConsumerMessages): Promise<void> {
    for await (const m of messages) {
      this.#buffer.push(m);
      const { batchRows } = this.#pace();
      // Backpressure: a catch-up batch's worth waiting and no more is pulled until a load is in.
      if (this.#buffer.length >= batchRows * CATCH_UP_FACTOR) await this.#scheduleFlush();
      // A full batch loads now, or, while one is loading, right after it (the drain takes it).
      else if (this.#buffer.length >= batchRows) void this.#scheduleFlush();
      else this.#arm();
    }
  }

  /** Plan the next partial load: now when the last one began `batchMs` ago or more, else then. */
  #arm(): void {
    if (this.#draining || this.#timer || this.#buffer.length === 0) return;
    const wait = this.#lastLoadAt + this.#pace().batchMs - Date.now();
    if (wait <= 0) void this.#scheduleFlush();
    else this.#timer = setTimeout(() => void this.#scheduleFlush(), wait);
  }

  /**
   * Load what is buffered: full batches back to back, then, unless `all`, the rest waits for its
   * turn (`#arm`). While a batch is loading, messages keep gathering and go as ONE next batch (up
   * to batchRows × CATCH_UP_FACTOR): a warehouse slower than `batchMs`, or slower than the sales
   * arrive, gets fewer, larger batches instead of a growing queue of small ones (which outlived
   * ack_wait and were redelivered, or fell ever further behind).
   */
  #scheduleFlush(all = false): Promise<void> {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (!this.#draining && this.#buffer.length > 0) this.#draining = this.#drain(all);
    return this.#draining ?? Promise.resolve();
  }

  async #drain(all: boolean): Promise<void> {
    try {
      let rows: number;
      do {
        this.#lastLoadAt = Date.now();
        rows = this.#pace().batchRows;
        await this.#flush(this.#buffer.splice(0, rows * CATCH_UP_FACTOR));
      } while (this.#buffer.length >= (all ? 1 : rows));
    } finally {
      this.#draining = undefined;
    }
    this.#arm();
  }

  async #flush(batch: JsMsg[]): Promise<void> {
    try {
      await this.#loader.load(batch.map((m) => m.data));
      for (const m of batch) m.ack();
    } catch (e) {
      this.#opts.onError?.(e);
      for (const m of batch) m.nak(2_000);
    }
  }
}
