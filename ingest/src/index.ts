export { OutboxRelay, outboxBacklog, type EventPublisher, type OutboxEvent, type OutboxDatabase, type RelayOptions } from './outbox-relay.js';
export { EventLoader, decodeEvent, type LoadReport, type StepResult } from './event-loader.js';
export { InProcessBus } from './in-process-bus.js';
export { NatsPublisher } from './nats-publisher.js';
export { JetStreamLoader, type JetStreamLoaderOptions } from './jetstream-loader.js';
export { ensureStream, eventSubject, type StreamNames } from './jetstream-setup.js';
