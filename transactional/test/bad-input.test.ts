import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../src/api-tokens.js';
import { type KeelServer, startKeel } from '../src/keel-server.js';
import { PROBLEMS } from '../src/problem.js';
import { createTestDatabase, tempDataDir, testConfig } from './support/test-env.js';

let server: KeelServer;
let cleanup: Array<() => Promise<void> | void> = [];
let cashierToken: string;
let productId: number;
const logLines: string[] = [];

beforeAll(async () => {
  const db = await createTestDatabase();
  const dir = tempDataDir();
  cleanup = [db.drop, dir.remove];
  server = await startKeel(testConfig({ databaseUrl: db.url, dataDir: dir.dir }, { logLevel: 'info', bodyLimit: 64 * 1024, trustLoopback: true }), {
    dashboardsDist: null,
    logStream: { write: (line) => void logLines.push(line) },
  });
  cashierToken = await createApiToken(server.db, 'till 1', 'cashier');
  const p = await post('/api/v1/products', { sku: 'BREAD', name: 'Bread', price: 250, cost: 100, taxClass: 'reduced' });
  productId = (await p.json()).id;
});

afterAll(async () => {
  await server?.close();
  for (const c of cleanup.reverse()) await c();
});

function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function counts() {
  const c = async (t: 'sales' | 'sale_lines' | 'sale_tenders' | 'stock_movements' | 'outbox') =>
    Number(
      (
        await server.db
          .selectFrom(t)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return {
    sales: await c('sales'),
    lines: await c('sale_lines'),
    tenders: await c('sale_tenders'),
    moves: await c('stock_movements'),
    outbox: await c('outbox'),
  };
}

const goodSale = () => ({
  id: randomUUID(),
  storeId: 1,
  lines: [{ productId, quantityMilli: 2000 }],
  tenders: [{ kind: 'cash', amount: 500 }],
  expectedTotal: 500,
});

async function expectProblem(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const body = await res.json();
  expect(body).toMatchObject({ status, code, title: expect.any(String) });
  expect(JSON.stringify(body)).not.toMatch(/\bat .+\.(ts|js):\d+/); // no stack trace
  return body;
}

describe('bad input is refused with a stable code and writes nothing', () => {
  it.each([
    ['a malformed JSON body', () => post('/api/v1/sales', '{"id": "x", lines: ['), 400, 'request.malformed'],
    ['a body of the wrong shape', () => post('/api/v1/sales', { ...goodSale(), lines: 'three loaves' }), 400, 'request.invalid'],
    ['an id that is not a UUID', () => post('/api/v1/sales', { ...goodSale(), id: '42' }), 400, 'request.invalid'],
    ['a zero quantity', () => post('/api/v1/sales', { ...goodSale(), lines: [{ productId, quantityMilli: 0 }] }), 400, 'request.invalid'],
    ['a fractional amount', () => post('/api/v1/sales', { ...goodSale(), tenders: [{ kind: 'cash', amount: 5.5 }] }), 400, 'request.invalid'],
    ['an unknown product', () => post('/api/v1/sales', { ...goodSale(), lines: [{ productId: 999_999, quantityMilli: 1000 }] }), 422, 'sale.unknown_product'],
    [
      'a negative quantity from a cashier without the refund permission',
      () =>
        post(
          '/api/v1/sales',
          { ...goodSale(), lines: [{ productId, quantityMilli: -1000 }], tenders: [{ kind: 'cash', amount: -250 }] },
          { authorization: `Bearer ${cashierToken}` },
        ),
      403,
      'sale.refund_not_permitted',
    ],
    ['tenders short of the total', () => post('/api/v1/sales', { ...goodSale(), tenders: [{ kind: 'cash', amount: 100 }] }), 422, 'sale.tender_invalid'],
    [
      'a card number typed as a tender reference',
      () => post('/api/v1/sales', { ...goodSale(), tenders: [{ kind: 'card', amount: 500, reference: '4111111111111111' }] }),
      422,
      'request.card_number',
    ],
    ['an oversized body', () => post('/api/v1/sales', { ...goodSale(), registerId: 'x'.repeat(100 * 1024) }), 413, 'request.too_large'],
    [
      'a body that is not JSON',
      () => fetch(`${server.url}/api/v1/sales`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'sale please' }),
      415,
      'request.unsupported_media_type',
    ],
    ['an unknown store', () => post('/api/v1/sales', { ...goodSale(), storeId: 77 }), 404, 'sale.store_unknown'],
    ['a wrong token', () => post('/api/v1/sales', goodSale(), { authorization: 'Bearer keel_not-a-real-token-at-all' }), 401, 'auth.required'],
  ])('%s', async (_name, send, status, code) => {
    const before = await counts();
    await expectProblem(await send(), status, code);
    expect(await counts()).toEqual(before);
  });

  it('a tampered total is refused (422), writes nothing and is audited', async () => {
    const before = await counts();
    const sale = { ...goodSale(), expectedTotal: 1 };
    const body = await expectProblem(await post('/api/v1/sales', sale), 422, 'sale.total_mismatch');
    expect(body.serverTotal).toBe(500);
    expect(await counts()).toEqual(before);
    const audit = await server.db.selectFrom('audit_log').selectAll().where('subject', '=', sale.id).execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: 'sale.total_mismatch', detail: { expectedTotal: 1, serverTotal: 500 } });
  });

  it('the same sale id with different content is refused and the original stands', async () => {
    const sale = goodSale();
    expect((await post('/api/v1/sales', sale)).status).toBe(201);
    const before = await counts();
    await expectProblem(
      await post('/api/v1/sales', { ...sale, lines: [{ productId, quantityMilli: 1000 }], tenders: [{ kind: 'cash', amount: 250 }], expectedTotal: 250 }),
      422,
      'sale.id_conflict',
    );
    expect(await counts()).toEqual(before);
    const stored = await fetch(`${server.url}/api/v1/sales/${sale.id}`).then((r) => r.json());
    expect(stored.total).toBe(500);
  });

  it('a cashier cannot reach a manager route', async () => {
    await expectProblem(
      await post('/api/v1/products', { sku: 'X', name: 'X', price: 1, cost: 1, taxClass: 'zero' }, { authorization: `Bearer ${cashierToken}` }),
      403,
      'auth.forbidden',
    );
  });

  it('an unknown route answers a problem, not a stack', async () => {
    await expectProblem(await fetch(`${server.url}/api/v1/nope`), 404, 'route.not_found');
  });

  it('logs name the refusal but never the token or a card number', async () => {
    const log = logLines.join('');
    expect(log).toContain('sale.total_mismatch');
    expect(log).not.toContain(cashierToken);
    expect(log).not.toContain('keel_not-a-real-token-at-all');
    expect(log).not.toContain('4111111111111111');
    expect(log).not.toMatch(/"stack"/);
  });

  it('every problem code is documented in docs/api-errors.md', async () => {
    const { readFile } = await import('node:fs/promises');
    const doc = await readFile(new URL('../../docs/api-errors.md', import.meta.url), 'utf8');
    const documented = new Map([...doc.matchAll(/^\|\s*`([a-z_.]+)`\s*\|\s*(\d{3})\s*\|/gm)].map((m) => [m[1], Number(m[2])]));
    expect(documented).toEqual(new Map(Object.entries(PROBLEMS).map(([code, p]) => [code, p.status])));
  });
});
