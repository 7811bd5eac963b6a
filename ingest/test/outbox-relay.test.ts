import { randomBytes, randomUUID } from 'node:crypto';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureStream, type StreamNames } from '../src/jetstream-setup.js';
import { NatsPublisher } from '../src/nats-publisher.js';
import { type OutboxDatabase, OutboxRelay, outboxBacklog } from '../src/outbox-relay.js';

/** The relay on real PostgreSQL and NATS: nothing is marked published that JetStream did not ack. */
const ADMIN = 'postgres://postgres@127.0.0.1:5432/postgres';
const dbName = `keel_relay_${randomBytes(5).toString('hex')}`;
const tag = randomUUID().replace(/-/g, '').slice(0, 10);
const names: StreamNames = { stream: `KEEL_RELAY_${tag}`, subjectPrefix: `keelrelay${tag}`, consumer: `wh_${tag}` };
let db: Kysely<OutboxDatabase>;
let nc: NatsConnection;

async function admin(statement: string): Promise<void> {
  const c = new pg.Client({ connectionString: ADMIN });
  await c.connect();
  await c.query(statement);
  await c.end();
}

beforeAll(async () => {
  await admin(`CREATE DATABASE ${dbName}`);
  const pool = new pg.Pool({ connectionString: `postgres://postgres@127.0.0.1:5432/${dbName}` });
  // The drop WITH (FORCE) below may end a session the pool's end has not closed yet: not an error of the relay's.
  pool.on('error', () => undefined);
  db = new Kysely<OutboxDatabase>({ dialect: new PostgresDialect({ pool }) });
  await sql`CREATE TABLE outbox (id bigserial PRIMARY KEY, event_id uuid NOT NULL UNIQUE, store_id integer NOT NULL, event_type text NOT NULL,
    payload jsonb NOT NULL, request_id text, created_at timestamptz NOT NULL DEFAULT now(), published_at timestamptz)`.execute(db);
  nc = await connect({ servers: 'nats://127.0.0.1:4222' });
});

afterAll(async () => {
  await (await jetstreamManager(nc)).streams.delete(names.stream).catch(() => undefined);
  await nc.drain();
  await db.destroy();
  await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
});

describe('outbox relay', () => {
  it('keeps rows while JetStream cannot take them, then publishes each once with Nats-Msg-Id = event id', async () => {
    const ids = Array.from({ length: 25 }, () => randomUUID());
    await db
      .insertInto('outbox')
      .values(
        ids.map((id) => ({ event_id: id, store_id: 3, event_type: 'SaleCompleted', payload: JSON.stringify({ eventId: id }), request_id: 'req-1' }) as never),
      )
      .execute();
    const relay = new OutboxRelay(db, new NatsPublisher(jetstream(nc, { timeout: 1000 }), names), { batchRows: 10, idleMs: 20 });
    // No stream yet: publishes are refused, nothing may be marked.
    await expect(relay.relayOnce()).rejects.toThrow();
    expect(await outboxBacklog(db)).toBe(25);

    await ensureStream(await jetstreamManager(nc), names);
    relay.start();
    for (let i = 0; i < 100 && (await outboxBacklog(db)) > 0; i++) await new Promise((r) => setTimeout(r, 50));
    await relay.stop();
    expect(await outboxBacklog(db)).toBe(0);

    // Publishing the same rows again (a crash between ack and mark) is dropped by JetStream.
    await db.updateTable('outbox').set({ published_at: null }).execute();
    const again = new OutboxRelay(db, new NatsPublisher(jetstream(nc), names), { batchRows: 100, idleMs: 20 });
    expect(await again.relayOnce()).toBe(25);
    const info = await (await jetstreamManager(nc)).streams.info(names.stream);
    expect(info.state.messages).toBe(25);
    const first = await (await jetstreamManager(nc)).streams.getMessage(names.stream, { seq: 1 });
    expect(ids).toContain(first?.header?.get('Nats-Msg-Id'));
    expect(first?.header?.get('Keel-Request-Id')).toBe('req-1');
    expect(first?.subject).toBe(`${names.subjectPrefix}.3.SaleCompleted`);
  });
});
