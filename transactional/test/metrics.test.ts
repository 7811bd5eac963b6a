import { spawn } from 'node:child_process';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KeelServer, startKeel } from '../src/keel-server.js';
import { eventually } from './support/pg-figures.js';
import { makeSale, seededRandom, TAX } from './support/sale-maker.js';
import { createTestDatabase, tempDataDir, testConfig } from './support/test-env.js';

/** /metrics as Prometheus scrapes it: valid for promtool, and its counters agree with PostgreSQL. */
let server: KeelServer;
let stream = '';
let database: { url: string; drop: () => Promise<void> };
let dir: { dir: string; remove: () => void };

beforeAll(async () => {
  database = await createTestDatabase();
  dir = tempDataDir();
  const config = testConfig({ databaseUrl: database.url, dataDir: dir.dir, nats: true }, { diskMinFreeBytes: 0, trustLoopback: true });
  stream = config.natsStream;
  server = await startKeel(config, { dashboardsDist: null });
});

afterAll(async () => {
  await server?.close();
  await database?.drop();
  dir?.remove();
  const nc = await connect({ servers: 'nats://127.0.0.1:4222' });
  await (await jetstreamManager(nc)).streams.delete(stream).catch(() => false);
  await nc.close();
});

function promtool(text: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn('promtool', ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    p.stdout.on('data', (d) => (output += d));
    p.stderr.on('data', (d) => (output += d));
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, output }));
    p.stdin.end(text);
  });
}

/** The value of one sample, e.g. value(text, 'keel_sales_total'). */
function value(text: string, sample: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  return line === undefined ? undefined : Number(line.slice(sample.length + 1));
}

describe('/metrics', () => {
  it('passes promtool and counts exactly the sales and refunds PostgreSQL holds', async () => {
    const post = (body: unknown) =>
      fetch(`${server.url}/api/v1/sales`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const product = await fetch(`${server.url}/api/v1/products`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sku: 'MET-1', name: 'Metrics milk', price: 250, cost: 100, taxClass: 'reduced' }),
    }).then((r) => r.json());
    const rand = seededRandom(3);
    const sales = Array.from({ length: 30 }, () => makeSale(rand, [{ id: product.id, price: 250, tax: TAX.reduced as (typeof TAX)[string] }], 1, new Date()));
    for (const s of sales) expect((await post(s)).status).toBe(201);
    for (const s of sales.slice(0, 3)) expect((await post(s)).status).toBe(200); // replays: not new sales
    for (let i = 0; i < 2; i++) {
      const refund = {
        id: crypto.randomUUID(),
        storeId: 1,
        registerId: 'till-1',
        occurredAt: new Date().toISOString(),
        lines: [{ productId: product.id, quantityMilli: -1000 }],
        tenders: [{ kind: 'cash', amount: -250 }],
      };
      const res = await post(refund);
      expect(res.status, await res.text()).toBe(201);
    }
    expect((await post({ ...sales[0], id: crypto.randomUUID(), expectedTotal: 1 })).status).toBe(422);

    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const check = await promtool(text);
    expect(check, check.output).toEqual({ code: 0, output: '' });

    const pg = await sql<{ sales: number; refunds: number }>`
      SELECT count(*) FILTER (WHERE total >= 0)::int AS sales, count(*) FILTER (WHERE total < 0)::int AS refunds FROM sales`.execute(server.db);
    expect(pg.rows[0]).toEqual({ sales: 30, refunds: 2 });
    expect(value(text, 'keel_sales_total')).toBe(30);
    expect(value(text, 'keel_refunds_total')).toBe(2);
    const route = 'keel_http_request_duration_seconds_count{method="POST",route="/api/v1/sales",status_code=';
    expect(value(text, `${route}"201"}`)).toBe(32);
    expect(value(text, `${route}"200"}`)).toBe(3);
    expect(value(text, `${route}"422"}`)).toBe(1);
    expect(value(text, 'keel_schema_version')).toBe(server.schemaVersion);
    expect(value(text, 'keel_process_resident_memory_bytes')).toBeGreaterThan(10_000_000);
    expect(value(text, 'keel_disk_free_bytes')).toBeGreaterThan(0);
    expect(value(text, 'keel_disk_low')).toBe(0);

    // Once the pipeline has caught up: nothing waits in the outbox or NATS, and the warehouse is fresh.
    await eventually(async () => {
      const t = await fetch(`${server.url}/metrics`).then((r) => r.text());
      return (
        value(t, 'keel_outbox_backlog') === 0 && value(t, 'keel_nats_consumer_pending') === 0 && value(t, 'keel_warehouse_freshness_seconds') !== undefined
      );
    }, 30_000);
  });

  it('answers only with the metrics.read permission: a LAN client without a token is refused', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '192.0.2.10' });
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('auth.required');
  });
});
