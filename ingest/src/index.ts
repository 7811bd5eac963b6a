export { decodeEvent, EventLoader, type LoadReport, type StepResult } from './event-loader.js';
export { InProcessBus } from './in-process-bus.js';
export { JetStreamLoader, type JetStreamLoaderOptions, type LoaderPace } from './jetstream-loader.js';
export { ensureStream, eventSubject, type StreamNames } from './jetstream-setup.js';
export { NatsPublisher } from './nats-publisher.js';
export { type EventPublisher, type OutboxDatabase, type OutboxEvent, OutboxRelay, outboxBacklog, type RelayOptions } from './outbox-relay.js';
