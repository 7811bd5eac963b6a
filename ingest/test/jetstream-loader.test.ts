import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { SaleCompletedV1 } from '@keel/core';
import { dailyTotals, openWarehouse, type Warehouse } from '@keel/warehouse';
import { type JetStreamClient, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventLoader } from '../src/event-loader.js';
import { CATCH_UP_FACTOR, JetStreamLoader } from '../src/jetstream-loader.js';
import { ensureStream, eventSubject, type StreamNames } from '../src/jetstream-setup.js';

/** The loader on real NATS JetStream and chDB: redelivery, replays and poison messages. */
const tag = randomUUID().replace(/-/g, '').slice(0, 10);
const names: StreamNames = { stream: `KEEL_INGEST_${tag}`, subjectPrefix: `keelingest${tag}`, consumer: `wh_${tag}` };
let nc: NatsConnection;
let js: JetStreamClient;
let wh: Warehouse;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'keel-ingest-'));
  wh = await openWarehouse({ dataDir: dir });
  await wh.migrate();
  nc = await connect({ servers: 'nats://127.0.0.1:4222' });
  js = jetstream(nc);
  await ensureStream(await jetstreamManager(nc), names);
});

afterAll(async () => {
  const jsm = await jetstreamManager(nc);
  await jsm.streams.delete(names.stream).catch(() => undefined);
  await nc.drain();
  await wh.close();
  rmSync(dir, { recursive: true, force: true });
});

function sale(storeId: number, total: number): SaleCompletedV1 {
  return {
    type: 'SaleCompleted',
    version: 1,
    eventId: randomUUID(),
    storeId,
    saleId: randomUUID(),
    occurredAt: '2026-11-24T10:00:00.000Z',
    recordedAt: '2026-11-24T10:00:01.000Z',
    businessDay: '2026-11-24',
    businessHour: 11,
    registerId: 'till-1',
    cashierId: 'c1',
    currency: 'EUR',
    lines: [
      {
        lineNo: 1,
        productId: 1,
        sku: 'A',
        quantityMilli: 1000,
        unitPrice: total,
        gross: total,
        discount: 0,
        net: total - 10,
        tax: 10,
        total,
        cost: 5,
        taxCode: 'standard',
      },
    ],
    tenders: [{ kind: 'cash', amount: total }],
    total,
    tax: 10,
    discount: 0,
  };
}

async function storeTotal(storeId: number): Promise<{ revenue: number; tickets: number }> {
  const rows = await dailyTotals(wh, { from: '2026-11-24', to: '2026-11-24', storeId });
  return { revenue: rows.reduce((s, r) => s + r.revenue, 0), tickets: rows.reduce((s, r) => s + r.tickets, 0) };
}

/** The real loader, noting each load's size and start in `loads`; each load made `delayMs` slower (a busy disk). */
function recordingLoader(loads: Array<{ at: number; n: number }>, delayMs = 0): EventLoader {
  const warehouse = new EventLoader(wh);
  return {
    async load(payloads: ReadonlyArray<string | Uint8Array>) {
      loads.push({ at: Date.now(), n: payloads.length });
      if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
      return warehouse.load(payloads);
    },
  } as EventLoader;
}

async function waitFor(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 150 && !(await check()); i++) await new Promise((r) => setTimeout(r, 100));
}

describe('JetStream loader', () => {
  it('counts an event once even when it is published again under a new message id, and skips poison messages', async () => {
    const seen: number[][] = [];
    const loader = new EventLoader(wh, (ids) => seen.push([...ids]));
    const consumer = new JetStreamLoader(js, names, loader, { batchRows: 50, batchMs: 50 });
    await consumer.start();
    const events = Array.from({ length: 120 }, (_, i) => sale(7, 100 + i));
    for (const e of events) await js.publish(eventSubject(names, 7, e.type), JSON.stringify(e), { msgID: e.eventId });
    // Garbage and an unknown version must not stop the stream.
    await js.publish(eventSubject(names, 7, 'SaleCompleted'), 'not json at all');
    await js.publish(eventSubject(names, 7, 'SaleCompleted'), JSON.stringify({ ...events[0], version: 99, eventId: randomUUID() }));
    // The same events again, as after a relay crash past JetStream's duplicate window (new msg ids).
    for (const e of events.slice(0, 30)) await js.publish(eventSubject(names, 7, e.type), JSON.stringify(e), { msgID: `again-${e.eventId}` });
    const expected = events.reduce((s, e) => s + e.total, 0);
    await waitFor(async () => (await storeTotal(7)).tickets >= 120 && loader.droppedTotal >= 2);
    await consumer.stop();
    expect(await storeTotal(7)).toEqual({ revenue: expected, tickets: 120 });
    expect(loader.droppedTotal).toBe(2);
    expect(seen.flat().every((id) => id === 7)).toBe(true);
    const info = await (await jetstreamManager(nc)).consumers.info(names.stream, names.consumer);
    expect(info.num_ack_pending).toBe(0);
    expect(info.num_pending).toBe(0);
  });

  it('flushes and acks its partial batch when stopped, and a restarted loader carries on', async () => {
    const loader = new EventLoader(wh);
    // A long batch window: only stop() can flush these.
    const first = new JetStreamLoader(js, names, loader, { batchRows: 10_000, batchMs: 60_000 });
    await first.start();
    const events = Array.from({ length: 40 }, (_, i) => sale(8, 1000 + i));
    for (const e of events.slice(0, 20)) await js.publish(eventSubject(names, 8, e.type), JSON.stringify(e), { msgID: e.eventId });
    await new Promise((r) => setTimeout(r, 500));
    await first.stop();
    expect((await storeTotal(8)).tickets).toBe(20);
    const second = new JetStreamLoader(js, names, loader, { batchRows: 100, batchMs: 50 });
    await second.start();
    for (const e of events.slice(20)) await js.publish(eventSubject(names, 8, e.type), JSON.stringify(e), { msgID: e.eventId });
    await waitFor(async () => (await storeTotal(8)).tickets >= 40);
    await second.stop();
    expect(await storeTotal(8)).toEqual({ revenue: events.reduce((s, e) => s + e.total, 0), tickets: 40 });
  });

  it('gathers messages into one next batch while a slow insert runs, instead of queueing small ones', async () => {
    // The real warehouse, each insert made 1 s slower (a loaded or distant ClickHouse).
    let lineInserts = 0;
    const slow: Warehouse = Object.create(wh, {
      insertRows: {
        value: async (table: string, rows: readonly Record<string, unknown>[], token: string) => {
          if (table === 'sale_lines') lineInserts++;
          await new Promise((r) => setTimeout(r, 1_000));
          return wh.insertRows(table, rows, token);
        },
      },
    });
    const consumer = new JetStreamLoader(js, names, new EventLoader(slow), { batchRows: 1_000, batchMs: 20 });
    await consumer.start();
    // 60 sales 10 ms apart: with a 20 ms batch window that used to make ~30 batches of 2.
    const events = Array.from({ length: 60 }, (_, i) => sale(10, 300 + i));
    for (const e of events) {
      await js.publish(eventSubject(names, 10, e.type), JSON.stringify(e), { msgID: e.eventId });
      await new Promise((r) => setTimeout(r, 10));
    }
    await waitFor(async () => (await storeTotal(10)).tickets >= 60);
    await consumer.stop();
    expect(await storeTotal(10)).toEqual({ revenue: events.reduce((s, e) => s + e.total, 0), tickets: 60 });
    expect(lineInserts).toBeLessThanOrEqual(5);
  });

  it('repairs the views after an insert that failed between the lines and a view, and counts the redelivery once', async () => {
    const errors: string[] = [];
    const loader = new EventLoader(wh);
    const consumer = new JetStreamLoader(js, names, loader, { batchRows: 100, batchMs: 50, onError: (err) => errors.push(String(err)) });
    // A view refusing store 9's rows: ClickHouse commits the lines, then fails in the view, as a
    // kill -9 between the two leaves it. The loader naks; JetStream redelivers.
    await wh.execute('ALTER TABLE sales_store_day ADD CONSTRAINT refuse_9 CHECK store_id != 9');
    await consumer.start();
    const events = Array.from({ length: 30 }, (_, i) => sale(9, 500 + i));
    for (const e of events) await js.publish(eventSubject(names, 9, e.type), JSON.stringify(e), { msgID: e.eventId });
    await waitFor(async () => errors.length > 0);
    await wh.execute('ALTER TABLE sales_store_day DROP CONSTRAINT refuse_9');
    await waitFor(async () => (await storeTotal(9)).tickets >= 30);
    await consumer.stop();
    expect(errors.join()).toMatch(/sales_store_day/);
    expect(await storeTotal(9)).toEqual({ revenue: events.reduce((s, e) => s + e.total, 0), tickets: 30 });
    const [raw] = await wh.query<{ tickets: number }>('SELECT countIf(line_no = 1) AS tickets FROM sale_lines WHERE store_id = 9');
    expect(raw?.tickets).toBe(30);
  });

  it('grows its batches when the warehouse is slower than the batch window, so a steady trickle never falls behind for good', async () => {
    // Regression (found by the fault suite's soak): a batch was cut when its timer fired, not when the
    // previous insert finished, so with inserts slower than batchMs every few messages queued an insert
    // of their own and the warehouse lag grew for as long as sales came in.
    const inserts: Array<{ at: number; n: number }> = [];
    const consumer = new JetStreamLoader(js, names, recordingLoader(inserts, 300), { batchRows: 5_000, batchMs: 50 });
    await consumer.start();
    const events = Array.from({ length: 150 }, (_, i) => sale(11, 500 + i));
    for (const e of events) {
      await js.publish(eventSubject(names, 11, e.type), JSON.stringify(e), { msgID: e.eventId });
      await new Promise((r) => setTimeout(r, 20));
    }
    await waitFor(async () => (await storeTotal(11)).tickets >= 150);
    await consumer.stop();
    expect(await storeTotal(11)).toEqual({ revenue: events.reduce((s, e) => s + e.total, 0), tickets: 150 });
    // ~3 s of trickle at 300 ms an insert: about ten inserts, each taking what arrived meanwhile
    // (one insert per 50 ms window, as before the fix, would be some 60 and fall ever further behind).
    expect(inserts.length).toBeLessThanOrEqual(20);
  });

  it('catches up with larger batches when sales arrive faster than it loads full ones', async () => {
    // Full batches of 20 at 300 ms a load carry ~67 sales/s; 300 sales come at once. Loading only
    // full batches, the lag grew for as long as sales came in (15 loads of 20 here, each waiting
    // on the one before); a load now takes what gathered meanwhile, up to CATCH_UP_FACTOR batches.
    const loads: Array<{ at: number; n: number }> = [];
    const consumer = new JetStreamLoader(js, names, recordingLoader(loads, 300), { batchRows: 20, batchMs: 50 });
    await consumer.start();
    const events = Array.from({ length: 300 }, (_, i) => sale(15, 700 + i));
    for (const e of events) await js.publish(eventSubject(names, 15, e.type), JSON.stringify(e), { msgID: e.eventId });
    await waitFor(async () => (await storeTotal(15)).tickets >= 300);
    await consumer.stop();
    expect(await storeTotal(15)).toEqual({ revenue: events.reduce((s, e) => s + e.total, 0), tickets: 300 });
    const largest = Math.max(...loads.map((l) => l.n));
    expect(largest).toBeGreaterThan(20);
    expect(largest).toBeLessThanOrEqual(20 * CATCH_UP_FACTOR);
    expect(loads.length).toBeLessThanOrEqual(8);
  });

  it('loads a lone event at once, and a steady trickle at most once per batch window', async () => {
    // Each warehouse insert writes a part per table and view and the engine merges them after; a
    // trickle loaded as it came (one insert per sale) cost a store server a core (the soak).
    const loads: Array<{ at: number; n: number }> = [];
    const consumer = new JetStreamLoader(js, names, recordingLoader(loads), { batchRows: 5_000, batchMs: 400 });
    await consumer.start();
    const lone = sale(13, 900);
    const sentAt = Date.now();
    await js.publish(eventSubject(names, 13, lone.type), JSON.stringify(lone), { msgID: lone.eventId });
    await waitFor(async () => (await storeTotal(13)).tickets >= 1);
    expect(loads).toHaveLength(1);
    expect((loads[0]?.at ?? Number.POSITIVE_INFINITY) - sentAt).toBeLessThan(300); // not held for the window
    await new Promise((r) => setTimeout(r, 500)); // a quiet spell
    loads.length = 0;
    const events = Array.from({ length: 60 }, (_, i) => sale(13, 901 + i));
    const started = Date.now();
    for (const e of events) {
      await js.publish(eventSubject(names, 13, e.type), JSON.stringify(e), { msgID: e.eventId });
      await new Promise((r) => setTimeout(r, 25));
    }
    await waitFor(async () => (await storeTotal(13)).tickets >= 61);
    const spanMs = Date.now() - started;
    await consumer.stop();
    expect(await storeTotal(13)).toEqual({ revenue: [lone, ...events].reduce((s, e) => s + e.total, 0), tickets: 61 });
    // 60 events over ~1.5-2 s: one load per 400 ms window, the first of them at once.
    expect(loads.length).toBeLessThanOrEqual(Math.ceil(spanMs / 400) + 1);
    for (let i = 1; i < loads.length; i++) expect((loads[i]?.at ?? 0) - (loads[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(395);
  });

  it('while nobody watches, loads at the slower pace; when someone starts looking, loads what waits at once', async () => {
    let watched = false;
    const loads: Array<{ at: number; n: number }> = [];
    const consumer = new JetStreamLoader(js, names, recordingLoader(loads), {
      batchRows: 5_000,
      batchMs: 100,
      unwatched: { batchRows: 5_000, batchMs: 60_000 },
      watched: () => watched,
    });
    await consumer.start();
    const publish = async (e: SaleCompletedV1) => js.publish(eventSubject(names, 14, e.type), JSON.stringify(e), { msgID: e.eventId });
    // The first sale after a quiet spell loads at once either way.
    const first = sale(14, 700);
    await publish(first);
    await waitFor(async () => (await storeTotal(14)).tickets >= 1);
    // The next ones wait for the unwatched window (a minute) while nobody looks...
    const later = [sale(14, 701), sale(14, 702)];
    for (const e of later) await publish(e);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await storeTotal(14)).toEqual({ revenue: 700, tickets: 1 });
    // ...and load as soon as someone does.
    watched = true;
    consumer.hurry();
    await waitFor(async () => (await storeTotal(14)).tickets >= 3);
    await consumer.stop();
    expect(await storeTotal(14)).toEqual({ revenue: 700 + 701 + 702, tickets: 3 });
    expect(loads.map((l) => l.n)).toEqual([1, 2]);
  });

  it('counts events delivered by two relay passes at the same moment once', async () => {
    // The relay's loop and a manual relay pass read the same outbox rows; the in-process bus hands
    // both batches to the loader at once. Loads run one after another, so the later ones find them stored.
    const loader = new EventLoader(wh);
    const events = Array.from({ length: 12 }, (_, i) => sale(12, 700 + i));
    const payloads = events.map((e) => JSON.stringify(e));
    await Promise.all([loader.load(payloads), loader.load(payloads.slice(3)), loader.load(payloads.slice(0, 8))]);
    expect(await storeTotal(12)).toEqual({ revenue: events.reduce((s, e) => s + e.total, 0), tickets: 12 });
    const [raw] = await wh.query<{ tickets: number }>('SELECT countIf(line_no = 1) AS tickets FROM sale_lines WHERE store_id = 12');
    expect(raw?.tickets).toBe(12);
  });
});
