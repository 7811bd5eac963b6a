import { existsSync } from 'node:fs';
import { type ClickHouseClient, ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../src/api-tokens.js';
import { type KeelServer, startKeel } from '../src/keel-server.js';
import { eventually } from './support/pg-figures.js';
import { makeSale, seededRandom, TAX, type TestProduct } from './support/sale-maker.js';
import { createTestDatabase, freePort, tempDataDir, testConfig } from './support/test-env.js';

/**
 * The analyst endpoint as an analyst's own tool sees it: `@clickhouse/client` against the real
 * ClickHouse-HTTP listener over chDB, authenticated with Keel API tokens, on real PostgreSQL.
 */
let server: KeelServer;
let analystToken: string;
let cashierToken: string;
let cleanup: Array<() => Promise<void> | void> = [];
const clients: ClickHouseClient[] = [];

function client(password: string | undefined): ClickHouseClient {
  const c = createClient({
    url: server.analystUrl as string,
    username: 'analyst',
    password: password ?? '',
    log: { level: ClickHouseLogLevel.OFF },
  });
  clients.push(c);
  return c;
}

beforeAll(async () => {
  const db = await createTestDatabase();
  const dir = tempDataDir();
  cleanup = [db.drop, dir.remove];
  server = await startKeel(
    testConfig({ databaseUrl: db.url, dataDir: dir.dir }, { analystPort: await freePort(), analystMaxResultRows: 1000, trustLoopback: true }),
    {
      dashboardsDist: null,
    },
  );
  analystToken = await createApiToken(server.db, 'analyst laptop', 'analyst');
  cashierToken = await createApiToken(server.db, 'till 1', 'cashier');
  const products: TestProduct[] = [];
  for (let i = 0; i < 5; i++) {
    const price = 250 + i * 130;
    const p = await fetch(`${server.url}/api/v1/products`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sku: `AN-${i}`, name: `Analyst product ${i}`, price, cost: Math.floor(price / 2), taxClass: 'standard' }),
    }).then((r) => r.json());
    products.push({ id: p.id, price, tax: TAX.standard as TestProduct['tax'] });
  }
  const rand = seededRandom(8123);
  for (let i = 0; i < 30; i++) {
    const sale = makeSale(rand, products, 1, new Date(Date.parse('2026-11-02T09:00:00Z') + i * 3_600_000));
    const res = await fetch(`${server.url}/api/v1/sales`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(sale) });
    expect(res.status).toBe(201);
  }
  await eventually(async () => (await server.warehouse.query<{ n: number }>('SELECT count() AS n FROM sale_lines'))[0]?.n === (await pgLines()).lines);
});

afterAll(async () => {
  for (const c of clients) await c.close();
  await server?.close();
  for (const c of cleanup.reverse()) await c();
});

async function pgLines(): Promise<{ lines: number; revenue: number }> {
  const { rows } = await sql<{ lines: string; revenue: string }>`SELECT count(*) AS lines, coalesce(sum(total), 0) AS revenue FROM sale_lines`.execute(
    server.db,
  );
  return { lines: Number(rows[0]?.lines), revenue: Number(rows[0]?.revenue) };
}

describe('analyst SQL endpoint (ClickHouse HTTP, read-only)', () => {
  it('answers @clickhouse/client with the same figures as PostgreSQL, with bound parameters', async () => {
    const ch = client(analystToken);
    expect((await ch.ping()).success).toBe(true);
    const rs = await ch.query({
      query: 'SELECT count() AS lines, sum(total) AS revenue FROM sale_lines WHERE store_id = {store:UInt32}',
      query_params: { store: 1 },
      format: 'JSONEachRow',
    });
    const [row] = await rs.json<{ lines: string | number; revenue: string | number }>();
    const pg = await pgLines();
    expect(pg.lines).toBeGreaterThan(30);
    expect(Number(row?.lines)).toBe(pg.lines);
    expect(Number(row?.revenue)).toBe(pg.revenue);
    // The documented tables are there to explore.
    const tables = await (await ch.query({ query: 'SHOW TABLES', format: 'JSONEachRow' })).json<{ name: string }>();
    expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['sale_lines', 'sales_store_day', 'sales_product_day', 'sale_tenders']));
  });

  it('refuses writes, SYSTEM statements, several statements and files, and nothing changes', async () => {
    const ch = client(analystToken);
    const before = await pgLines();
    await expect(ch.insert({ table: 'sale_lines', values: [{ store_id: 1 }], format: 'JSONEachRow' })).rejects.toMatchObject({ type: 'READONLY' });
    await expect(ch.command({ query: 'SYSTEM DROP MARK CACHE' })).rejects.toMatchObject({ type: 'READONLY' });
    await expect(ch.command({ query: 'DROP TABLE sale_lines' })).rejects.toMatchObject({ type: 'READONLY' });
    await expect(ch.command({ query: 'TRUNCATE TABLE sale_lines' })).rejects.toMatchObject({ type: 'READONLY' });
    await expect(ch.command({ query: '/* a read? */ INSERT INTO sale_lines (store_id) SELECT 1 -- SELECT' })).rejects.toMatchObject({ type: 'READONLY' });
    await expect(ch.query({ query: 'SELECT 1; DROP TABLE sale_lines' })).rejects.toThrow(/one statement/);
    await expect(ch.query({ query: "SELECT 1 INTO OUTFILE '/tmp/keel-analyst-outfile.txt'" })).rejects.toMatchObject({ type: 'READONLY' });
    expect(existsSync('/tmp/keel-analyst-outfile.txt')).toBe(false);
    // Readonly is enforced by the engine too: table functions that read files, and settings changes.
    await expect(ch.query({ query: "SELECT * FROM file('/etc/passwd', 'LineAsString')" })).rejects.toMatchObject({ type: 'READONLY' });
    await expect(ch.query({ query: 'SELECT 1', clickhouse_settings: {}, format: 'JSONEachRow', query_params: {} })).resolves.toBeDefined();
    await expect(ch.query({ query: 'SELECT 1 SETTINGS readonly = 0' })).rejects.toMatchObject({ type: 'READONLY' });
    const count = await (await ch.query({ query: 'SELECT count() AS n FROM sale_lines', format: 'JSONEachRow' })).json<{ n: number }>();
    expect(Number(count[0]?.n)).toBe(before.lines);
    const audited = await server.db.selectFrom('audit_log').select(['action', 'actor']).where('action', '=', 'analyst.refused').execute();
    expect(audited.length).toBeGreaterThanOrEqual(6);
    expect(audited[0]?.actor).toMatch(/^token:/);
  });

  it('limits result size', async () => {
    const ch = client(analystToken);
    await expect(ch.query({ query: 'SELECT number FROM system.numbers LIMIT 5000', format: 'JSONEachRow' })).rejects.toMatchObject({
      type: 'TOO_MANY_ROWS_OR_BYTES',
    });
  });

  it('answers 401 without a valid token and 403 to a role without analyst.sql', async () => {
    const url = `${server.analystUrl}/?query=${encodeURIComponent('SELECT 1')}`;
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: { 'x-clickhouse-user': 'x', 'x-clickhouse-key': 'keel_not_a_real_token_at_all' } })).status).toBe(401);
    const denied = await fetch(url, { headers: { authorization: `Basic ${Buffer.from(`till:${cashierToken}`).toString('base64')}` } });
    expect(denied.status).toBe(403);
    expect(await denied.text()).toContain('ACCESS_DENIED');
    await expect(client(cashierToken).query({ query: 'SELECT 1' })).rejects.toMatchObject({ type: 'ACCESS_DENIED' });
    await expect(client('keel_wrong_wrong_wrong_wrong').query({ query: 'SELECT 1' })).rejects.toMatchObject({ type: 'AUTHENTICATION_FAILED' });
    // curl with the token works, TabSeparated by default.
    const ok = await fetch(url, { headers: { 'x-clickhouse-key': analystToken } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('1\n');
  });
});
