import type { Consumer, ConsumerMessages, JetStreamClient, JsMsg } from '@nats-io/jetstream';
import type { EventLoader } from './event-loader.js';
import type { StreamNames } from './jetstream-setup.js';

export interface JetStreamLoaderOptions {
  /** A batch is flushed at this many messages... */
  readonly batchRows: number;
  /** ...or this long after its first message, whichever comes first. */
  readonly batchMs: number;
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

  constructor(js: JetStreamClient, names: StreamNames, loader: EventLoader, opts: JetStreamLoaderOptions) {
    this.#js = js;
    this.#names = names;
    this.#loader = loader;
    this.#opts = opts;
  }

  async start(): Promise<void> {
    const consumer: Consumer = await this.#js.consumers.get(this.#names.stream, this.#names.consumer);
    this.#messages = await consumer.consume({ max_messages: Math.max(this.#opts.batchRows * 2, 100) });
    this.#loop = this.#run(this.#messages);
  }

  /** Stop pulling, load and ack what is buffered, then return. */
  async stop(): Promise<void> {
    if (!this.#messages) return;
    await this.#messages.close();
    await this.#loop;
    this.#messages = undefined;
    await this.#scheduleFlush();
  }

  async #run(messages: ConsumerMessages): Promise<void> {
    for await (const m of messages) {
      this.#buffer.push(m);
      if (this.#buffer.length >= this.#opts.batchRows) {
        // Backpressure: wait for this batch before pulling more.
        await this.#scheduleFlush();
      } else if (!this.#timer) {
        this.#timer = setTimeout(() => void this.#scheduleFlush(), this.#opts.batchMs);
      }
    }
  }

  /**
   * Load what is buffered. While a batch is loading, messages keep gathering and go as ONE next
   * batch (up to batchRows) when it is done: a warehouse slower than `batchMs` gets fewer, larger
   * batches instead of a growing queue of small ones (which outlived ack_wait and were redelivered).
   */
  #scheduleFlush(): Promise<void> {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (!this.#draining && this.#buffer.length > 0) this.#draining = this.#drain();
    return this.#draining ?? Promise.resolve();
  }

  async #drain(): Promise<void> {
    try {
      while (this.#buffer.length > 0) await this.#flush(this.#buffer.splice(0, this.#opts.batchRows));
    } finally {
      this.#draining = undefined;
    }
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
