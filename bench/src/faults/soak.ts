import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import pg from 'pg';
import type { FaultCount, FaultRig } from './fault-rig.js';

/** One look at the server while the soak runs. */
export interface SoakSample {
  /** Seconds since the load started. */
  readonly atS: number;
  /** Resident memory of the Keel server process (/proc/PID/status VmRSS). */
  readonly rssMiB: number;
  /**
   * Open file descriptors of the Keel server process (/proc/PID/fd), less the embedded engine's
   * per-thread metrics files (/proc/PID/task/TID/...): those follow chDB's thread pool, which grows
   * with the machine's load, not with the work done (docs/reliability.md, "Observed, not fixed").
   */
  readonly fds: number;
  /** Outbox rows not yet published to NATS. */
  readonly outboxLag: number;
  /** Sales in PostgreSQL minus tickets in the warehouse (the warehouse is read first, so never under the true lag). */
  readonly warehouseLag: number;
}

export interface SoakTrend {
  readonly first: number;
  readonly last: number;
  readonly max: number;
  /** Least-squares slope over the second half of the run, per hour (0 with fewer than 2 samples). */
  readonly slopePerHour: number;
}

export interface SoakFigures {
  readonly minutes: number;
  readonly samples: number;
  readonly rssMiB: SoakTrend;
  readonly fds: SoakTrend;
  readonly outboxLag: SoakTrend;
  readonly warehouseLag: SoakTrend;
}

/**
 * Scenario 9: moderate steady checkout load for `durationMs` with no fault injected, sampling the
 * server every `sampleEveryMs`: memory, file descriptors, outbox lag and warehouse lag must stay
 * bounded (a leak shows as a steady slope in the second half, after warm-up), and at the end every
 * sale is in PostgreSQL and the warehouse once.
 */
export async function soak(
  rig: FaultRig,
  fields: { durationMs: number; sampleEveryMs: number; log: (m: string) => void; settleMs?: number },
): Promise<FaultCount & { soak: SoakFigures; samples: SoakSample[] }> {
  const c = new pg.Client({ connectionString: rig.databaseUrl });
  await c.connect();
  const samples: SoakSample[] = [];
  let from = Date.now();
  try {
    rig.startSelling();
    from = Date.now();
    let lastLog = from;
    while (Date.now() - from < fields.durationMs) {
      await sleep(Math.min(fields.sampleEveryMs, Math.max(0, fields.durationMs - (Date.now() - from))));
      samples.push(await sample(rig, c, from));
      if (Date.now() - lastLog >= 60_000) {
        lastLog = Date.now();
        fields.log(`soak ${Math.round((Date.now() - from) / 60_000)} min: ${rig.acknowledgedTotal()} acknowledged, ${JSON.stringify(samples.at(-1))}`);
      }
    }
  } finally {
    await c.end();
  }
  const to = Date.now();
  const figures: SoakFigures = {
    minutes: Math.round((to - from) / 600) / 100,
    samples: samples.length,
    rssMiB: trend(samples, (s) => s.rssMiB),
    fds: trend(samples, (s) => s.fds),
    outboxLag: trend(samples, (s) => s.outboxLag),
    warehouseLag: trend(samples, (s) => s.warehouseLag),
  };
  fields.log(`soak figures: ${JSON.stringify(figures)}`);
  const count = await rig.settle('soak', { runs: 1, faultEndedAt: to, faultWindow: [from, to], timeoutMs: fields.settleMs ?? 120_000, notes: { ...figures } });
  return { ...count, soak: figures, samples };
}

async function sample(rig: FaultRig, c: pg.Client, from: number): Promise<SoakSample> {
  const pid = rig.keel.pid;
  if (pid === undefined) throw new Error('the Keel server is not running');
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1]);
  const fds = openFiles(pid);
  const inWarehouse = await rig.warehouseTickets();
  const { rows } = await c.query<{ sales: string; outbox: string }>(
    'SELECT (SELECT count(*) FROM sales) AS sales, (SELECT count(*) FROM outbox WHERE published_at IS NULL) AS outbox',
  );
  const row = rows[0] as { sales: string; outbox: string };
  return {
    atS: Math.round((Date.now() - from) / 100) / 10,
    rssMiB: Math.round(rssKb / 102.4) / 10,
    fds,
    outboxLag: Number(row.outbox),
    warehouseLag: Number(row.sales) - inWarehouse,
  };
}

/** First, last, max, and the least-squares slope per hour over the second half of the samples. */
export function trend(samples: readonly SoakSample[], value: (s: SoakSample) => number): SoakTrend {
  const values = samples.map(value);
  const end = samples.at(-1)?.atS ?? 0;
  const half = samples.filter((s) => s.atS >= end / 2);
  let slopePerHour = 0;
  if (half.length >= 2) {
    const xs = half.map((s) => s.atS / 3600);
    const ys = half.map(value);
    const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
    const my = ys.reduce((a, b) => a + b, 0) / ys.length;
    let num = 0;
    let den = 0;
    xs.forEach((x, i) => {
      num += (x - mx) * ((ys[i] as number) - my);
      den += (x - mx) ** 2;
    });
    slopePerHour = den > 0 ? Math.round((num / den) * 10) / 10 : 0;
  }
  return { first: values[0] ?? 0, last: values.at(-1) ?? 0, max: Math.max(0, ...values), slopePerHour };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function openFiles(pid: number): number {
  const threadFile = new RegExp(`^/proc/(${pid}/task/)?\\d+/(stat|schedstat|io|status)$`);
  let n = 0;
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    let target: string;
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue; // closed meanwhile
    }
    if (!threadFile.test(target)) n++;
  }
  return n;
}
