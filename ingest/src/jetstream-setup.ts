import { AckPolicy, DeliverPolicy, type JetStreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';

export interface StreamNames {
  /** JetStream stream holding every Keel event. */
  readonly stream: string;
  /** Subjects are `<prefix>.<store>.<event>`. */
  readonly subjectPrefix: string;
  /** Durable pull consumer feeding the warehouse. */
  readonly consumer: string;
}

export function eventSubject(names: StreamNames, storeId: number, eventType: string): string {
  return `${names.subjectPrefix}.${storeId}.${eventType}`;
}

/** Create the stream and the warehouse consumer if missing (idempotent). */
export async function ensureStream(jsm: JetStreamManager, names: StreamNames): Promise<void> {
  const config = {
    name: names.stream,
    subjects: [`${names.subjectPrefix}.>`],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    max_age: nanos(7 * 24 * 3600 * 1000),
    duplicate_window: nanos(10 * 60 * 1000),
  };
  try {
    await jsm.streams.info(names.stream);
    await jsm.streams.update(names.stream, config);
  } catch (e) {
    if (!isNotFound(e)) throw e;
    await jsm.streams.add(config);
  }
  try {
    await jsm.consumers.info(names.stream, names.consumer);
  } catch (e) {
    if (!isNotFound(e)) throw e;
    await jsm.consumers.add(names.stream, {
      durable_name: names.consumer,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: nanos(30_000),
      max_ack_pending: 50_000,
    });
  }
}

function isNotFound(e: unknown): boolean {
  const err = e as { code?: unknown; message?: string; api_error?: { code?: number } };
  return err?.api_error?.code === 404 || /not found/i.test(err?.message ?? '');
}
