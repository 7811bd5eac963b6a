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
  #flushing: Promise<void> = Promise.resolve();

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
   * Queues a flush behind the one in flight. The batch is taken when the flush RUNS, not when it is
   * queued: while a slow insert runs, what arrives meanwhile becomes one bigger batch (up to
   * batchRows, as #run stops pulling there), so the loader catches up instead of queueing one small
   * insert per batch window and falling ever further behind.
   */
  #scheduleFlush(): Promise<void> {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    this.#flushing = this.#flushing.then(() => {
      const batch = this.#buffer;
      this.#buffer = [];
      return batch.length === 0 ? undefined : this.#flush(batch);
    });
    return this.#flushing;
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
