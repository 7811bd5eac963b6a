import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { SaleRequest } from '@keel/core';

export interface TillProduct {
  readonly id: number;
  readonly price: number;
}

type Status = 'pending' | 'synced' | 'conflict';

interface Entry {
  readonly request: SaleRequest;
  status: Status;
  attempts: number;
  problem?: string;
  ack?: TillAck;
}

/** How the server acknowledged a sale: a first recording (201) or a replay of it (200). */
export interface TillAck {
  readonly id: string;
  readonly status: number;
  readonly attempts: number;
  /** What the till gave: the sum of the sale's tenders. */
  readonly tendered: number;
  /** The server's total in the answer. */
  readonly total: number;
  /** The whole answer of a replay (kept for replays only, to compare with the stored sale). */
  readonly replayBody?: string;
}

/**
 * A till, simulated in Node with the terminal's replay contract (terminal-ui/src/sale-sync.ts and
 * sale-journal.ts, which need IndexedDB and a browser, so the contract is re-implemented here, not
 * imported): every sale gets its UUID when taken and is journaled BEFORE it is sent; the journal is
 * sent oldest first with the ORIGINAL UUID until the server acknowledges it (2xx); no answer, a cut
 * connection or a 5xx means "the server is away" (ApiError.offline) and the till backs off and
 * retries; any other answer is a conflict kept for a manager, never dropped. Journal in memory:
 * the till process itself is not what the faults break.
 */
export class SimTill {
  readonly name: string;
  #baseUrl: URL;
  readonly #products: readonly TillProduct[];
  readonly #journal = new Map<string, Entry>();
  readonly #order: string[] = [];
  /** Milliseconds each acknowledged POST took (latency the cashier saw while online). */
  readonly ackLatencies: Array<{ at: number; ms: number }> = [];
  /** Answers that were not 2xx, by status (0: no answer). */
  readonly refusals = new Map<number, number>();
  readonly retryAfter: number[] = [];
  /** Refusals by problem code (`status code`, e.g. `503 storage.full`; `0` when there was no answer). */
  readonly refusalCodes = new Map<string, number>();
  /** The slowest answer that was not an acknowledgement (a refusal, a cut or a timeout), in ms. */
  slowestRefusalMs = 0;
  /** How far this till's clock is off (ms, + ahead): its sales carry that time as occurredAt. */
  readonly clockOffsetMs: number;
  #selling = false;
  #rand: number;

  constructor(name: string, baseUrl: string, products: readonly TillProduct[], seed: number, clockOffsetMs = 0) {
    this.name = name;
    this.clockOffsetMs = clockOffsetMs;
    this.#baseUrl = new URL(baseUrl);
    this.#products = products;
    this.#rand = seed;
  }

  /** Send to another address from now on (a proxy in front of the same server). */
  useServer(baseUrl: string): void {
    this.#baseUrl = new URL(baseUrl);
  }

  /** How each acknowledged sale was acknowledged, oldest first. */
  acks(): TillAck[] {
    return this.#order.flatMap((id) => this.#journal.get(id)?.ack ?? []);
  }

  /** Sale ids the server acknowledged to this till. */
  acknowledged(): string[] {
    return this.#order.filter((id) => this.#journal.get(id)?.status === 'synced');
  }

  taken(): number {
    return this.#order.length;
  }

  pending(): number {
    let n = 0;
    for (const e of this.#journal.values()) if (e.status === 'pending') n++;
    return n;
  }

  conflicts(): string[] {
    return [...this.#journal.values()].filter((e) => e.status === 'conflict').map((e) => `${e.request.id}: ${e.problem}`);
  }

  /** Take a sale every `everyMs` and keep the journal flowing, until `stopSelling()`. */
  async sell(everyMs: number): Promise<void> {
    this.#selling = true;
    let backoff = 50;
    while (this.#selling) {
      this.#take();
      const reachable = await this.#flush();
      backoff = reachable ? 50 : Math.min(backoff * 2, 1_000);
      await sleep(reachable ? everyMs : backoff);
    }
  }

  stopSelling(): void {
    this.#selling = false;
  }

  /** Replay what is pending until the journal is empty or `timeoutMs` passes; true when empty. */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    let backoff = 50;
    while (this.pending() > 0 && Date.now() < deadline) {
      const reachable = await this.#flush();
      if (!reachable) {
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 1_000);
      }
    }
    return this.pending() === 0;
  }

  #next(): number {
    // mulberry32: deterministic per till.
    this.#rand = (this.#rand + 0x6d2b79f5) | 0;
    let t = this.#rand;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  #take(): void {
    const n = 1 + Math.floor(this.#next() * 3);
    const lines = Array.from({ length: n }, () => this.#products[Math.floor(this.#next() * this.#products.length)] as TillProduct);
    const total = lines.reduce((s, l) => s + l.price, 0);
    const id = randomUUID();
    const request: SaleRequest = {
      id,
      storeId: 1,
      registerId: this.name,
      occurredAt: new Date(Date.now() + this.clockOffsetMs).toISOString(),
      lines: lines.map((l) => ({ productId: l.id, quantityMilli: 1000 })),
      tenders: [{ kind: 'cash', amount: Math.ceil(total / 500) * 500 + 500 }],
    };
    this.#journal.set(id, { request, status: 'pending', attempts: 0 });
    this.#order.push(id);
  }

  /** One pass over the pending entries, oldest first; false when the server could not be reached. */
  async #flush(): Promise<boolean> {
    for (const id of this.#order) {
      const entry = this.#journal.get(id) as Entry;
      if (entry.status !== 'pending') continue;
      entry.attempts++;
      const started = performance.now();
      const answer = await this.#post(entry.request);
      if (answer.status >= 200 && answer.status < 300) {
        entry.status = 'synced';
        entry.ack = ackOf(entry, answer);
        this.ackLatencies.push({ at: Date.now(), ms: performance.now() - started });
        continue;
      }
      this.slowestRefusalMs = Math.max(this.slowestRefusalMs, performance.now() - started);
      this.refusals.set(answer.status, (this.refusals.get(answer.status) ?? 0) + 1);
      if (answer.retryAfter !== undefined) this.retryAfter.push(answer.retryAfter);
      const code = problemCode(answer);
      this.refusalCodes.set(code, (this.refusalCodes.get(code) ?? 0) + 1);
      if (answer.status === 0 || answer.status >= 500) return false;
      entry.status = 'conflict';
      entry.problem = `${answer.status} ${answer.body.slice(0, 200)}`;
    }
    return true;
  }

  #post(sale: SaleRequest): Promise<{ status: number; body: string; retryAfter?: number }> {
    return new Promise((resolve) => {
      const body = JSON.stringify(sale);
      const req = http.request(
        {
          host: this.#baseUrl.hostname,
          port: this.#baseUrl.port,
          path: '/api/v1/sales',
          method: 'POST',
          agent: false,
          timeout: 10_000,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (text += d));
          res.on('end', () => {
            const ra = res.headers['retry-after'];
            resolve({ status: res.statusCode ?? 0, body: text, ...(ra === undefined ? {} : { retryAfter: Number(ra) }) });
          });
          res.on('error', () => resolve({ status: 0, body: 'response cut' }));
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (e) => resolve({ status: 0, body: e.message }));
      req.end(body);
    });
  }
}

function problemCode(answer: { status: number; body: string }): string {
  if (answer.status === 0) return '0';
  try {
    return `${answer.status} ${(JSON.parse(answer.body) as { code?: string }).code ?? '?'}`;
  } catch {
    return `${answer.status} ?`;
  }
}

function ackOf(entry: Entry, answer: { status: number; body: string }): TillAck {
  const { request } = entry;
  let total = Number.NaN;
  try {
    total = (JSON.parse(answer.body) as { total: number }).total;
  } catch {
    // An acknowledgement the till cannot read: NaN never equals a stored total, so it is reported.
  }
  return {
    id: request.id,
    status: answer.status,
    attempts: entry.attempts,
    tendered: request.tenders.reduce((s, t) => s + t.amount, 0),
    total,
    ...(answer.status === 201 ? {} : { replayBody: answer.body }),
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
