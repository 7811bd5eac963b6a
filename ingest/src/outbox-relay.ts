import { type Kysely, sql } from 'kysely';
import { OneAtATime } from './one-at-a-time.js';

/** The outbox table as the relay sees it (transactional owns and creates it). */
export interface OutboxDatabase {
  outbox: {
    id: number;
    event_id: string;
    store_id: number;
    event_type: string;
    payload: unknown;
    request_id: string | null;
    created_at: Date;
    published_at: Date | null;
  };
}

export interface OutboxEvent {
  readonly id: number;
  readonly eventId: string;
  readonly storeId: number;
  readonly eventType: string;
  /** The event JSON as stored. */
  readonly payload: string;
  readonly requestId: string | null;
}

/** Where the relay hands events. Resolves with the outbox ids that are safely delivered (acked). */
export interface EventPublisher {
  readonly name: string;
  publish(events: readonly OutboxEvent[]): Promise<readonly number[]>;
}

export interface RelayOptions {
  readonly batchRows: number;
  /** Poll interval when the outbox is empty; `kick()` wakes the relay sooner. */
  readonly idleMs: number;
  /**
   * After a batch smaller than `batchRows`, wait this long (kicks do not cut it short) so the next
   * batch carries the sales committed meanwhile: under load, one select, one publish burst and one
   * update per many sales instead of per sale. 0: relay again at once. An idle relay still starts at a kick.
   */
  readonly lingerMs?: number;
  readonly onError?: (error: unknown) => void;
}

/**
 * Moves outbox rows to a publisher and marks them published only after the publisher's ack.
 * A crash between ack and mark republishes: JetStream drops it by Nats-Msg-Id within its window
 * and the loader drops it by event id after that, so an event is still counted once.
 */
export class OutboxRelay {
  readonly #db: Kysely<OutboxDatabase>;
  readonly #publisher: EventPublisher;
  readonly #opts: RelayOptions;
  #running = false;
  readonly #queue = new OneAtATime();
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #stopWake: (() => void) | undefined;
  #published = 0;

  constructor(db: Kysely<OutboxDatabase>, publisher: EventPublisher, opts: RelayOptions) {
    this.#db = db;
    this.#publisher = publisher;
    this.#opts = opts;
  }

  get published(): number {
    return this.#published;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  /** New rows were committed: look now instead of at the next poll. */
  kick(): void {
    this.#wake?.();
  }

  /** Finish the batch in flight, then stop. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#stopWake?.();
    await this.#loop;
  }

  /** Relay one batch; returns how many rows were marked published. Calls run one at a time (the loop and `relayNow` would otherwise read the same rows). */
  relayOnce(): Promise<number> {
    return this.#queue.run(() => this.#relayBatch());
  }

  async #relayBatch(): Promise<number> {
    const rows = await this.#db
      .selectFrom('outbox')
      .select(['id', 'event_id', 'store_id', 'event_type', 'request_id', sql<string>`payload::text`.as('payload')])
      .where('published_at', 'is', null)
      .orderBy('id')
      .limit(this.#opts.batchRows)
      .execute();
    if (rows.length === 0) return 0;
    const acked = await this.#publisher.publish(
      rows.map((r) => ({ id: r.id, eventId: r.event_id, storeId: r.store_id, eventType: r.event_type, payload: r.payload, requestId: r.request_id })),
    );
    if (acked.length > 0) {
      await this.#db
        .updateTable('outbox')
        .set({ published_at: new Date() })
        .where('id', 'in', [...acked])
        .execute();
    }
    this.#published += acked.length;
    if (acked.length < rows.length) throw new Error(`${this.#publisher.name} acknowledged ${acked.length} of ${rows.length} events`);
    return acked.length;
  }

  async #run(): Promise<void> {
    let backoff = this.#opts.idleMs;
    const linger = this.#opts.lingerMs ?? 0;
    while (this.#running) {
      let n = 0;
      try {
        n = await this.relayOnce();
        backoff = this.#opts.idleMs;
      } catch (e) {
        this.#opts.onError?.(e);
        backoff = Math.min(backoff * 2, 5_000);
      }
      if (!this.#running) break;
      if (n === 0) await this.#sleep(backoff, true);
      else if (n < this.#opts.batchRows && linger > 0) await this.#sleep(linger, false);
    }
  }

  /** Sleep `ms`; `kick()` ends it early only when `kickable` (stop() always does). */
  #sleep(ms: number, kickable: boolean): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.#wake = undefined;
        this.#stopWake = undefined;
        resolve();
      };
      const t = setTimeout(done, ms);
      this.#wake = kickable ? done : undefined;
      this.#stopWake = done;
    });
  }
}

/** Rows not yet published: the relay's backlog. */
export async function outboxBacklog(db: Kysely<OutboxDatabase>): Promise<number> {
  const row = await db
    .selectFrom('outbox')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('published_at', 'is', null)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}
