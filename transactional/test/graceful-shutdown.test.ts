import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SaleRequest } from '@keel/core';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './support/pg-figures.js';
import { makeSale, seededRandom, TAX } from './support/sale-maker.js';
import { createTestDatabase, tempDataDir } from './support/test-env.js';

/**
 * SIGTERM to the real server process (`npm start`'s main.ts) in the middle of a steady checkout load
 * from 8 tills. Every sale the server acknowledged is in PostgreSQL; every request it had accepted got
 * its answer; the process exits cleanly within the bound; and after a restart the tills' journals replay
 * what was refused, so every sale made is recorded exactly once, in PostgreSQL and in the warehouse.
 */
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TILLS = 8;
const SIGTERM_AFTER_ACKS = 150;

let database: { url: string; drop: () => Promise<void> };
let dir: { dir: string; remove: () => void };
const tag = randomUUID().replace(/-/g, '').slice(0, 10);
const env = (port: number, dataDir: string): NodeJS.ProcessEnv => ({
  ...process.env,
  DATABASE_URL: database.url,
  NATS_URL: 'nats://127.0.0.1:4222',
  NATS_STREAM: `KEEL_T_${tag}`,
  NATS_SUBJECT_PREFIX: `keelt${tag}`,
  NATS_CONSUMER: `warehouse_${tag}`,
  DATA_DIR: dataDir,
  HOST: '127.0.0.1',
  PORT: String(port),
  LOG_LEVEL: 'info',
  TRUST_LOOPBACK: 'true',
  DISK_MIN_FREE_MB: '0',
  SHUTDOWN_TIMEOUT_MS: '9000',
  ANALYST_PORT: 'off',
  HTTPS_PORT: 'off',
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

async function startServer(port: number): Promise<{ child: ChildProcess; log: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'transactional/src/main.ts'], {
    cwd: REPO,
    env: env(port, dir.dir),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout?.on('data', (d) => (log += d));
  child.stderr?.on('data', (d) => (log += d));
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`server exited during start:\n${log}`);
    const ok = await fetch(`http://127.0.0.1:${port}/health`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return { child, log: () => log };
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill('SIGKILL');
  throw new Error(`server not healthy:\n${log}`);
}

type Outcome = { kind: 'status'; status: number } | { kind: 'socket'; code: string };

/** One request on its own connection (as a till after a network change), so a refused connect is visible as such. */
function postSale(port: number, sale: SaleRequest): Promise<Outcome> {
  return new Promise((resolve) => {
    const body = JSON.stringify(sale);
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        path: '/api/v1/sales',
        method: 'POST',
        agent: false,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ kind: 'status', status: res.statusCode ?? 0 }));
        res.on('error', (e: NodeJS.ErrnoException) => resolve({ kind: 'socket', code: e.code ?? e.message }));
      },
    );
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ kind: 'socket', code: e.code ?? e.message }));
    req.end(body);
  });
}

beforeAll(async () => {
  database = await createTestDatabase();
  dir = tempDataDir();
});

afterAll(async () => {
  await database?.drop();
  dir?.remove();
  const nc = await connect({ servers: 'nats://127.0.0.1:4222' });
  await (await jetstreamManager(nc)).streams.delete(`KEEL_T_${tag}`).catch(() => false);
  await nc.close();
});

describe('SIGTERM under checkout load', () => {
  it('loses no sale, fails no accepted request, and exits in time; the tills replay the rest after restart', async () => {
    const port = await freePort();
    const first = await startServer(port);
    const product = await fetch(`http://127.0.0.1:${port}/api/v1/products`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sku: 'SIG-1', name: 'Shutdown soup', price: 320, cost: 120, taxClass: 'reduced' }),
    }).then((r) => r.json());
    const products = [{ id: product.id as number, price: 320, tax: TAX.reduced as (typeof TAX)[string] }];

    const journal: Array<{ sale: SaleRequest; outcome: Outcome }> = [];
    let acks = 0;
    let sigtermAt = 0;
    let exitedAt = 0;
    const exited = new Promise<number | null>((resolve) =>
      first.child.once('exit', (code) => {
        exitedAt = performance.now();
        resolve(code);
      }),
    );
    const till = async (n: number) => {
      const rand = seededRandom(100 + n);
      for (;;) {
        const sale = makeSale(rand, products, 1, new Date());
        const outcome = await postSale(port, sale);
        journal.push({ sale, outcome });
        if (outcome.kind === 'status' && outcome.status === 201) acks++;
        if (acks >= SIGTERM_AFTER_ACKS && sigtermAt === 0) {
          sigtermAt = performance.now();
          first.child.kill('SIGTERM');
        }
        if (outcome.kind === 'socket' && outcome.code === 'ECONNREFUSED') return; // the server is gone
      }
    };
    await Promise.all(Array.from({ length: TILLS }, (_, n) => till(n)));
    const code = await exited;
    const stopMs = exitedAt - sigtermAt;
    const tally = journal.reduce<Record<string, number>>((t, j) => {
      const k = j.outcome.kind === 'status' ? String(j.outcome.status) : j.outcome.code;
      t[k] = (t[k] ?? 0) + 1;
      return t;
    }, {});
    console.log(`SIGTERM under load from ${TILLS} tills: outcomes ${JSON.stringify(tally)}; exited with ${code} after ${Math.round(stopMs)} ms`);
    expect(code, first.log()).toBe(0);
    expect(stopMs).toBeLessThan(10_000);
    expect(first.log()).toContain('Keel stopped');

    const c = new pg.Client({ connectionString: database.url });
    await c.connect();
    const inPg = async () => new Set((await c.query<{ id: string }>('SELECT id::text AS id FROM sales')).rows.map((r) => r.id));
    const recorded = await inPg();
    // Answers are a sale (201) or "closing, retry" (503): never an error for a request the server took.
    const statuses = new Set(journal.flatMap((j) => (j.outcome.kind === 'status' ? [j.outcome.status] : [])));
    expect([...statuses].filter((s) => s !== 201 && s !== 503)).toEqual([]);
    const acked = journal.filter((j) => j.outcome.kind === 'status' && j.outcome.status === 201);
    expect(acked.every((j) => recorded.has(j.sale.id))).toBe(true);
    // A connection error is only for a request the server never took in: that sale is not in PostgreSQL.
    const cut = journal.filter((j) => j.outcome.kind === 'socket');
    expect(cut.filter((j) => recorded.has(j.sale.id)).map((j) => j.outcome)).toEqual([]);
    expect(recorded.size).toBe(acked.length);

    // Restart (systemd's Restart=on-failure, or an upgrade) and let each till replay its journal.
    const second = await startServer(port);
    try {
      const unsent = journal.filter((j) => !(j.outcome.kind === 'status' && j.outcome.status === 201));
      for (const j of unsent) {
        const o = await postSale(port, j.sale);
        expect(o).toEqual({ kind: 'status', status: 201 });
      }
      const all = await inPg();
      expect(all.size).toBe(journal.length);
      expect(journal.every((j) => all.has(j.sale.id))).toBe(true);
      const health = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.json());
      expect(health.ok).toBe(true);
      // And the warehouse counts each of them once: the loader's batch at SIGTERM was flushed or redelivered, never lost.
      const days = (await c.query<{ day: string }>('SELECT DISTINCT business_day::text AS day FROM sales')).rows.map((r) => r.day);
      const tickets = async () => {
        let n = 0;
        for (const day of days) n += (await fetch(`http://127.0.0.1:${port}/api/v1/dashboard/summary?day=${day}`).then((r) => r.json())).tickets;
        return n;
      };
      await eventually(async () => (await tickets()) >= journal.length, 30_000);
      expect(await tickets()).toBe(journal.length);
    } finally {
      second.child.kill('SIGTERM');
      await new Promise((r) => second.child.once('exit', r));
      await c.end();
    }
  });
});
