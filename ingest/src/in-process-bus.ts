import type { EventLoader } from './event-loader.js';
import type { EventPublisher, OutboxEvent } from './outbox-relay.js';

/**
 * Without NATS: the relay hands outbox rows straight to the loader. The rows are marked
 * published only after the warehouse insert, so the outbox itself is the durable queue.
 */
export class InProcessBus implements EventPublisher {
  readonly name = 'in-process bus';
  readonly #loader: EventLoader;

  constructor(loader: EventLoader) {
    this.#loader = loader;
  }

  async publish(events: readonly OutboxEvent[]): Promise<readonly number[]> {
    await this.#loader.load(events.map((e) => e.payload));
    return events.map((e) => e.id);
  }
}
