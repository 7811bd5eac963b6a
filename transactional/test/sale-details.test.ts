import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../src/api-tokens.js';
import { type KeelServer, startKeel } from '../src/keel-server.js';
import { eventually } from './support/pg-figures.js';
import { SessionClient } from './support/session-client.js';
import { addPeople, CASHIER, MANAGER } from './support/store-people.js';
import { createTestDatabase, tempDataDir, testConfig } from './support/test-env.js';

/**
 * What a till adds to a sale, against the real server, PostgreSQL and the warehouse: a price
 * override with its reason (a cashier needs a manager's PIN, the server recomputes and keeps both
 * prices, audited), a customer and a note, and offline sales accepted at the till's prices with
 * their conflicts (price changed, product retired, stock gone negative) flagged for a manager —
 * once, however often the till replays them — while online sales keep the server's price.
 */
let server: KeelServer;
let cleanup: Array<() => Promise<void> | void> = [];
let ownerToken: string;
let owner: SessionClient;
let cashier: SessionClient;
let tillKey: string;
let casey: number;
const ids: Record<string, number> = {};

async function problem(res: Response, status: number, code: string) {
  const body = await res.json();
  expect({ status: res.status, code: body.code }).toEqual({ status, code });
  return body;
}

const count = async (table: 'sales' | 'sale_flags') =>
  Number(
    (
      await server.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

beforeAll(async () => {
  const db = await createTestDatabase();
  const dir = tempDataDir();
  cleanup = [db.drop, dir.remove];
  server = await startKeel(testConfig({ databaseUrl: db.url, dataDir: dir.dir, nats: true }), { dashboardsDist: null });
  ownerToken = await createApiToken(server.db, 'setup script', 'owner');
  owner = new SessionClient(server.url, { token: ownerToken });
  for (const [sku, price] of [
    ['TEA', 1000],
    ['JAM', 450],
    ['OLD', 300],
    ['KEPT', 200],
  ] as const) {
    const res = await owner.post('/api/v1/products', { sku, name: sku, price, cost: 100, taxClass: 'standard' });
    expect(res.status).toBe(201);
    ids[sku] = (await res.json()).id;
  }
  await addPeople(server.url, ownerToken, [MANAGER, CASHIER]);
  casey = (await server.db.selectFrom('users').select('id').where('username', '=', CASHIER.username).executeTakeFirstOrThrow()).id;
  const till = await owner.post('/api/v1/tills', { name: 'Till 1', storeId: 1 });
  tillKey = (await till.json()).key;
  cashier = new SessionClient(server.url, { tillKey });
  expect((await cashier.signIn('/api/v1/auth/pin', { username: CASHIER.username, pin: CASHIER.pin })).status).toBe(200);
});

afterAll(async () => {
  await server?.close();
  for (const c of cleanup.reverse()) await c();
});

async function product(sku: string, price: number, taxClass = 'standard'): Promise<number> {
  const res = await owner.post('/api/v1/products', { sku, name: sku, price, cost: 100, taxClass });
  expect(res.status).toBe(201);
  return (await res.json()).id;
}

async function setPrice(id: number, price: number) {
  const { version } = await (await owner.get(`/api/v1/products/${id}`)).json();
  expect((await owner.patch(`/api/v1/products/${id}`, { price, version })).status).toBe(200);
}

const flagsOf = (saleId: string) => server.db.selectFrom('sale_flags').selectAll().where('sale_id', '=', saleId).execute();

function sale(lines: Array<Record<string, unknown>>, total: number, extra: Record<string, unknown> = {}) {
  return { id: randomUUID(), storeId: 1, lines, tenders: [{ kind: 'cash', amount: total }], expectedTotal: total, ...extra };
}

describe('price override', () => {
  it("needs a manager's PIN for a cashier, is recomputed, keeps both prices and the reason, and is audited", async () => {
    const line = { productId: ids.TEA, quantityMilli: 2000, unitPrice: 1000, priceOverride: { unitPrice: 800, reason: 'Damaged item' } };
    const body = sale([line], 1600);
    const before = await count('sales');
    const refused = await problem(await cashier.post('/api/v1/sales', body), 403, 'sale.override_approval_required');
    expect(refused.overrides[0]).toMatchObject({ productId: ids.TEA, listPrice: 1000, unitPrice: 800, reductionBp: 2000 });
    await problem(await cashier.post('/api/v1/sales', { ...body, approval: { username: MANAGER.username, pin: '0000' } }), 403, 'sale.approval_invalid');
    // A total computed at the list price is not the server's total.
    const approval = { username: MANAGER.username, pin: MANAGER.pin };
    await problem(await cashier.post('/api/v1/sales', { ...sale([line], 2000), approval }), 422, 'sale.total_mismatch');
    // No reason, or an override on a refund line: refused.
    await problem(await cashier.post('/api/v1/sales', sale([{ ...line, priceOverride: { unitPrice: 800, reason: ' ' } }], 1600)), 400, 'request.invalid');
    expect(await count('sales')).toBe(before);

    const ok = await cashier.post('/api/v1/sales', { ...body, approval });
    expect(ok.status).toBe(201);
    const result = await ok.json();
    expect(result.total).toBe(1600);
    expect(result.lines[0]).toMatchObject({ unitPrice: 800, listPrice: 1000, overrideReason: 'Damaged item', gross: 1600 });
    const row = await server.db.selectFrom('sale_lines').selectAll().where('sale_id', '=', body.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ unit_price: 800, list_price: 1000, override_reason: 'Damaged item', total: 1600 });
    const audit = await server.db.selectFrom('audit_log').select(['action', 'actor', 'detail']).where('subject', '=', body.id).execute();
    const manager = await server.db.selectFrom('users').select('id').where('username', '=', MANAGER.username).executeTakeFirstOrThrow();
    expect(audit.map((a) => a.action).sort()).toEqual(['sale.approval_failed', 'sale.override_refused', 'sale.price_override']);
    expect(audit.find((a) => a.action === 'sale.price_override')).toMatchObject({
      actor: `user:${casey}`,
      detail: { approvedBy: `user:${manager.id}`, lines: [{ listPrice: 1000, unitPrice: 800, reason: 'Damaged item' }] },
    });
    // The same sale again: the original answer, nothing recorded twice.
    const again = await cashier.post('/api/v1/sales', { ...body, approval });
    expect(again.status).toBe(200);
    expect((await server.db.selectFrom('audit_log').select('id').where('action', '=', 'sale.price_override').execute()).length).toBe(1);
  });

  it('a manager overrides on their own; the till checks an approval for an override at once', async () => {
    const manager = new SessionClient(server.url, { tillKey });
    expect((await manager.signIn('/api/v1/auth/pin', { username: MANAGER.username, pin: MANAGER.pin })).status).toBe(200);
    const up = sale([{ productId: ids.JAM, quantityMilli: 1000, priceOverride: { unitPrice: 500, reason: 'Price match' } }], 500);
    expect((await manager.post('/api/v1/sales', up)).status).toBe(201);
    const check = await cashier.post('/api/v1/terminal/approvals', {
      username: MANAGER.username,
      pin: MANAGER.pin,
      purpose: 'price_override',
      basisPoints: 5000,
    });
    expect(await check.json()).toEqual({ approverName: MANAGER.name });
    // Back to the cashier at this till for the next tests.
    expect((await cashier.signIn('/api/v1/auth/pin', { username: CASHIER.username, pin: CASHIER.pin })).status).toBe(200);
  });
});

describe('customers and notes', () => {
  it('finds and adds customers; a sale records its customer and note', async () => {
    const created = await cashier.post('/api/v1/customers', { name: 'Ada Lovelace', email: 'ada@example.org', phone: '+44 20 7946 0000', code: 'C-1' });
    expect(created.status).toBe(201);
    const ada = await created.json();
    await problem(await cashier.post('/api/v1/customers', { name: 'Other', code: 'C-1' }), 409, 'customer.code_taken');
    await problem(await cashier.post('/api/v1/customers', { name: 'Bad', email: 'not an address' }), 400, 'request.invalid');
    for (const q of ['ada', 'LOVE', 'ada@ex', '+44 20', 'c-1']) {
      const found = await (await cashier.get(`/api/v1/customers?q=${encodeURIComponent(q)}`)).json();
      expect(
        found.items.map((c: { id: number }) => c.id),
        q,
      ).toEqual([ada.id]);
    }
    expect((await (await cashier.get('/api/v1/customers?q=%25')).json()).items).toEqual([]);

    const body = sale([{ productId: ids.JAM, quantityMilli: 1000 }], 450, { customerId: ada.id, note: 'Deliver on Friday' });
    const res = await cashier.post('/api/v1/sales', body);
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ customerId: ada.id, note: 'Deliver on Friday', offline: false, flags: [] });
    expect(await (await cashier.get(`/api/v1/sales/${body.id}`)).json()).toMatchObject({ customerId: ada.id, note: 'Deliver on Friday' });
    await problem(await cashier.post('/api/v1/sales', { ...body, id: randomUUID(), customerId: 999999 }), 422, 'sale.customer_unknown');
    await problem(await cashier.post('/api/v1/sales', { ...body, id: randomUUID(), note: 'x'.repeat(501) }), 400, 'request.invalid');
  });
});

describe('offline sales', () => {
  it('are accepted at the till price and flagged once; online sales keep the server price', async () => {
    // Stock is kept for KEPT (received 1); the till sells 2 of it offline.
    expect((await owner.post('/api/v1/stock/receipts', { storeId: 1, productId: ids.KEPT, quantityMilli: 1000 })).status).toBe(201);
    // Prices change on the server while the till is away: TEA 1000 -> 1100, OLD is retired.
    for (const [sku, change] of [
      ['TEA', { price: 1100 }],
      ['OLD', { active: false }],
    ] as const) {
      const { version } = await (await owner.get(`/api/v1/products/${ids[sku]}`)).json();
      expect((await owner.patch(`/api/v1/products/${ids[sku]}`, { ...change, version })).status).toBe(200);
    }
    const lines = [
      { productId: ids.TEA, quantityMilli: 1000, unitPrice: 1000 },
      { productId: ids.OLD, quantityMilli: 1000, unitPrice: 300 },
      { productId: ids.KEPT, quantityMilli: 2000, unitPrice: 200 },
    ];
    const occurredAt = new Date(Date.now() - 60_000).toISOString();
    // Online, the same lines are refused: the server's price wins.
    await problem(await cashier.post('/api/v1/sales', sale(lines, 1700, { occurredAt })), 422, 'sale.unknown_product');
    await problem(await cashier.post('/api/v1/sales', sale([lines[0] as Record<string, unknown>], 1000)), 422, 'sale.price_mismatch');
    // A script (not a till) may not call a sale offline.
    await problem(await owner.post('/api/v1/sales', sale(lines, 1700, { offline: true })), 403, 'till.required');

    const salesBefore = await count('sales');
    const offline = sale(lines, 1700, { occurredAt, offline: true });
    const first = await cashier.post('/api/v1/sales', offline);
    expect(first.status).toBe(201);
    const recorded = await first.json();
    expect(recorded).toMatchObject({ total: 1700, offline: true });
    expect(recorded.flags).toEqual(
      expect.arrayContaining([
        {
          kind: 'price_changed',
          productId: ids.TEA,
          tillPrice: 1000,
          serverPrice: 1100,
          onHandMilli: null,
          tillTaxBp: null,
          serverTaxBp: null,
          approvalBp: null,
        },
        {
          kind: 'product_retired',
          productId: ids.OLD,
          tillPrice: 300,
          serverPrice: 300,
          onHandMilli: null,
          tillTaxBp: null,
          serverTaxBp: null,
          approvalBp: null,
        },
        {
          kind: 'stock_negative',
          productId: ids.KEPT,
          tillPrice: null,
          serverPrice: null,
          onHandMilli: -1000,
          tillTaxBp: null,
          serverTaxBp: null,
          approvalBp: null,
        },
      ]),
    );
    expect(recorded.flags.length).toBe(3);

    // The till replays it (the answer was lost; then its session ended): the same answer, nothing twice.
    const again = await cashier.post('/api/v1/sales', offline);
    expect(again.status).toBe(200);
    expect((await again.json()).flags.length).toBe(3);
    const replay = await new SessionClient(server.url, { tillKey }).post('/api/v1/terminal/replays', { cashierId: casey, sale: offline });
    expect(replay.status).toBe(200);
    expect(await count('sales')).toBe(salesBefore + 1);
    expect(await count('sale_flags')).toBe(3);
    expect((await server.db.selectFrom('audit_log').select('id').where('action', '=', 'sale.sync_conflict').execute()).length).toBe(1);
    const row = await server.db.selectFrom('sales').select(['total', 'offline']).where('id', '=', offline.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ total: 1700, offline: true });

    // The manager's list; a cashier may not read it.
    const list = await (await owner.get('/api/v1/sale-flags')).json();
    expect(
      list.items
        .filter((f: { saleId: string }) => f.saleId === offline.id)
        .map((f: { kind: string }) => f.kind)
        .sort(),
    ).toEqual(['price_changed', 'product_retired', 'stock_negative']);
    expect(list.items.find((f: { kind: string }) => f.kind === 'price_changed')).toMatchObject({
      sku: 'TEA',
      tillPrice: 1000,
      serverPrice: 1100,
      cashierName: CASHIER.name,
    });
    await problem(await cashier.get('/api/v1/sale-flags'), 403, 'auth.forbidden');

    // The warehouse counts the offline sale once, at the till's total.
    const day = recorded.businessDay;
    const summary = async () => (await owner.get(`/api/v1/dashboard/summary?day=${day}&store=1`)).json();
    await eventually(async () => (await summary()).tickets >= salesBefore + 1, 30_000);
    const s = await summary();
    expect(s.tickets).toBe(salesBefore + 1);
  });
});

describe('a sale sent again after its first send had no answer', () => {
  it('is accepted at the till price and flagged; a first send that was recorded after all replays', async () => {
    const soap = await product('SOAP', 500);
    const occurredAt = new Date(Date.now() - 120_000).toISOString();
    // The till sent this sale online; the send never reached the server (network error, or a 503).
    // The price changes before the till sends it again.
    const taken = sale([{ productId: soap, quantityMilli: 2000, unitPrice: 500 }], 1000, { occurredAt, registerId: 'till-x' });
    await setPrice(soap, 550);
    const before = await count('sales');
    // Unmarked, the strict rule would refuse it (and the customer has left with the goods)...
    await problem(await cashier.post('/api/v1/sales', taken), 422, 'sale.price_mismatch');
    // ...the till marks every retry `deferred`: accepted at the till's price, the change flagged.
    const res = await cashier.post('/api/v1/sales', { ...taken, deferred: true });
    expect(res.status).toBe(201);
    const recorded = await res.json();
    expect(recorded).toMatchObject({ total: 1000, offline: false, replayed: false });
    expect(recorded.flags).toEqual([
      { kind: 'price_changed', productId: soap, tillPrice: 500, serverPrice: 550, onHandMilli: null, tillTaxBp: null, serverTaxBp: null, approvalBp: null },
    ]);
    // Sent again (marked or not): the same sale, recorded once, flagged once.
    for (const body of [{ ...taken, deferred: true }, taken]) {
      const again = await cashier.post('/api/v1/sales', body);
      expect(again.status).toBe(200);
      expect(await again.json()).toMatchObject({ id: taken.id, total: 1000, recordedAt: recorded.recordedAt, replayed: true });
    }
    expect(await count('sales')).toBe(before + 1);
    expect((await flagsOf(taken.id)).map((f) => f.kind)).toEqual(['price_changed']);
    const list = await (await owner.get('/api/v1/sale-flags')).json();
    expect(list.items.find((f: { saleId: string }) => f.saleId === taken.id)).toMatchObject({
      kind: 'price_changed',
      sku: 'SOAP',
      tillPrice: 500,
      serverPrice: 550,
    });

    // The first send WAS recorded and only its answer was lost: the marked retry is the same sale.
    const lost = sale([{ productId: soap, quantityMilli: 1000, unitPrice: 550 }], 550, { occurredAt });
    const first = await cashier.post('/api/v1/sales', lost);
    expect(first.status).toBe(201);
    const firstBody = await first.json();
    const retry = await cashier.post('/api/v1/sales', { ...lost, deferred: true });
    expect(retry.status).toBe(200);
    expect(await retry.json()).toEqual({ ...firstBody, replayed: true });
    // By its journal replay too (the cashier's session ended meanwhile).
    const replay = await new SessionClient(server.url, { tillKey }).post('/api/v1/terminal/replays', { cashierId: casey, sale: { ...lost, deferred: true } });
    expect(replay.status).toBe(200);
    expect(await count('sales')).toBe(before + 2);
    // Other content under the same id is still refused, marked or not.
    await problem(await cashier.post('/api/v1/sales', { ...lost, tenders: [{ kind: 'cash', amount: 600 }], deferred: true }), 422, 'sale.id_conflict');
    // Only a till sends a sale again under the offline rule.
    await problem(
      await owner.post('/api/v1/sales', sale([{ productId: soap, quantityMilli: 1000, unitPrice: 500 }], 500, { deferred: true })),
      403,
      'till.required',
    );
  });

  it("is accepted and flagged when the manager's approval it needed never arrived (PINs are not journaled)", async () => {
    const jam = await product('PLUM-JAM', 500);
    // A 50% line discount (the cashier's limit is 10%) and an override from 500 to 300 (a cashier may not override).
    const lines = [
      { productId: jam, quantityMilli: 1000, unitPrice: 500, discount: { kind: 'percent', basisPoints: 5000 } },
      { productId: ids.TEA, quantityMilli: 1000, unitPrice: 1100, priceOverride: { unitPrice: 300, reason: 'Damaged item' } },
    ];
    const taken = sale(lines, 550, { registerId: 'till-x' });
    // Sent online without the approval, it is refused, as before...
    await problem(await cashier.post('/api/v1/sales', taken), 403, 'sale.approval_required');
    // ...but the till's retry after a reload (the PIN is gone) is recorded, each line flagged for a manager.
    const res = await cashier.post('/api/v1/sales', { ...taken, deferred: true });
    const recorded = await res.json();
    expect([res.status, recorded.code]).toEqual([201, undefined]);
    expect(recorded.total).toBe(550);
    const missing = recorded.flags.filter((f: { kind: string }) => f.kind === 'approval_missing');
    expect(missing).toEqual([
      { kind: 'approval_missing', productId: jam, approvalBp: 5000, tillPrice: null, serverPrice: null, onHandMilli: null, tillTaxBp: null, serverTaxBp: null },
      {
        kind: 'approval_missing',
        productId: ids.TEA,
        approvalBp: 7273,
        tillPrice: 300,
        serverPrice: 1100,
        onHandMilli: null,
        tillTaxBp: null,
        serverTaxBp: null,
      },
    ]);
    const list = await (await owner.get('/api/v1/sale-flags')).json();
    expect(list.items.filter((f: { saleId: string }) => f.saleId === taken.id).map((f: { kind: string; sku: string }) => [f.kind, f.sku])).toEqual(
      expect.arrayContaining([
        ['approval_missing', 'PLUM-JAM'],
        ['approval_missing', 'TEA'],
      ]),
    );
    const audit = await server.db.selectFrom('audit_log').select(['action']).where('subject', '=', taken.id).execute();
    expect(audit.map((a) => a.action)).toContain('sale.sync_conflict');
  });
});

describe('a tax rate changed between the offline sale and its sync', () => {
  it("is accepted at the till's rate and flagged tax_changed; online the server's rate wins", async () => {
    // A tax added on top of the price (exclusive), so a new rate changes the total.
    await server.db.insertInto('tax_classes').values({ code: 'sales_tax', name: 'Sales tax 8% (added)', basis_points: 800, inclusive: false }).execute();
    await server.reference.reload();
    const lamp = await product('LAMP', 1000, 'sales_tax');
    const bread = await product('BREAD', 211, 'reduced');
    const tillTax = { code: 'sales_tax', basisPoints: 800, inclusive: false };
    const lines = [
      { productId: lamp, quantityMilli: 1000, unitPrice: 1000, tax: tillTax },
      { productId: bread, quantityMilli: 1000, unitPrice: 211, tax: { code: 'reduced', basisPoints: 550, inclusive: true } },
    ];
    // The till took the sale offline at 8% (1000 + 80) and 5.5% included; then the rate went to 9%.
    await server.db.updateTable('tax_classes').set({ basis_points: 900 }).where('code', '=', 'sales_tax').execute();
    await server.reference.reload();
    const before = await count('sales');
    const offline = sale(lines, 1291, { offline: true });
    // Online, the server's rate wins: its total is not the till's.
    const online = await problem(await cashier.post('/api/v1/sales', { ...offline, offline: undefined }), 422, 'sale.total_mismatch');
    expect(online.serverTotal).toBe(1301);
    // A till that did not say which rate it applied: the server cannot know the customer's total.
    await problem(await cashier.post('/api/v1/sales', { ...offline, lines: lines.map(({ tax: _t, ...l }) => l) }), 422, 'sale.total_mismatch');
    expect(await count('sales')).toBe(before);

    const res = await cashier.post('/api/v1/sales', offline);
    expect(res.status).toBe(201);
    const recorded = await res.json();
    expect(recorded).toMatchObject({ total: 1291, offline: true });
    expect(recorded.lines[0]).toMatchObject({ productId: lamp, net: 1000, tax: 80, total: 1080 });
    expect(recorded.flags).toEqual([
      { kind: 'tax_changed', productId: lamp, tillPrice: null, serverPrice: null, onHandMilli: null, tillTaxBp: 800, serverTaxBp: 900, approvalBp: null },
    ]);
    const row = await server.db
      .selectFrom('sale_lines')
      .select(['tax', 'tax_code'])
      .where('sale_id', '=', offline.id)
      .where('line_no', '=', 1)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ tax: 80, tax_code: 'sales_tax' });
    // Replayed: the same answer, flagged once.
    expect((await cashier.post('/api/v1/sales', offline)).status).toBe(200);
    expect((await flagsOf(offline.id)).length).toBe(1);

    // A sale sent again after no answer (deferred) gets the same rule.
    const deferred = sale([lines[0] as Record<string, unknown>], 1080, { deferred: true });
    const d = await cashier.post('/api/v1/sales', deferred);
    expect(d.status).toBe(201);
    expect((await d.json()).flags.map((f: { kind: string }) => f.kind)).toEqual(['tax_changed']);

    // The manager's list shows both rates.
    const list = await (await owner.get('/api/v1/sale-flags')).json();
    expect(list.items.find((f: { saleId: string }) => f.saleId === offline.id)).toMatchObject({
      kind: 'tax_changed',
      sku: 'LAMP',
      tillTaxBp: 800,
      serverTaxBp: 900,
    });
  });
});
