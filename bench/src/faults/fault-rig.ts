import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import { ScratchDatabase } from '../scratch-database.js';
import { ScratchNats } from './fault-services.js';
import { KeelChild } from './keel-child.js';
import { SimTill, type TillProduct } from './sim-till.js';

/** What a fault scenario reports after the dust settles (the docs/reliability.md columns). */
export interface FaultCount {
  readonly scenario: string;
  readonly runs: number;
  readonly taken: number;
  readonly acknowledged: number;
  readonly inPostgres: number;
  readonly inWarehouse: number;
  readonly lost: number;
  readonly duplicated: number;
  readonly conflicts: number;
  /** From the end of the last fault until journals, PostgreSQL and warehouse all agree. */
  readonly convergeMs: number;
  /** p99 of acknowledged sale requests while the faults were being injected. */
  readonly p99Ms: number;
  readonly converged: boolean;
  readonly notes: Readonly<Record<string, unknown>>;
}

export interface FaultRigOptions {
  readonly tills: number;
  readonly saleEveryMs: number;
  readonly log: (message: string) => void;
  /** The warehouse on this ClickHouse server (CLICKHOUSE_URL) instead of chDB in Keel's process. */
  readonly clickhouseUrl?: string;
  /** Each till's clock error in ms (till n gets entry n modulo the length); default all 0. */
  readonly clockOffsetsMs?: readonly number[];
  /** The store's time zone; default the machine's. */
  readonly timeZone?: string;
  /** Where the server's data directory (chDB warehouse, files) goes; default the system temp dir. */
  readonly dataParent?: string;
}

/**
 * One fault scenario's world: a scratch database on the machine's PostgreSQL (or a given URL),
 * a nats-server of its own, the real Keel server as a child, a few products and simulated tills.
 */
export class FaultRig {
  readonly nats: ScratchNats;
  readonly keel: KeelChild;
  readonly tills: SimTill[] = [];
  readonly #database: ScratchDatabase | undefined;
  readonly #databaseUrl: string;
  readonly #options: FaultRigOptions;
  #selling: Promise<void>[] = [];

  private constructor(nats: ScratchNats, keel: KeelChild, database: ScratchDatabase | undefined, databaseUrl: string, options: FaultRigOptions) {
    this.nats = nats;
    this.keel = keel;
    this.#database = database;
    this.#databaseUrl = databaseUrl;
    this.#options = options;
  }

  static async create(options: FaultRigOptions, databaseUrl?: string): Promise<FaultRig> {
    const database = databaseUrl ? undefined : await ScratchDatabase.create();
    const url = databaseUrl ?? (database as ScratchDatabase).url;
    const nats = await ScratchNats.start();
    const keel = await KeelChild.create({
      databaseUrl: url,
      natsUrl: nats.url,
      clickhouseUrl: options.clickhouseUrl,
      timeZone: options.timeZone,
      dataParent: options.dataParent,
    });
    const rig = new FaultRig(nats, keel, database, url, options);
    try {
      // A first start may be slow on a loaded machine (migrations, chDB): give it 3 minutes.
      await keel.start(180_000);
      const products: TillProduct[] = [];
      for (let i = 0; i < 5; i++) {
        const price = 150 + 85 * i;
        const res = await fetch(`${keel.url}/api/v1/products`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ sku: `FAULT-${i}`, name: `Fault item ${i}`, price, cost: Math.floor(price / 2), taxClass: 'reduced' }),
        });
        if (res.status !== 201) throw new Error(`creating a product: ${res.status} ${await res.text()}`);
        products.push({ id: ((await res.json()) as { id: number }).id, price });
      }
      const offsets = options.clockOffsetsMs ?? [0];
      for (let n = 0; n < options.tills; n++) rig.tills.push(new SimTill(`fault-till-${n}`, keel.url, products, 1_000 + n, offsets[n % offsets.length]));
    } catch (e) {
      await rig.remove();
      throw e;
    }
    return rig;
  }

  get databaseUrl(): string {
    return this.#databaseUrl;
  }

  startSelling(): void {
    this.#selling = this.tills.map((t) => t.sell(this.#options.saleEveryMs));
  }

  async stopSelling(): Promise<void> {
    for (const t of this.tills) t.stopSelling();
    await Promise.all(this.#selling);
  }

  acknowledgedTotal(): number {
    return this.tills.reduce((s, t) => s + t.acknowledged().length, 0);
  }

  async #pgIds(): Promise<string[]> {
    const c = new pg.Client({ connectionString: this.#databaseUrl });
    await c.connect();
    try {
      return (await c.query<{ id: string }>('SELECT id::text AS id FROM sales')).rows.map((r) => r.id);
    } finally {
      await c.end();
    }
  }

  /** Sales (tickets) the warehouse counts, over every business day PostgreSQL has. */
  async warehouseTickets(): Promise<number> {
    const c = new pg.Client({ connectionString: this.#databaseUrl });
    await c.connect();
    let days: string[];
    try {
      days = (await c.query<{ day: string }>('SELECT DISTINCT business_day::text AS day FROM sales')).rows.map((r) => r.day);
    } finally {
      await c.end();
    }
    let n = 0;
    for (const day of days) {
      const res = await fetch(`${this.keel.url}/api/v1/dashboard/summary?day=${day}`, { signal: AbortSignal.timeout(10_000) });
      if (res.status !== 200) throw new Error(`dashboard summary ${day}: ${res.status}`);
      n += ((await res.json()) as { tickets: number }).tickets;
    }
    return n;
  }

  /**
   * Stop selling, let every till replay its journal, wait until PostgreSQL and the warehouse hold
   * exactly the acknowledged sales (or `timeoutMs` passes), and count.
   */
  async settle(
    scenario: string,
    fields: { runs: number; faultEndedAt: number; faultWindow: readonly [number, number]; timeoutMs: number; notes?: Record<string, unknown> },
  ): Promise<FaultCount> {
    await this.stopSelling();
    const deadline = Date.now() + fields.timeoutMs;
    await Promise.all(this.tills.map((t) => t.drain(fields.timeoutMs)));
    let inPg: string[] = [];
    let inWarehouse = 0;
    let converged = false;
    const acked = this.tills.flatMap((t) => t.acknowledged());
    let lastLog = Date.now();
    while (Date.now() < deadline) {
      inPg = await this.#pgIds();
      inWarehouse = await this.warehouseTickets().catch(() => -1);
      if (inPg.length === acked.length && inWarehouse === acked.length) {
        converged = true;
        break;
      }
      if (Date.now() - lastLog > 5_000) {
        lastLog = Date.now();
        const pending = this.tills.reduce((s, t) => s + t.pending(), 0);
        this.#options.log(`${scenario} settling: acknowledged ${acked.length}, pending ${pending}, PostgreSQL ${inPg.length}, warehouse ${inWarehouse}`);
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    const convergeMs = Date.now() - fields.faultEndedAt;
    const stuck = converged ? {} : await this.#whereStuck();
    const pgSet = new Set(inPg);
    const lost = acked.filter((id) => !pgSet.has(id)).length + Math.max(0, acked.length - Math.max(inWarehouse, 0));
    const duplicated = Math.max(0, inPg.length - pgSet.size) + Math.max(0, inWarehouse - acked.length) + Math.max(0, pgSet.size - acked.length);
    const [from, to] = fields.faultWindow;
    const during = this.tills
      .flatMap((t) => t.ackLatencies)
      .filter((l) => l.at >= from && l.at <= to)
      .map((l) => l.ms)
      .sort((a, b) => a - b);
    const p99 = during[Math.min(during.length - 1, Math.floor(during.length * 0.99))] ?? 0;
    const refusals: Record<string, number> = {};
    for (const t of this.tills) for (const [k, v] of t.refusals) refusals[String(k)] = (refusals[String(k)] ?? 0) + v;
    const count: FaultCount = {
      scenario,
      runs: fields.runs,
      taken: this.tills.reduce((s, t) => s + t.taken(), 0),
      acknowledged: acked.length,
      inPostgres: pgSet.size,
      inWarehouse,
      lost,
      duplicated,
      conflicts: this.tills.reduce((s, t) => s + t.conflicts().length, 0),
      convergeMs,
      p99Ms: Math.round(p99 * 10) / 10,
      converged,
      notes: {
        refusals,
        slowestRefusalMs: Math.round(Math.max(0, ...this.tills.map((t) => t.slowestRefusalMs))),
        refusalsWithoutRetryAfter:
          Object.entries(refusals)
            .filter(([k]) => k === '503')
            .reduce((s, [, v]) => s + v, 0) - this.tills.reduce((s, t) => s + t.retryAfter.length, 0),
        ...fields.notes,
        ...stuck,
      },
    };
    this.#options.log(`${scenario}: ${JSON.stringify(count)}`);
    return count;
  }

  /** When a scenario does not converge: are the events still upstream (outbox, stream) or gone? */
  async #whereStuck(): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    const c = new pg.Client({ connectionString: this.#databaseUrl });
    try {
      await c.connect();
      out.outboxUnpublished = Number((await c.query<{ n: string }>('SELECT count(*) AS n FROM outbox WHERE published_at IS NULL')).rows[0]?.n);
    } catch (e) {
      out.outboxUnpublished = `unknown: ${(e as Error).message}`;
    } finally {
      await c.end().catch(() => undefined);
    }
    try {
      const nc = await connect({ servers: this.nats.url });
      const info = await (await jetstreamManager(nc)).consumers.info('KEEL_FAULTS', 'keel-faults-warehouse');
      out.consumer = {
        pending: info.num_pending,
        ackPending: info.num_ack_pending,
        redelivered: info.num_redelivered,
        delivered: info.delivered.stream_seq,
        ackFloor: info.ack_floor.stream_seq,
      };
      await nc.close();
    } catch (e) {
      out.consumer = `unknown: ${(e as Error).message}`;
    }
    return out;
  }

  async remove(): Promise<void> {
    await this.stopSelling().catch(() => undefined);
    await this.keel.remove().catch(() => undefined);
    await this.nats.remove().catch(() => undefined);
    await this.#database?.drop().catch(() => undefined);
  }
}
