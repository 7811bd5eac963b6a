import type { JetStreamClient } from '@nats-io/jetstream';
import { headers } from '@nats-io/transport-node';
import { eventSubject, type StreamNames } from './jetstream-setup.js';
import type { EventPublisher, OutboxEvent } from './outbox-relay.js';

/**
 * Publishes outbox events to JetStream with Nats-Msg-Id = event id (server-side deduplication)
 * and the request id in a header. All of a batch are in flight at once; only acked ones count.
 */
export class NatsPublisher implements EventPublisher {
  readonly name = 'NATS JetStream';
  readonly #js: JetStreamClient;
  readonly #names: StreamNames;

  constructor(js: JetStreamClient, names: StreamNames) {
    this.#js = js;
    this.#names = names;
  }

  async publish(events: readonly OutboxEvent[]): Promise<readonly number[]> {
    const results = await Promise.allSettled(
      events.map((e) => {
        const h = headers();
        if (e.requestId) h.set('Keel-Request-Id', e.requestId);
        return this.#js.publish(eventSubject(this.#names, e.storeId, e.eventType), e.payload, { msgID: e.eventId, headers: h, timeout: 5_000 });
      }),
    );
    const acked: number[] = [];
    results.forEach((r, i) => {
      if (r.status === 'fulfilled') acked.push((events[i] as OutboxEvent).id);
    });
    if (acked.length === 0 && results[0]?.status === 'rejected') throw results[0].reason;
    return acked;
  }
}
