import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createBenchProducts } from '../bench-products.js';
import { type BenchResult, round, type ScenarioOutcome, type TableRow } from '../bench-result.js';
import { freePort, KeelProcess } from '../keel-process.js';
import type { ScenarioOptions } from '../scenario.js';
import { ScratchDatabase } from '../scratch-database.js';
import { steadyLoad } from './ingest.js';
import { percentile } from './temp-warehouse.js';

/** A busy store's steady rate, as in the fault suite's soak. */
const RATE = 11;
/** The server's CPU may grow this much from the first to the last interval: more is a cost that grows with the data. */
const MAX_GROWTH = 1.5;
/** How often the dashboard is polled for freshness: about what a person's page asks, not a load of its own. */
const DASHBOARD_POLL_MS = 1000;

/**
 * The server's own CPU at a busy store's steady rate, over time: a real Keel server (PostgreSQL,
 * NATS JetStream, chDB) takes 11 sales/s for `--minutes` (default 15; --quick 3) while its threads'
 * CPU is read from /proc every interval, split into Node (the request thread and V8's helpers) and
 * the embedded warehouse engine (its query, merge and background pools), with the part count and
 * merge level of `sale_lines` read through the analyst endpoint. Value: the server's CPU in the last
 * interval, cores; baseline: the same in the first; the ratio says whether a steady load costs more
 * as the day's data grows (the soak saw 0.15 -> 0.9-1.8 cores over two hours).
 */
export async function trickle(options: ScenarioOptions): Promise<ScenarioOutcome> {
  const { log } = options;
  const minutes = options.minutes ?? (options.quick ? 3 : 15);
  const intervalMs = options.quick ? 30_000 : 60_000;
  const database = await ScratchDatabase.create();
  const analystPort = await freePort();
  let keel: KeelProcess | undefined;
  try {
    keel = await KeelProcess.start({ databaseUrl: database.url, env: { STORE_TIMEZONE: 'UTC', ANALYST_PORT: String(analystPort) } });
    const token = `keel_${randomBytes(24).toString('base64url')}`;
    await database.with((c) =>
      c.query("INSERT INTO api_tokens (name, role, token_sha256) VALUES ('bench trickle', 'analyst', $1)", [createHash('sha256').update(token).digest('hex')]),
    );
    const parts = async () => {
      const res = await fetch(`http://127.0.0.1:${analystPort}/?default_format=JSONEachRow`, {
        method: 'POST',
        body: "SELECT count() AS parts, max(level) AS level FROM system.parts WHERE active AND database = currentDatabase() AND table = 'sale_lines'",
        headers: { authorization: `Basic ${Buffer.from(`analyst:${token}`).toString('base64')}` },
      });
      return JSON.parse(await res.text()) as { parts: number; level: number };
    };
    const products = await createBenchProducts(keel.url, 200, 'TRK');
    const pid = keel.pid as number;
    const loaderBatchMs = process.env.LOADER_BATCH_MS ?? 'default';
    log(`Keel at ${keel.url} (LOADER_BATCH_MS ${loaderBatchMs}); ${RATE} sales/s for ${minutes} min, CPU read every ${intervalMs / 1000} s`);
    const rows: TableRow[] = [];
    const started = Date.now();
    let prev = cpuTicks(pid);
    let prevAt = Date.now();
    const sampler = setInterval(() => {
      const now = cpuTicks(pid);
      const seconds = (Date.now() - prevAt) / 1000;
      const node = (now.node - prev.node) / 100 / seconds;
      const engine = (now.engine - prev.engine) / 100 / seconds;
      prev = now;
      prevAt = Date.now();
      const row: Record<string, number | string> = {
        minute: round((Date.now() - started) / 60_000),
        'node cores': round(node, 3),
        'warehouse engine cores': round(engine, 3),
        'sale_lines parts': '',
        'merge level': '',
      };
      rows.push(row); // the CPU reading counts whether or not the parts probe answers
      void parts().then(
        (p) => {
          row['sale_lines parts'] = p.parts;
          row['merge level'] = p.level;
          log(
            `  ${row.minute} min: node ${row['node cores']}, warehouse engine ${row['warehouse engine cores']} cores; sale_lines ${p.parts} parts, merge level ${p.level}`,
          );
        },
        (e: unknown) =>
          log(`  ${row.minute} min: node ${row['node cores']}, warehouse engine ${row['warehouse engine cores']} cores; parts probe failed: ${String(e)}`),
      );
    }, intervalMs);
    const day = new Date().toISOString().slice(0, 10);
    let run: Awaited<ReturnType<typeof steadyLoad>>;
    try {
      run = await steadyLoad(keel.url, products, RATE, minutes * 60, day, DASHBOARD_POLL_MS);
    } finally {
      clearInterval(sampler);
    }
    const total = (r: TableRow | undefined) => Number(r?.['node cores'] ?? 0) + Number(r?.['warehouse engine cores'] ?? 0);
    const first = total(rows[0]);
    const last = total(rows.at(-1));
    const result: BenchResult = {
      scenario: 'trickle',
      metric: `Keel server CPU (Node + embedded warehouse engine), cores, in the last ${intervalMs / 1000} s of ${minutes} min at ${RATE} sales/s (lower is better; baseline = the same in the first interval, ratio = value / baseline)`,
      value: round(last, 3),
      unit: 'cores',
      baseline: round(first, 3),
      ratio: round(first > 0 ? last / first : 0, 2),
      target: `ratio <= ${MAX_GROWTH} (a steady load does not cost more as the data grows)`,
      pass: first > 0 && last / first <= MAX_GROWTH && run.errors === 0,
      params: {
        rate: RATE,
        minutes,
        loaderBatchMs,
        committed: run.committed,
        errors: run.errors,
        freshnessP50Ms: round(percentile(run.freshnessMs, 50)),
        freshnessP95Ms: round(percentile(run.freshnessMs, 95)),
        dashboardPollMs: DASHBOARD_POLL_MS,
        lastEngineCores: rows.at(-1)?.['warehouse engine cores'] ?? null,
        lastNodeCores: rows.at(-1)?.['node cores'] ?? null,
      },
    };
    return { result, tables: [{ title: `server CPU at ${RATE} sales/s`, rows }] };
  } finally {
    await keel?.stop();
    await database.drop();
  }
}

/** CPU ticks (1/100 s) of a process's threads: Node's own (main, V8 helpers, libuv pool) and everything else (chDB's). */
function cpuTicks(pid: number): { node: number; engine: number } {
  let node = 0;
  let engine = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${task}/stat`, 'utf8');
    } catch {
      continue; // the thread ended between the listing and the read
    }
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    if (/^(node|V8|libuv)/.test(name)) node += ticks;
    else engine += ticks;
  }
  return { node, engine };
}
