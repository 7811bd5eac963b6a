import type { FastifyInstance } from 'fastify';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Readings taken when Prometheus scrapes; each may be null when its backend does not answer. */
export interface MetricSources {
  readonly outboxBacklog: () => Promise<number | null>;
  /** Messages the warehouse consumer has not acked yet (NATS only). */
  readonly consumerLag: () => Promise<number | null>;
  /** When the loader last put events into the warehouse (ms since epoch), or null before the first load. */
  readonly lastWarehouseLoad: () => number | null;
  readonly disk: () => Promise<{ freeBytes: number; totalBytes: number; low: boolean } | null>;
  readonly schemaVersion: number;
}

/**
 * Keel's Prometheus metrics, through prom-client (the maintained exposition library, Node >= 16):
 * request latency per route, sales and refunds, outbox backlog, NATS consumer lag, warehouse
 * freshness, job runs and failures, disk space and the process's own memory and event-loop figures.
 */
export class KeelMetrics {
  readonly registry = new Registry();
  readonly requestDuration: Histogram<'method' | 'route' | 'status_code'>;
  readonly sales: Counter;
  readonly refunds: Counter;
  readonly jobRuns: Counter<'job'>;
  readonly jobFailures: Counter<'job'>;
  readonly diskAlerts: Counter<'refused'>;

  constructor(sources: MetricSources, now: () => number = Date.now) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'keel_' });
    // prom-client names these gauges *_total, which Prometheus reserves for counters (promtool says so): drop them.
    for (const name of ['keel_nodejs_active_handles_total', 'keel_nodejs_active_requests_total', 'keel_nodejs_active_resources_total']) {
      this.registry.removeSingleMetric(name);
    }
    this.requestDuration = new Histogram({
      name: 'keel_http_request_duration_seconds',
      help: 'Time to answer an HTTP request, by route pattern',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.sales = new Counter({ name: 'keel_sales_total', help: 'Sales recorded by this process (replays and refunds not counted)', registers });
    this.refunds = new Counter({ name: 'keel_refunds_total', help: 'Refunds (sales with a negative total) recorded by this process', registers });
    this.jobRuns = new Counter({ name: 'keel_job_runs_total', help: 'Jobs run (backups, reports, exports), by job', labelNames: ['job'], registers });
    this.jobFailures = new Counter({ name: 'keel_job_failures_total', help: 'Jobs that failed, by job', labelNames: ['job'], registers });
    this.diskAlerts = new Counter({
      name: 'keel_disk_low_refusals_total',
      help: 'Uploads or backups refused because the data volume was nearly full',
      labelNames: ['refused'],
      registers,
    });
    new Gauge({
      name: 'keel_outbox_backlog',
      help: 'Outbox rows not yet published to the event stream',
      registers,
      async collect() {
        const n = await sources.outboxBacklog();
        if (n !== null) this.set(n);
      },
    });
    new Gauge({
      name: 'keel_nats_consumer_pending',
      help: 'Events in NATS the warehouse consumer has not acknowledged (pending + unacked)',
      registers,
      async collect() {
        const n = await sources.consumerLag();
        if (n !== null) this.set(n);
      },
    });
    new Gauge({
      name: 'keel_warehouse_last_load_timestamp_seconds',
      help: 'When events were last loaded into the warehouse (Unix time); absent before the first load',
      registers,
      collect() {
        const t = sources.lastWarehouseLoad();
        if (t !== null) this.set(t / 1000);
      },
    });
    new Gauge({
      name: 'keel_warehouse_freshness_seconds',
      help: 'Seconds since events were last loaded into the warehouse; absent before the first load',
      registers,
      collect() {
        const t = sources.lastWarehouseLoad();
        if (t !== null) this.set(Math.max(0, (now() - t) / 1000));
      },
    });
    const diskGauge = (name: string, help: string, read: (d: { freeBytes: number; totalBytes: number; low: boolean }) => number) =>
      new Gauge({
        name,
        help,
        registers,
        async collect() {
          const d = await sources.disk();
          if (d !== null) this.set(read(d));
        },
      });
    diskGauge('keel_disk_free_bytes', 'Free space on the data volume', (d) => d.freeBytes);
    diskGauge('keel_disk_size_bytes', 'Size of the data volume', (d) => d.totalBytes);
    diskGauge('keel_disk_low', '1 when free space on the data volume is under DISK_MIN_FREE_MB (uploads and backups refused)', (d) => (d.low ? 1 : 0));
    new Gauge({ name: 'keel_schema_version', help: 'Database schema version this process runs', registers }).set(sources.schemaVersion);
  }

  /** Count a job run; `ok=false` also counts a failure. */
  recordJob(job: string, ok: boolean): void {
    this.jobRuns.inc({ job });
    if (!ok) this.jobFailures.inc({ job });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

const startTimes = new WeakMap<object, bigint>();
const newSaleTotals = new WeakMap<object, number>();

/** The sale route's word that this request recorded a new sale with this total (counted when answered). */
export function noteNewSale(request: object, total: number): void {
  newSaleTotals.set(request, total);
}

/** Time every request by route pattern, count sales and refunds, and serve GET /metrics (permission metrics.read). */
export function registerMetrics(app: FastifyInstance, metrics: KeelMetrics): void {
  app.addHook('onRequest', async (request) => {
    startTimes.set(request, process.hrtime.bigint());
  });
  app.addHook('onResponse', async (request, reply) => {
    // A new sale (201; replays answer 200) is counted once, as a refund when its total is negative.
    const total = newSaleTotals.get(request);
    if (total !== undefined && reply.statusCode === 201) (total < 0 ? metrics.refunds : metrics.sales).inc();
    const start = startTimes.get(request);
    if (start === undefined) return;
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.requestDuration.observe({ method: request.method, route, status_code: String(reply.statusCode) }, Number(process.hrtime.bigint() - start) / 1e9);
  });
  app.get('/metrics', { config: { permission: 'metrics.read' } }, async (_request, reply) => {
    reply.type(metrics.contentType);
    return metrics.text();
  });
}
