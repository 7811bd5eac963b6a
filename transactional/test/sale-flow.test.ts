import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KeelServer, startKeel } from '../src/keel-server.js';
import { createTestDatabase, tempDataDir, testConfig } from './support/test-env.js';

let server: KeelServer;
let dropDb: () => Promise<void>;
let removeDir: () => void;

beforeAll(async () => {
  const db = await createTestDatabase();
  const dir = tempDataDir();
  dropDb = db.drop;
  removeDir = dir.remove;
  server = await startKeel(testConfig({ databaseUrl: db.url, dataDir: dir.dir, nats: true }, { trustLoopback: true }), { dashboardsDist: null });
});

afterAll(async () => {
  await server?.close();
  await dropDb?.();
  removeDir?.();
});

describe('a sale end to end', () => {
  it('is recorded, replayed idempotently and reaches the dashboard figures', async () => {
    const product = await fetch(`${server.url}/api/v1/products`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sku: 'MILK-1L', barcode: '3017620422003', name: 'Milk 1 L', price: 129, cost: 80, taxClass: 'reduced' }),
    }).then((r) => r.json());
    expect(product.id).toBeGreaterThan(0);
    const sale = {
      id: randomUUID(),
      storeId: 1,
      lines: [{ productId: product.id, quantityMilli: 3000 }],
      tenders: [{ kind: 'cash', amount: 500 }],
      expectedTotal: 387,
    };
    const first = await fetch(`${server.url}/api/v1/sales`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(sale) });
    expect(first.status).toBe(201);
    const body = await first.json();
    expect(body.total).toBe(387);
    expect(body.changeDue).toBe(113);
    const again = await fetch(`${server.url}/api/v1/sales`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(sale) });
    expect(again.status).toBe(200);
    expect((await again.json()).recordedAt).toBe(body.recordedAt);
    const day = body.businessDay;
    let summary: { revenue: number; tickets: number } = { revenue: 0, tickets: 0 };
    for (let i = 0; i < 100 && summary.revenue === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      summary = await fetch(`${server.url}/api/v1/dashboard/summary?day=${day}&store=1`).then((r) => r.json());
    }
    expect(summary.revenue).toBe(387);
    expect(summary.tickets).toBe(1);
  });
});
