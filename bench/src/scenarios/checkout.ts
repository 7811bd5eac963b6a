import { randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { createBenchProducts, type BenchProduct as Product } from '../bench-products.js';
import { type BenchResult, round, type ScenarioOutcome } from '../bench-result.js';
import { type HttpLoadStep, runHttpLoad } from '../http-load.js';
import { KeelProcess } from '../keel-process.js';
import { type PgbenchRun, runPgbench } from '../pgbench.js';
import type { ScenarioOptions } from '../scenario.js';
import { ScratchDatabase } from '../scratch-database.js';
import { saleWritesScript } from './sale-writes-script.js';
import { percentile } from './temp-warehouse.js';

const PRODUCT_COUNT = 1000;
const STORE_ID = 1;
const MIN_RATIO = 0.5;
const MAX_P99_MS = 50;

/**
 * Checkout throughput: new 3-line cash sales through `POST /api/v1/sales` of a real Keel server
 * (child process, PostgreSQL + NATS JetStream), against the ceiling of the same writes issued raw by
 * pgbench on the same database at the same client counts.
 *
 * Steps interleave: API at c connections, then pgbench at c clients on the same database while the
 * server idles, so a busy neighbour on the shared machine hits both sides of the ratio alike. A full
 * run goes through the steps three times and reports each step's medians (these machines are noisy).
 */
export async function checkout(options: ScenarioOptions): Promise<ScenarioOutcome> {
  const { log } = options;
  const steps = options.quick ? [1, 8, 32] : [1, 4, 8, 16, 32];
  const rounds = options.quick ? 1 : 3;
  const seconds = options.quick ? 5 : 10;
  const warmupSeconds = options.quick ? 3 : 5;

  const loadBefore = loadavg()[0] ?? 0;
  const database = await ScratchDatabase.create();
  let keel: KeelProcess | undefined;
  try {
    log(`database ${database.name}; starting Keel`);
    keel = await KeelProcess.start({ databaseUrl: database.url, databasePoolSize: 20, logLevel: 'warn' });
    log(`Keel up at ${keel.url} (pid ${keel.pid}); creating ${PRODUCT_COUNT} products`);
    const products = await createBenchProducts(keel.url, PRODUCT_COUNT, 'BENCH');

    const server = keel;
    const load = (connections: number, secs: number) =>
      runHttpLoad({ url: server.url, path: '/api/v1/sales', connections, seconds: secs, body: () => JSON.stringify(newSale(products)) });

    log(`warm-up ${warmupSeconds} s at 4 connections`);
    const warmup = await load(4, warmupSeconds);
    const payload = await database.with(
      async (c) => (await c.query<{ payload: string }>('SELECT payload::text AS payload FROM outbox ORDER BY id LIMIT 1')).rows[0]?.payload,
    );
    if (!payload) throw new Error(`no outbox row after the warm-up; server log:\n${keel.logTail(20)}`);
    const script = saleWritesScript({ productCount: PRODUCT_COUNT, storeId: STORE_ID, outboxPayload: payload });

    // Each API step is followed at once by its pgbench step, so both see the same machine (2 shared
    // cores: other load shifts both alike). The server idles meanwhile; pgbench's outbox rows are
    // written already published, so its relay never picks them up.
    const api: HttpLoadStep[] = [];
    const pg: PgbenchRun[] = [];
    for (let r = 1; r <= rounds; r++) {
      for (const c of steps) {
        log(`round ${r}/${rounds}, API: ${c} connections, ${seconds} s`);
        const step = await load(c, seconds);
        log(`  ${round(step.okPerSecond)} sales/s, p99 ${step.p99Ms} ms, non-2xx ${step.non2xx}, errors ${step.errors}`);
        api.push(step);
        log(`round ${r}/${rounds}, pgbench: ${c} clients, ${seconds} s`);
        const run = await runPgbench({ server: database.server, database: database.name, clients: c, seconds, script, protocol: 'prepared' });
        log(`  ${round(run.tps)} tps, avg ${run.latencyAvgMs} ms, failed ${run.failed}`);
        pg.push(run);
      }
    }
    const recorded = await database.with(async (c) => {
      const sales = await c.query<{ n: string }>("SELECT count(*) AS n FROM sales WHERE cashier_id IS DISTINCT FROM 'pgbench'");
      return { sales: Number(sales.rows[0]?.n ?? 0), payload };
    });

    return verdict({
      steps,
      rounds,
      seconds,
      warmup,
      api,
      pg,
      products: products.length,
      quick: options.quick,
      recorded: recorded.sales,
      payloadBytes: Buffer.byteLength(recorded.payload),
      load: { before: loadBefore, after: loadavg()[0] ?? 0 },
    });
  } finally {
    await keel?.stop().catch((e: unknown) => log(`could not stop Keel: ${(e as Error).message}`));
    await database.drop().catch((e: unknown) => log(`could not drop ${database.name}: ${(e as Error).message}`));
  }
}

/** One concurrency step over its rounds: medians of sales/s, p50, p99 and tps; errors summed. */
interface StepMedians {
  readonly connections: number;
  readonly okPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
  readonly tps: number;
  readonly pgLatencyAvgMs: number;
  readonly pgFailed: number;
  /** The step's rounds, as measured. */
  readonly apiRounds: readonly HttpLoadStep[];
  readonly pgRounds: readonly PgbenchRun[];
}

/** The middle of one measure over a step's rounds. */
const median = <T>(rounds: readonly T[], value: (r: T) => number) => percentile(rounds.map(value), 50);

function verdict(m: {
  steps: number[];
  rounds: number;
  seconds: number;
  warmup: HttpLoadStep;
  api: HttpLoadStep[];
  pg: PgbenchRun[];
  products: number;
  quick: boolean;
  recorded: number;
  payloadBytes: number;
  load: { before: number; after: number };
}): ScenarioOutcome {
  const errorsOf = (s: HttpLoadStep) => s.non2xx + s.errors;
  const medians: StepMedians[] = m.steps.map((c) => {
    const a = m.api.filter((s) => s.connections === c);
    const p = m.pg.filter((r) => r.clients === c);
    return {
      connections: c,
      okPerSecond: median(a, (s) => s.okPerSecond),
      p50Ms: median(a, (s) => s.p50Ms),
      p99Ms: median(a, (s) => s.p99Ms),
      errors: a.reduce((n, s) => n + errorsOf(s), 0),
      tps: median(p, (r) => r.tps),
      pgLatencyAvgMs: median(p, (r) => r.latencyAvgMs),
      pgFailed: p.reduce((n, r) => n + r.failed, 0),
      apiRounds: a,
      pgRounds: p,
    };
  });
  // Best step: the most sales/s among steps within the latency bound and without errors; if none is, the most sales/s.
  const healthy = medians.filter((s) => s.p99Ms < MAX_P99_MS && s.errors === 0);
  const pool = healthy.length > 0 ? healthy : medians;
  const best = pool.reduce((a, b) => (b.okPerSecond > a.okPerSecond ? b : a));
  const bestPg = medians.reduce((a, b) => (b.tps > a.tps ? b : a));
  const baseline = bestPg.tps; // stricter of the two: the best pgbench tps at any client count
  const totalErrors = m.api.reduce((n, s) => n + errorsOf(s), 0) + errorsOf(m.warmup);
  const totalOk = m.api.reduce((n, s) => n + s.ok, 0) + m.warmup.ok;
  const ratio = baseline > 0 ? best.okPerSecond / baseline : 0;
  // Requests in flight when a step ends are recorded by the server but not counted by autocannon.
  const inFlightAtStepEnds = m.api.reduce((n, st) => n + st.connections, m.warmup.connections);
  const allRecorded = m.recorded >= totalOk && m.recorded <= totalOk + inFlightAtStepEnds;
  const pass = ratio >= MIN_RATIO && best.p99Ms < MAX_P99_MS && totalErrors === 0 && allRecorded;

  const perStep = medians.map((s) => ({
    concurrency: s.connections,
    apiSalesPerSec: round(s.okPerSecond),
    apiP50Ms: s.p50Ms,
    apiP99Ms: s.p99Ms,
    apiErrors: s.errors,
    pgbenchTps: round(s.tps),
    pgbenchAvgMs: s.pgLatencyAvgMs,
    pgbenchFailed: s.pgFailed,
    ratioSameConcurrency: round(s.tps > 0 ? s.okPerSecond / s.tps : 0, 3),
    ...(m.rounds > 1
      ? {
          apiSalesPerSecRounds: s.apiRounds.map((a) => round(a.okPerSecond)).join(' / '),
          pgbenchTpsRounds: s.pgRounds.map((r) => round(r.tps)).join(' / '),
        }
      : {}),
  }));
  const result: BenchResult = {
    scenario: 'checkout',
    metric:
      'new 3-line sales/s through POST /api/v1/sales at the best concurrency, vs the same writes by raw pgbench (best tps at any client count); medians of each step over the rounds',
    value: round(best.okPerSecond),
    unit: 'sales/s',
    baseline: round(baseline),
    ratio: round(ratio, 3),
    target: `ratio >= ${MIN_RATIO} && p99 < ${MAX_P99_MS} ms (and 0 non-2xx, every 2xx in the database)`,
    pass,
    params: {
      quick: m.quick,
      concurrencySteps: m.steps,
      rounds: m.rounds,
      secondsPerStep: m.seconds,
      products: m.products,
      linesPerSale: 3,
      bestConcurrency: best.connections,
      bestRule: `most sales/s among steps with p99 < ${MAX_P99_MS} ms and 0 errors (else most sales/s)`,
      p99Ms: best.p99Ms,
      baselineRule: 'best pgbench tps at any client count (stricter than the same-concurrency tps)',
      baselineClients: bestPg.connections,
      pgbenchTpsSameConcurrency: round(best.tps),
      ratioSameConcurrency: round(best.tps > 0 ? best.okPerSecond / best.tps : 0, 3),
      apiErrorsTotal: totalErrors,
      api2xxTotal: totalOk,
      salesRecorded: m.recorded,
      allRecorded,
      outboxPayloadBytes: m.payloadBytes,
      machine: { cores: cpus().length, loadAverage1mBefore: round(m.load.before, 2), loadAverage1mAfter: round(m.load.after, 2) },
      pgbench:
        'right after each API step, server idle; outbox rows written published; TCP 127.0.0.1, -M prepared (as Keel sends its sale statements), -j min(2,c)',
      server: 'child process, DATABASE_POOL_SIZE=20, LOG_LEVEL=warn, NATS JetStream relay + chDB loader running',
      perStep,
    },
  };
  return { result, tables: [{ title: 'checkout, per concurrency step', rows: perStep }] };
}

/** A new sale: 3 distinct products, one unit each, paid in cash to the exact total (prices include tax). */
function newSale(products: readonly Product[]) {
  const picked = new Set<number>();
  while (picked.size < 3) picked.add(Math.floor(Math.random() * products.length));
  const lines = [...picked].map((i) => products[i] as Product);
  const total = lines.reduce((n, p) => n + p.price, 0);
  return {
    id: randomUUID(),
    storeId: STORE_ID,
    lines: lines.map((p) => ({ productId: p.id, quantityMilli: 1000 })),
    tenders: [{ kind: 'cash', amount: total }],
    expectedTotal: total,
  };
}
