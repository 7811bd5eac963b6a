import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../src/api-tokens.js';
import { containsCardNumber } from '../src/card-number.js';
import { type KeelServer, startKeel } from '../src/keel-server.js';
import { parseHash } from '../src/password-hash.js';
import { SessionClient } from './support/session-client.js';
import { createTestDatabase, tempDataDir, testConfig } from './support/test-env.js';

/**
 * The people-and-trust protections, each checked the way an attacker would probe it, against the
 * real server on PostgreSQL and chDB. Each test fails when its protection is removed.
 */
const REPO = path.resolve(import.meta.dirname, '../..');
let server: KeelServer;
let dbUrl: string;
let cleanup: Array<() => Promise<void> | void> = [];
const logLines: string[] = [];

let owner: SessionClient;
let cashier: SessionClient;
let ownerToken: string;
let tillKey: string;
let productId: number;
let cashierId: number;
let otherStoreSaleId: string;
const PRICE = 1000;

const OWNER = { username: 'olivia', displayName: 'Olivia Owner', password: 'correct horse battery', pin: '2468' };
const MANAGER = { username: 'manon', displayName: 'Manon Manager', role: 'manager', password: 'manager pass 123', pin: '1357' };
const CASHIER = {
  username: 'carl',
  displayName: 'Carl Cashier',
  role: 'cashier',
  password: 'cashier pass 123',
  pin: '1111',
  storeIds: [1],
  maxDiscountBp: 1000,
};

function noStack(text: string): void {
  expect(text).not.toMatch(/\bat .+\.(ts|js|mjs):\d+/);
  expect(text).not.toMatch(/node_modules|SELECT |INSERT |relation "/i);
}

async function problem(res: Response, status: number, code: string): Promise<Record<string, unknown>> {
  const text = await res.text();
  expect({ status: res.status, text }).toMatchObject({ status });
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  noStack(text);
  const body = JSON.parse(text);
  expect(body.code).toBe(code);
  return body;
}

async function count(table: 'sales' | 'audit_log' | 'products' | 'sessions'): Promise<number> {
  const r = await server.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

async function auditActions(action: string): Promise<Array<{ actor: string; subject: string | null; detail: Record<string, unknown> }>> {
  return (await server.db.selectFrom('audit_log').select(['actor', 'subject', 'detail']).where('action', '=', action).orderBy('id').execute()) as never;
}

function sale(overrides: Record<string, unknown> = {}, discountBp?: number) {
  const total = discountBp === undefined ? PRICE : PRICE - Math.round((PRICE * discountBp) / 10000);
  return {
    id: randomUUID(),
    storeId: 1,
    lines: [{ productId, quantityMilli: 1000, ...(discountBp === undefined ? {} : { discount: { kind: 'percent', basisPoints: discountBp } }) }],
    tenders: [{ kind: 'card', amount: total, reference: 'T42' }],
    expectedTotal: total,
    ...overrides,
  };
}

beforeAll(async () => {
  const db = await createTestDatabase();
  const dir = tempDataDir();
  dbUrl = db.url;
  cleanup = [db.drop, dir.remove];
  server = await startKeel(testConfig({ databaseUrl: db.url, dataDir: dir.dir }, { logLevel: 'info', signInRatePerMinute: 100 }), {
    dashboardsDist: null,
    logStream: { write: (line) => void logLines.push(line) },
  });
  owner = new SessionClient(server.url);
  expect(await (await owner.get('/api/v1/auth/state')).json()).toMatchObject({ setupNeeded: true, user: null });
  expect((await owner.signIn('/api/v1/auth/setup', OWNER)).status).toBe(201);
  const product = await owner.post('/api/v1/products', { sku: 'TEA', name: 'Green tea', price: PRICE, cost: 400, taxClass: 'standard' });
  expect(product.status).toBe(201);
  productId = (await product.json()).id;
  expect((await owner.post('/api/v1/users', MANAGER)).status).toBe(201);
  const c = await owner.post('/api/v1/users', CASHIER);
  expect(c.status).toBe(201);
  cashierId = (await c.json()).id;
  const till = await owner.post('/api/v1/tills', { name: 'Till 1', storeId: 1 });
  expect(till.status).toBe(201);
  tillKey = (await till.json()).key;

  await server.db.insertInto('stores').values({ id: 2, name: 'Second store', time_zone: 'Europe/Paris', currency: 'EUR' }).execute();
  ownerToken = await createApiToken(server.db, 'back-office script', 'owner');
  const script = new SessionClient(server.url, { token: ownerToken });
  const other = sale({ storeId: 2 });
  expect((await script.post('/api/v1/sales', other)).status).toBe(201);
  otherStoreSaleId = other.id;

  cashier = new SessionClient(server.url, { tillKey });
  expect((await cashier.signIn('/api/v1/auth/pin', { username: CASHIER.username, pin: CASHIER.pin })).status).toBe(200);
});

afterAll(async () => {
  await server?.close();
  for (const c of cleanup.reverse()) await c();
});

describe('passwords and sign-in', () => {
  it('stores passwords and PINs only as scrypt hashes with N=2^17, r=8, p=1 and a 16-byte salt', async () => {
    const rows = await server.db.selectFrom('users').select(['username', 'password_hash', 'pin_hash']).execute();
    expect(rows.length).toBe(3);
    for (const r of rows) {
      for (const stored of [r.password_hash, r.pin_hash]) {
        const p = parseHash(stored ?? '');
        expect(p, `${r.username}: ${stored}`).toMatchObject({ logN: 17, r: 8, p: 1 });
        expect(p?.salt.length).toBe(16);
        expect(p?.key.length).toBe(32);
      }
    }
    const everything = JSON.stringify(await sql`SELECT row_to_json(u) FROM users u`.execute(server.db));
    for (const secret of [OWNER.password, MANAGER.password, CASHIER.password]) expect(everything).not.toContain(secret);
    // Two users with the same secret get different hashes (salted).
    expect(new Set(rows.map((r) => r.password_hash)).size).toBe(rows.length);
  });

  it('locks an account after five wrong passwords, even against the right one, and audits each failure', async () => {
    expect((await owner.post('/api/v1/users', { username: 'victim', displayName: 'V', role: 'cashier', password: 'victim pass 123' })).status).toBe(201);
    const attacker = new SessionClient(server.url);
    for (let i = 0; i < 5; i++) {
      await problem(await attacker.signIn('/api/v1/auth/sign-in', { username: 'victim', password: `guess ${i}` }), 401, 'auth.invalid_credentials');
    }
    const locked = await attacker.signIn('/api/v1/auth/sign-in', { username: 'victim', password: 'victim pass 123' });
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    await problem(locked, 429, 'auth.locked');
    expect(attacker.cookie).toBeUndefined();
    const failures = (await auditActions('auth.sign_in_failed')).filter((a) => a.subject === 'victim');
    expect(failures.length).toBe(5);
    expect(JSON.stringify(failures)).not.toContain('guess');
  });

  it('rate-limits sign-in attempts per address', async () => {
    let last = 0;
    let code = '';
    for (let i = 0; i < 101; i++) {
      const res = await server.app.inject({
        method: 'POST',
        url: '/api/v1/auth/sign-in',
        remoteAddress: '10.9.9.9',
        payload: { username: 'victim', password: 'x' },
      });
      last = res.statusCode;
      code = res.json().code;
    }
    expect({ last, code }).toEqual({ last: 429, code: 'auth.rate_limited' });
  });

  it('sets a __Host- session cookie: Secure, HttpOnly, SameSite=Strict, Path=/, no Domain', async () => {
    const c = new SessionClient(server.url);
    await c.signIn('/api/v1/auth/sign-in', { username: MANAGER.username, password: MANAGER.password });
    const set = c.setCookie ?? '';
    expect(set).toMatch(/^__Host-keel_session=[A-Za-z0-9_-]{43};/);
    expect(set).toMatch(/; HttpOnly/);
    expect(set).toMatch(/; Secure/);
    expect(set).toMatch(/; SameSite=Strict/);
    expect(set).toMatch(/; Path=\//);
    expect(set).not.toMatch(/Domain=/i);
    // Only the token's hash is stored.
    const token = (c.cookie ?? '').split('=')[1] as string;
    const stored = JSON.stringify(await sql`SELECT row_to_json(s) FROM sessions s`.execute(server.db));
    expect(stored).not.toContain(token);
  });

  it('rotates the session at sign-in and ends it at sign-out', async () => {
    const c = new SessionClient(server.url);
    await c.signIn('/api/v1/auth/sign-in', { username: MANAGER.username, password: MANAGER.password });
    const first = c.cookie as string;
    expect((await c.get('/api/v1/users')).status).toBe(200);
    await c.signIn('/api/v1/auth/sign-in', { username: MANAGER.username, password: MANAGER.password });
    const second = c.cookie as string;
    expect(second).not.toBe(first);
    await problem(await new SessionClient(server.url).request('GET', '/api/v1/users', undefined, { cookie: first }), 401, 'auth.required');
    expect((await c.get('/api/v1/users')).status).toBe(200);
    expect((await c.post('/api/v1/auth/sign-out', {})).status).toBe(204);
    expect(c.setCookie).toMatch(/Max-Age=0/);
    await problem(await new SessionClient(server.url).request('GET', '/api/v1/users', undefined, { cookie: second }), 401, 'auth.required');
  });

  it('ends a session left idle longer than the idle timeout', async () => {
    const c = new SessionClient(server.url);
    await c.signIn('/api/v1/auth/sign-in', { username: MANAGER.username, password: MANAGER.password });
    expect((await c.get('/api/v1/users')).status).toBe(200);
    await server.db
      .updateTable('sessions')
      .set({ last_seen_at: new Date(Date.now() - 31 * 60_000) })
      .where('user_id', '=', sql<number>`(SELECT id FROM users WHERE username = 'manon')`)
      .execute();
    await problem(await c.get('/api/v1/users'), 401, 'auth.required');
  });

  it('first-run setup cannot be replayed to create a second owner', async () => {
    await problem(await new SessionClient(server.url).post('/api/v1/auth/setup', { ...OWNER, username: 'mallory' }), 409, 'auth.setup_done');
  });
});

describe('CSRF on cookie-authenticated writes', () => {
  it('refuses a write without the session CSRF token, or with a wrong one, and writes nothing', async () => {
    const before = await count('products');
    const body = { sku: 'CSRF', name: 'Forged', price: 1, cost: 1, taxClass: 'zero' };
    await problem(await owner.request('POST', '/api/v1/products', body, { 'x-csrf-token': '' }), 403, 'auth.csrf');
    await problem(await owner.request('POST', '/api/v1/products', body, { 'x-csrf-token': 'forged-token-value' }), 403, 'auth.csrf');
    expect(await count('products')).toBe(before);
    expect((await owner.post('/api/v1/products', body)).status).toBe(201);
  });

  it('exempts bearer API tokens, which a browser never sends on its own', async () => {
    const script = new SessionClient(server.url, { token: ownerToken });
    expect((await script.post('/api/v1/products', { sku: 'SCRIPT', name: 'By script', price: 1, cost: 1, taxClass: 'zero' })).status).toBe(201);
  });
});

describe('deny by default', () => {
  it('every route of the real server declares a permission, and anonymous callers get 401 on every non-public one', async () => {
    const routes = server.app.declaredRoutes().filter((r) => r.method !== 'HEAD');
    expect(routes.length).toBeGreaterThan(15);
    for (const r of routes) expect(r.permission, `${r.method} ${r.url}`).toBeDefined();
    for (const r of routes.filter((x) => x.permission !== 'public')) {
      const url = r.url.replace(':id', r.url.includes('sales') ? randomUUID() : '1');
      const res = await server.app.inject({ method: r.method as 'GET', url, remoteAddress: '127.0.0.1', payload: r.method === 'GET' ? undefined : {} });
      expect(res.statusCode, `${r.method} ${r.url}`).toBe(401);
    }
  });

  it('a cashier cannot reach manager routes (403)', async () => {
    await problem(await cashier.get('/api/v1/users'), 403, 'auth.forbidden');
    await problem(await cashier.get('/api/v1/audit'), 403, 'auth.forbidden');
    await problem(await cashier.post('/api/v1/tills', { name: 'Mine', storeId: 1 }), 403, 'auth.forbidden');
    await problem(await cashier.post('/api/v1/products', { sku: 'NOPE', name: 'Nope', price: 1, cost: 1, taxClass: 'zero' }), 403, 'auth.forbidden');
  });

  it("another store's sale answers 404, exactly like a sale that does not exist", async () => {
    const other = await problem(await cashier.get(`/api/v1/sales/${otherStoreSaleId}`), 404, 'sale.not_found');
    const none = await problem(await cashier.get(`/api/v1/sales/${randomUUID()}`), 404, 'sale.not_found');
    expect(other).toEqual(none);
    await problem(await cashier.post('/api/v1/sales', sale({ storeId: 2 })), 404, 'sale.store_unknown');
    // The owner, who may act in every store, sees it.
    expect((await new SessionClient(server.url, { token: ownerToken }).get(`/api/v1/sales/${otherStoreSaleId}`)).status).toBe(200);
  });

  it('a manager cannot make an owner or grant more than they hold', async () => {
    const m = new SessionClient(server.url);
    await m.signIn('/api/v1/auth/sign-in', { username: MANAGER.username, password: MANAGER.password });
    await problem(
      await m.post('/api/v1/users', { username: 'evil', displayName: 'Evil', role: 'owner', password: 'evil pass 1234' }),
      403,
      'user.grant_not_permitted',
    );
    const ownerRow = await server.db.selectFrom('users').select('id').where('username', '=', OWNER.username).executeTakeFirstOrThrow();
    await problem(await m.patch(`/api/v1/users/${ownerRow.id}`, { password: 'taken over 1234' }), 403, 'user.grant_not_permitted');
  });
});

describe('tills', () => {
  it('a signed-in person sells only from an enrolled till, and the till session needs its key', async () => {
    await problem(await owner.post('/api/v1/sales', sale()), 403, 'till.required');
    const stolenCookie = new SessionClient(server.url);
    stolenCookie.cookie = cashier.cookie;
    stolenCookie.csrf = cashier.csrf;
    await problem(await stolenCookie.post('/api/v1/sales', sale()), 401, 'auth.required');
    // ...nor with another enrolled till's key: the session belongs to the till it was opened at.
    const other = await owner.post('/api/v1/tills', { name: 'Till 2', storeId: 1 });
    const otherTill = new SessionClient(server.url, { tillKey: (await other.json()).key });
    otherTill.cookie = cashier.cookie;
    otherTill.csrf = cashier.csrf;
    await problem(await otherTill.post('/api/v1/sales', sale()), 401, 'auth.required');
    expect((await (await otherTill.get('/api/v1/auth/state')).json()).user).toBeNull();
    await problem(await new SessionClient(server.url).post('/api/v1/auth/pin', { username: CASHIER.username, pin: CASHIER.pin }), 403, 'till.required');
    const res = await cashier.post('/api/v1/sales', sale());
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ cashierId: `user:${cashierId}`, registerId: expect.stringMatching(/^till:\d+$/) });
  });
});

describe('tampering at the till', () => {
  it('a tampered price is refused (422), writes nothing and is audited', async () => {
    const before = await count('sales');
    const s = sale();
    (s.lines[0] as Record<string, unknown>).unitPrice = 1;
    await problem(await cashier.post('/api/v1/sales', s), 422, 'sale.price_mismatch');
    expect(await count('sales')).toBe(before);
    const entry = (await auditActions('sale.price_mismatch')).find((a) => a.subject === s.id);
    expect(entry).toMatchObject({ actor: `user:${cashierId}`, detail: { prices: [{ productId, sent: 1, server: PRICE }] } });
  });

  it('a tampered total is refused (422), writes nothing and is audited', async () => {
    const before = await count('sales');
    const s = sale({ expectedTotal: 1 });
    await problem(await cashier.post('/api/v1/sales', s), 422, 'sale.total_mismatch');
    expect(await count('sales')).toBe(before);
    expect((await auditActions('sale.total_mismatch')).find((a) => a.subject === s.id)).toMatchObject({ actor: `user:${cashierId}` });
  });

  it("a discount over the cashier's limit is refused without approval, and audited", async () => {
    expect((await cashier.post('/api/v1/sales', sale({}, 1000))).status).toBe(201); // at the limit: fine
    const before = await count('sales');
    const s = sale({}, 1500);
    const body = await problem(await cashier.post('/api/v1/sales', s), 403, 'sale.approval_required');
    expect(body).toMatchObject({ discountBp: 1500, limitBp: 1000 });
    expect(await count('sales')).toBe(before);
    expect((await auditActions('sale.discount_refused')).find((a) => a.subject === s.id)).toMatchObject({
      actor: `user:${cashierId}`,
      detail: { discountBp: 1500 },
    });

    await problem(await cashier.post('/api/v1/sales', { ...s, approval: { username: MANAGER.username, pin: '0000' } }), 403, 'sale.approval_invalid');
    await problem(await cashier.post('/api/v1/sales', { ...s, approval: { username: CASHIER.username, pin: CASHIER.pin } }), 403, 'sale.approval_invalid');
    expect(await count('sales')).toBe(before);
    expect((await auditActions('sale.approval_failed')).filter((a) => a.subject === s.id).length).toBe(2);

    const ok = await cashier.post('/api/v1/sales', { ...s, approval: { username: MANAGER.username, pin: MANAGER.pin } });
    expect(ok.status).toBe(201);
    const approved = (await auditActions('sale.discount_approved')).find((a) => a.subject === s.id);
    expect(approved).toMatchObject({ detail: { cashier: `user:${cashierId}`, discountBp: 1500, limitBp: 1000 } });
    // The PIN is in no stored row, not even inside the sale's fingerprint.
    const stored = JSON.stringify(await sql`SELECT row_to_json(s) FROM sales s`.execute(server.db));
    expect(stored).not.toContain(MANAGER.pin);
  });
});

const INJECTIONS = [
  "'; DROP TABLE sales; --",
  "Robert'); DROP TABLE users;--",
  "' OR '1'='1",
  '1; SELECT * FROM system.tables',
  "') UNION ALL SELECT name FROM system.tables --",
  '{id:String} \\ %_ $1',
];

describe('injection strings end up as data, never as SQL', () => {
  it('in product names, user names, till names, register ids (PostgreSQL and ClickHouse) and audit search', async () => {
    const script = new SessionClient(server.url, { token: ownerToken });
    const registerIds: string[] = [];
    for (const [i, text] of INJECTIONS.entries()) {
      const p = await owner.post('/api/v1/products', { sku: `INJ-${i}`, name: text, price: 500, cost: 100, taxClass: 'zero' });
      expect(p.status).toBe(201);
      expect((await p.json()).name).toBe(text);
      expect((await owner.post('/api/v1/users', { username: `inj${i}`, displayName: text, role: 'cashier', pin: '4321' })).status).toBe(201);
      expect((await owner.post('/api/v1/tills', { name: text.slice(0, 100), storeId: 1 })).status).toBe(201);
      const s = sale({ registerId: text.slice(0, 64) });
      expect((await script.post('/api/v1/sales', s)).status).toBe(201);
      registerIds.push(text.slice(0, 64));
      const found = await owner.get(`/api/v1/audit?q=${encodeURIComponent(text)}`);
      expect(found.status).toBe(200);
      const entries = (await found.json()) as Array<{ action: string; subject: string }>;
      expect(entries.map((e) => e.subject)).toContain(`inj${i}`);
      expect(entries.every((e) => JSON.stringify(e).includes(JSON.stringify(text).slice(1, -1)))).toBe(true);
    }
    const names = await server.db.selectFrom('products').select('name').where('sku', 'like', 'INJ-%').orderBy('sku').execute();
    expect(names.map((n) => n.name)).toEqual(INJECTIONS);
    const users = await server.db.selectFrom('users').select('display_name').where('username', 'like', 'inj%').orderBy('username').execute();
    expect(users.map((u) => u.display_name)).toEqual(INJECTIONS);
    expect(await count('sales')).toBeGreaterThan(INJECTIONS.length);

    while ((await server.pipeline.relayNow()) > 0) {}
    await expect
      .poll(async () => (await server.warehouse.query<{ r: string }>('SELECT DISTINCT register_id AS r FROM sale_lines ORDER BY r')).map((x) => x.r), {
        timeout: 20_000,
      })
      .toEqual(expect.arrayContaining(registerIds));
    const tables = await server.warehouse.query<{ n: number }>(
      "SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name = 'sale_lines'",
    );
    expect(Number(tables[0]?.n)).toBe(1);
  });
});

describe('card numbers', () => {
  it('are refused in every field, and none is stored anywhere after a shift', async () => {
    const cards = ['4111111111111111', '5500 0000 0000 0004', '3782-822463-10005', '6011000990139424'];
    const before = await count('sales');
    for (const card of cards) {
      await problem(
        await cashier.post('/api/v1/sales', sale({ tenders: [{ kind: 'card', amount: PRICE, reference: card.replace(/ /g, '') }] })),
        422,
        'request.card_number',
      );
      await problem(
        await owner.post('/api/v1/products', { sku: 'CARD', name: `note ${card}`, price: 1, cost: 1, taxClass: 'zero' }),
        422,
        'request.card_number',
      );
      await problem(await owner.post('/api/v1/users', { username: 'cardy', displayName: card, role: 'cashier' }), 422, 'request.card_number');
    }
    expect(await count('sales')).toBe(before);
    // The rest of the shift: ordinary card and cash sales.
    for (let i = 0; i < 10; i++) {
      const s = i % 2 ? sale() : sale({ tenders: [{ kind: 'cash', amount: 2000 }] });
      expect((await cashier.post('/api/v1/sales', s)).status).toBe(201);
    }
    while ((await server.pipeline.relayNow()) > 0) {}

    const digests = new Set(['hash', 'prev_hash', 'token_sha256', 'key_sha256', 'request_sha256']);
    const tables = await sql<{ t: string }>`SELECT tablename AS t FROM pg_tables WHERE schemaname = 'public'`.execute(server.db);
    const found: string[] = [];
    for (const { t } of tables.rows) {
      const rows = await sql<{ r: Record<string, unknown> }>`SELECT row_to_json(x) AS r FROM ${sql.table(t)} x`.execute(server.db);
      for (const { r } of rows.rows) {
        for (const [k, v] of Object.entries(r)) if (!digests.has(k) && containsCardNumber(JSON.stringify(v))) found.push(`${t}.${k}`);
      }
    }
    for (const row of await server.warehouse.query('SELECT * FROM sale_lines')) {
      if (containsCardNumber(JSON.stringify(row))) found.push('warehouse sale_lines');
    }
    for (const line of logLines) {
      // Numbers the logger adds itself (epoch milliseconds, fractional response times) are not user input.
      const { time: _epochMs, responseTime: _ms, ...rest } = JSON.parse(line);
      if (containsCardNumber(JSON.stringify(rest))) found.push(`log: ${line}`);
    }
    expect(found).toEqual([]);
  });
});

describe('responses and logs', () => {
  it('an internal error answers a bare problem: no stack trace, SQL or table name', async () => {
    await sql`ALTER TABLE products RENAME TO products_hidden`.execute(server.db);
    try {
      await problem(await owner.get('/api/v1/products'), 500, 'internal');
    } finally {
      await sql`ALTER TABLE products_hidden RENAME TO products`.execute(server.db);
    }
    const errorLines = logLines.filter((l) => l.includes('"request failed"'));
    expect(errorLines.length).toBeGreaterThan(0);
    for (const l of errorLines) expect(l).not.toMatch(/\bat .+\.(ts|js):\d+/);
  });

  it('sends strict security headers', async () => {
    const res = await owner.get('/api/v1/auth/state');
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'self'.*script-src 'self'.*frame-ancestors 'none'/);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('cache-control')).toBe('no-store');
  });

  it('logs no password, PIN, session token or CSRF token', async () => {
    const all = logLines.join('\n');
    for (const secret of [OWNER.password, MANAGER.password, CASHIER.password, cashier.csrf as string, (cashier.cookie as string).split('=')[1] as string]) {
      expect(all).not.toContain(secret);
    }
  });
});

describe('audit trail', () => {
  it('is append-only, hash-chained, and `npx keel audit verify` detects a tampered row', async () => {
    const run = promisify(execFile);
    const env = { ...process.env, DATABASE_URL: dbUrl, LOG_LEVEL: 'warn' };
    const ok = await run('npx', ['keel', 'audit', 'verify'], { cwd: REPO, env });
    expect(ok.stdout).toMatch(/audit log intact: \d+ entries/);
    expect(await (await owner.get('/api/v1/audit/verify')).json()).toMatchObject({ ok: true });

    // The table refuses updates and deletes outright...
    await expect(sql`UPDATE audit_log SET actor = 'nobody'`.execute(server.db)).rejects.toThrow(/append-only/);
    await expect(sql`DELETE FROM audit_log`.execute(server.db)).rejects.toThrow(/append-only/);
    // ...and an attacker with the database owner's rights who lifts that guard is still caught.
    const target = await server.db.selectFrom('audit_log').select('id').where('action', '=', 'sale.discount_approved').executeTakeFirstOrThrow();
    await sql`ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`.execute(server.db);
    await sql`UPDATE audit_log SET detail = jsonb_set(detail, '{discountBp}', '500') WHERE id = ${target.id}`.execute(server.db);
    await sql`ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only`.execute(server.db);

    const failed = await run('npx', ['keel', 'audit', 'verify'], { cwd: REPO, env }).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr).toContain(`entry ${target.id} does not match its hash`);
    expect(await (await owner.get('/api/v1/audit/verify')).json()).toMatchObject({ ok: false, brokenAt: { id: target.id, reason: 'hash' } });
  });
});
