import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KeelServer, startKeel } from '../src/keel-server.js';
import { createTestDatabase, tempDataDir, testConfig } from './support/test-env.js';

/** Tills returning the same goods at the same moment: together they never pay back more than was sold. */
let server: KeelServer;
let cleanup: Array<() => Promise<void> | void> = [];
let productId: number;

beforeAll(async () => {
  const db = await createTestDatabase();
  const dir = tempDataDir();
  cleanup = [db.drop, dir.remove];
  server = await startKeel(testConfig({ databaseUrl: db.url, dataDir: dir.dir }, { trustLoopback: true }), { dashboardsDist: null });
  const res = await post('/api/v1/products', { sku: 'KETTLE', name: 'Kettle', price: 2999, cost: 1500, taxClass: 'standard' });
  productId = (await res.json()).id;
});

afterAll(async () => {
  await server?.close();
  for (const c of cleanup.reverse()) await c();
});

function post(path: string, body: unknown): Promise<Response> {
  return fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

const refund = (of: string, units: number) => ({
  id: randomUUID(),
  storeId: 1,
  lines: [{ productId, quantityMilli: -1000 * units }],
  tenders: [{ kind: 'cash', amount: -2999 * units }],
  refund: { of, reason: 'returned at two tills' },
});

async function sell(units: number): Promise<string> {
  const id = randomUUID();
  const res = await post('/api/v1/sales', {
    id,
    storeId: 1,
    lines: [{ productId, quantityMilli: 1000 * units }],
    tenders: [{ kind: 'cash', amount: 2999 * units }],
  });
  expect(res.status).toBe(201);
  return id;
}

describe('concurrent refunds of one sale', () => {
  it('accepts exactly as many one-unit refunds as units were sold, and refuses the rest', async () => {
    const sale = await sell(3);
    const answers = await Promise.all(Array.from({ length: 8 }, () => post('/api/v1/sales', refund(sale, 1))));
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 201, 201, 422, 422, 422, 422, 422]);
    const refused = await Promise.all(answers.filter((r) => r.status === 422).map((r) => r.json()));
    expect(refused.every((p) => p.code === 'refund.exceeds_sold')).toBe(true);
    const back = await server.db
      .selectFrom('sales')
      .where('refund_of', '=', sale)
      .select((eb) => [eb.fn.countAll<string>().as('n'), eb.fn.sum<string>('total').as('total')])
      .executeTakeFirstOrThrow();
    expect({ n: Number(back.n), total: Number(back.total) }).toEqual({ n: 3, total: -3 * 2999 });
  });

  it('pays a whole sale back once when two tills refund all of it at once', async () => {
    const sale = await sell(2);
    const answers = await Promise.all([post('/api/v1/sales', refund(sale, 2)), post('/api/v1/sales', refund(sale, 2))]);
    expect(answers.map((r) => r.status).sort()).toEqual([201, 422]);
    const rows = await server.db.selectFrom('sales').where('refund_of', '=', sale).select('total').execute();
    expect(rows.map((r) => Number(r.total))).toEqual([-2 * 2999]);
  });
});
