import { randomUUID } from 'node:crypto';
import { formatMoney } from '@keel/core';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../src/api-tokens.js';
import { type KeelServer, startKeel } from '../src/keel-server.js';
import { pdfText } from './support/pdf-text.js';
import { SessionClient } from './support/session-client.js';
import { SmtpSink } from './support/smtp-sink.js';
import { createTestDatabase, tempDataDir, testConfig } from './support/test-env.js';

/**
 * A copy of a receipt, as a PDF and by e-mail through a real SMTP server started here: the amounts
 * are the server's, the mail arrives with the PDF, a bad address changes nothing, and another
 * store's or another cashier's sale answers 404 like one that does not exist.
 */
const smtp = new SmtpSink();
let server: KeelServer;
const cleanup: Array<() => Promise<void> | void> = [];
let owner: SessionClient;
let cashier: SessionClient;
let other: SessionClient;
let script: SessionClient;
let products: { tea: number; cake: number };
const money = (v: number) => formatMoney(v, 'EUR');

async function tillFor(username: string, pin: string): Promise<SessionClient> {
  const till = await owner.post('/api/v1/tills', { name: `Till ${username}`, storeId: 1 });
  expect(till.status).toBe(201);
  const client = new SessionClient(server.url, { tillKey: (await till.json()).key });
  expect((await client.signIn('/api/v1/auth/pin', { username, pin })).status).toBe(200);
  return client;
}

/** A cash sale of 2 teas (10% off) and a cake, paid with 50.00. */
async function sell(
  client: SessionClient,
  storeId = 1,
  extra: { customerId?: number; note?: string } = {},
): Promise<Record<string, unknown> & { id: string; total: number; tax: number; lines: { total: number }[] }> {
  const body = {
    id: randomUUID(),
    storeId,
    ...extra,
    lines: [
      { productId: products.tea, quantityMilli: 2000, discount: { kind: 'percent', basisPoints: 1000 } },
      { productId: products.cake, quantityMilli: 1000 },
    ],
    tenders: [{ kind: 'cash', amount: 5000 }],
  };
  const res = await client.post('/api/v1/sales', body);
  expect(res.status, await res.clone().text()).toBe(201);
  return res.json();
}

const mailQueued = async () =>
  Number(
    (
      await server.db
        .selectFrom('mail_queue' as never)
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

beforeAll(async () => {
  await smtp.start();
  const db = await createTestDatabase();
  const dir = tempDataDir();
  cleanup.push(db.drop, dir.remove);
  server = await startKeel(
    testConfig(
      { databaseUrl: db.url, dataDir: dir.dir },
      { jobsEnabled: false, smtpUrl: smtp.url, mailFrom: 'Corner Shop <till@shop.test>', storeName: 'Corner Shop' },
    ),
    { dashboardsDist: null, terminalDist: null },
  );
  owner = new SessionClient(server.url);
  expect(
    (await owner.signIn('/api/v1/auth/setup', { username: 'olivia', displayName: 'Olivia Owner', password: 'correct horse battery', pin: '2468' })).status,
  ).toBe(201);
  const tea = await owner.post('/api/v1/products', { sku: 'TEA', name: 'Green tea', price: 1234, cost: 400, taxClass: 'standard' });
  const cake = await owner.post('/api/v1/products', { sku: 'CAKE', name: 'Lemon cake', price: 2599, cost: 900, taxClass: 'standard' });
  products = { tea: (await tea.json()).id, cake: (await cake.json()).id };
  for (const [username, displayName, pin] of [
    ['carl', 'Carl Cashier', '1111'],
    ['cleo', 'Cleo Cashier', '2222'],
  ]) {
    const res = await owner.post('/api/v1/users', { username, displayName, role: 'cashier', password: `${username} password 123`, pin, storeIds: [1] });
    expect(res.status).toBe(201);
  }
  cashier = await tillFor('carl', '1111');
  other = await tillFor('cleo', '2222');
  await server.db.insertInto('stores').values({ id: 2, name: 'Second store', time_zone: 'Europe/Paris', currency: 'EUR' }).execute();
  script = new SessionClient(server.url, { token: await createApiToken(server.db, 'script', 'owner') });
});

afterAll(async () => {
  await server?.close();
  await smtp.stop();
  for (const c of cleanup.reverse()) await c();
});

describe('receipt copies', () => {
  it("renders the sale's receipt as a PDF with the server's amounts", async () => {
    const sale = await sell(cashier);
    const res = await cashier.get(`/api/v1/sales/${sale.id}/receipt.pdf`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('content-disposition')).toContain(`receipt-${sale.id.slice(0, 8)}.pdf`);
    const pdf = Buffer.from(await res.arrayBuffer());
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const text = pdfText(pdf);
    const joined = text.join('\n');
    // 2 x 12.34 less 10% = 22.21, plus 25.99: 48.20; 50.00 in cash, 1.80 back.
    expect(sale.total).toBe(4820);
    for (const expected of [
      'Corner Shop',
      'Served by Carl Cashier',
      '2 x Green tea',
      '1 x Lemon cake',
      'TOTAL',
      money(4820),
      money(sale.tax),
      money(180),
      sale.id,
    ])
      expect(joined).toContain(expected);
    for (const line of sale.lines) expect(text).toContain(money(line.total));
    expect(text[text.indexOf('TOTAL') + 1]).toBe(money(sale.total));
    const audit = await server.db
      .selectFrom('audit_log')
      .select(['actor', 'detail'])
      .where('action', '=', 'sale.receipt_copy')
      .where('subject', '=', sale.id)
      .execute();
    expect(audit).toEqual([{ actor: expect.stringMatching(/^user:\d+$/), detail: { as: 'pdf' } }]);
  });

  it('shows the customer and the note on the PDF', async () => {
    const customer = await (await cashier.post('/api/v1/customers', { name: 'Ada Lovelace' })).json();
    const sale = await sell(cashier, 1, { customerId: customer.id, note: 'Gift: wrap the cake' });
    const text = pdfText(Buffer.from(await (await cashier.get(`/api/v1/sales/${sale.id}/receipt.pdf`)).arrayBuffer())).join('\n');
    expect(text).toContain('Customer: Ada Lovelace');
    expect(text).toContain('Note: Gift: wrap the cake');
  });

  it('mails the receipt with its PDF to the address the cashier typed', async () => {
    const sale = await sell(cashier);
    const res = await cashier.post(`/api/v1/sales/${sale.id}/receipt-mail`, { to: ' customer@example.test ' });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ status: 'sent' });
    const mails = smtp.to('customer@example.test');
    expect(mails).toHaveLength(1);
    const mail = await simpleParser((mails[0] as { raw: Buffer }).raw);
    expect(mail.from?.text).toContain('till@shop.test');
    expect(mail.subject).toBe(`Your receipt from Corner Shop: ${money(4820)}`);
    expect(mail.text).toMatch(new RegExp(`TOTAL\\s+${money(4820).replace(/[.$]/g, '\\$&')}`));
    expect(mail.html).toContain(money(4820));
    const pdf = mail.attachments.find((a) => a.contentType === 'application/pdf');
    expect(pdf?.filename).toBe(`receipt-${sale.id.slice(0, 8)}.pdf`);
    expect(pdfText(pdf?.content as Buffer)).toContain(money(4820));
    const audit = await server.db.selectFrom('audit_log').select('detail').where('action', '=', 'sale.receipt_copy').where('subject', '=', sale.id).execute();
    expect(audit).toEqual([{ detail: { as: 'mail', to: 'c***@example.test' } }]);
  });

  it('refuses an address that is not one, and queues nothing', async () => {
    const sale = await sell(cashier);
    const before = await mailQueued();
    for (const to of ['not an address', 'a@b', 'x@y.test\r\nBcc: everyone@z.test', '@shop.test', `${'a'.repeat(65)}@shop.test`]) {
      const res = await cashier.post(`/api/v1/sales/${sale.id}/receipt-mail`, { to });
      expect(res.status, to).toBe(422);
      expect((await res.json()).code).toBe('receipt.email_invalid');
    }
    expect((await (await cashier.post(`/api/v1/sales/${sale.id}/receipt-mail`, { to: 'a@b.test', cc: 'x@y.test' })).json()).code).toBe('request.invalid');
    expect(await mailQueued()).toBe(before);
  });

  it("answers 404 for another store's or another cashier's sale, 403 without the permission, 401 anonymously", async () => {
    const mine = await sell(cashier);
    const elsewhere = await sell(script, 2);
    const before = await mailQueued();
    for (const id of [elsewhere.id, mine.id, randomUUID()]) {
      const asker = id === mine.id ? other : cashier;
      const pdf = await asker.get(`/api/v1/sales/${id}/receipt.pdf`);
      expect(pdf.status).toBe(404);
      expect((await pdf.json()).code).toBe('sale.not_found');
      const mail = await asker.post(`/api/v1/sales/${id}/receipt-mail`, { to: 'someone@example.test' });
      expect(mail.status).toBe(404);
      expect((await mail.json()).code).toBe('sale.not_found');
    }
    const clerk = new SessionClient(server.url, { token: await createApiToken(server.db, 'stock', 'stock_clerk') });
    expect((await clerk.get(`/api/v1/sales/${mine.id}/receipt.pdf`)).status).toBe(403);
    expect((await clerk.post(`/api/v1/sales/${mine.id}/receipt-mail`, { to: 'someone@example.test' })).status).toBe(403);
    expect((await fetch(`${server.url}/api/v1/sales/${mine.id}/receipt.pdf`)).status).toBe(401);
    expect(await mailQueued()).toBe(before);
    expect(smtp.to('someone@example.test')).toHaveLength(0);
    // The owner sees every store's sale.
    expect((await script.get(`/api/v1/sales/${elsewhere.id}/receipt.pdf`)).status).toBe(200);
  });

  it('sends at most three copies of one sale an hour', async () => {
    const sale = await sell(cashier);
    for (let i = 0; i < 3; i++) expect((await cashier.post(`/api/v1/sales/${sale.id}/receipt-mail`, { to: 'again@example.test' })).status).toBe(202);
    const fourth = await cashier.post(`/api/v1/sales/${sale.id}/receipt-mail`, { to: 'again@example.test' });
    expect(fourth.status).toBe(429);
    expect(Number(fourth.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await fourth.json()).code).toBe('receipt.mail_rate_limited');
    expect(smtp.to('again@example.test')).toHaveLength(3);
  });
});
