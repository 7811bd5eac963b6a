import { cpus } from 'node:os';
import { type BenchResult, round, type ScenarioOutcome, type TableRow } from '../bench-result.js';
import { diskFull } from '../faults/disk-full.js';
import { type FaultCount, FaultRig } from '../faults/fault-rig.js';
import { keelKill } from '../faults/keel-kill.js';
import { natsOutage } from '../faults/nats-outage.js';
import { networkFaults } from '../faults/network-faults.js';
import { postgresKill, postgresRestart } from '../faults/postgres-faults.js';
import { ScratchClickHouse } from '../faults/scratch-clickhouse.js';
import { ScratchPostgres } from '../faults/scratch-postgres.js';
import { SmallVolume } from '../faults/small-volume.js';
import { type SoakTrend, soak } from '../faults/soak.js';
import { eveningTimeZone, TILL_CLOCK_OFFSETS_MS, tillClock } from '../faults/till-clock.js';
import { warehouseOutage } from '../faults/warehouse-outage.js';
import type { ScenarioOptions } from '../scenario.js';

const TILLS = 4;
const SALE_EVERY_MS = 40;
/** The soak's moderate steady load: a sale each 200 ms per till at most. */
const SOAK_SALE_EVERY_MS = 200;

type FaultScenario = (options: ScenarioOptions) => Promise<FaultCount>;

async function withRig(
  options: ScenarioOptions,
  fn: (rig: FaultRig, cluster?: ScratchPostgres) => Promise<FaultCount>,
  ownPostgres = false,
  saleEveryMs = SALE_EVERY_MS,
): Promise<FaultCount> {
  const cluster = ownPostgres ? await ScratchPostgres.start() : undefined;
  try {
    const rig = await FaultRig.create({ tills: TILLS, saleEveryMs, log: options.log }, cluster?.url);
    try {
      return await fn(rig, cluster);
    } finally {
      await rig.remove();
    }
  } finally {
    await cluster?.remove();
  }
}

/** Scenario 3's world: Keel with CLICKHOUSE_URL on a warehouse server of the scenario's own. */
async function withWarehouseServer(options: ScenarioOptions, outageMs: number, settleMs: number): Promise<FaultCount> {
  const warehouse = await ScratchClickHouse.start();
  try {
    const rig = await FaultRig.create({ tills: TILLS, saleEveryMs: SALE_EVERY_MS, log: options.log, clickhouseUrl: warehouse.url });
    try {
      return await warehouseOutage(rig, warehouse, { outageMs, settleMs, log: options.log });
    } finally {
      await rig.remove();
    }
  } finally {
    await warehouse.remove();
  }
}

/** Scenario 8's world: tills with clocks hours off, in a store where it is about 21:00. */
async function withSkewedTills(options: ScenarioOptions, sellMs: number): Promise<FaultCount> {
  const timeZone = eveningTimeZone();
  const rig = await FaultRig.create({ tills: TILLS, saleEveryMs: SALE_EVERY_MS, log: options.log, clockOffsetsMs: TILL_CLOCK_OFFSETS_MS, timeZone });
  try {
    return await tillClock(rig, { sellMs, timeZone, log: options.log });
  } finally {
    await rig.remove();
  }
}

/** Scenario 7's world: a small tmpfs volume holding the scenario's PostgreSQL cluster and the server's data directory. */
async function onSmallVolume(
  options: ScenarioOptions,
  fn: (rig: FaultRig, volume: SmallVolume, cluster: ScratchPostgres) => Promise<FaultCount>,
): Promise<FaultCount> {
  const volume = await SmallVolume.mount(160);
  try {
    const cluster = await ScratchPostgres.start(volume.path);
    try {
      const rig = await FaultRig.create({ tills: TILLS, saleEveryMs: SALE_EVERY_MS, log: options.log, dataParent: volume.path }, cluster.url);
      try {
        return await fn(rig, volume, cluster);
      } finally {
        await rig.remove();
      }
    } finally {
      await cluster.remove();
    }
  } finally {
    await volume.remove();
  }
}

/** Each fault scenario, runnable alone with `--scenario <name>`; in this order by default. */
export const FAULT_SCENARIOS: Readonly<Record<string, FaultScenario>> = {
  'keel-kill': (o) => withRig(o, (rig) => keelKill(rig, { kills: o.quick ? 5 : 50, log: o.log })),
  'nats-outage': (o) => withRig(o, (rig) => natsOutage(rig, { outages: 1, outageMs: o.quick ? 8_000 : 120_000, log: o.log })),
  // A 5-minute backlog (12,000 sales): up to 10 minutes to drain on a loaded machine.
  'warehouse-outage': (o) => withWarehouseServer(o, o.quick ? 15_000 : 300_000, o.quick ? 120_000 : 600_000),
  'postgres-restart': (o) => withRig(o, (rig, pg) => postgresRestart(rig, pg as ScratchPostgres, { restarts: o.quick ? 2 : 10, log: o.log }), true),
  'postgres-kill': (o) =>
    withRig(o, (rig, pg) => postgresKill(rig, pg as ScratchPostgres, { kills: o.quick ? 2 : 10, downMs: o.quick ? 2_000 : 5_000, log: o.log }), true),
  'till-clock': (o) => withSkewedTills(o, o.quick ? 10_000 : 120_000),
  network: (o) =>
    withRig(o, (rig) =>
      networkFaults(rig, {
        durationMs: o.quick ? 60_000 : 600_000,
        // Stalls up to 12 s: past the till's 10 s timeout, so some become cuts after the commit too.
        faults: { latencyMs: 15, jitterMs: 60, stall: 0.03, stallMs: [500, 12_000], cutRequest: 0.04, cutResponse: 0.06, reset: 0.04 },
        log: o.log,
      }),
    ),
  'disk-full': (o) =>
    onSmallVolume(o, (rig, volume, pg) => diskFull(rig, volume, pg, { fills: o.quick ? 1 : 5, fullMs: o.quick ? 8_000 : 60_000, log: o.log })),
  soak: (o) =>
    withRig(
      o,
      (rig) => soak(rig, { durationMs: (o.minutes ?? (o.quick ? 3 : 120)) * 60_000, sampleEveryMs: o.quick ? 2_000 : 5_000, log: o.log }),
      false,
      SOAK_SALE_EVERY_MS,
    ),
};

/**
 * `npm run bench -- faults [--quick] [--json] [--scenario name]`: break things on purpose under
 * checkout load from simulated tills and count every sale. The figure is the sales lost plus
 * duplicated over all scenarios (target 0); the baseline is the sales acknowledged in the same run.
 */
export function faults(only?: string) {
  return async (options: ScenarioOptions): Promise<ScenarioOutcome> => {
    const names = only ? [only] : Object.keys(FAULT_SCENARIOS);
    const unknown = names.find((n) => !FAULT_SCENARIOS[n]);
    if (unknown) throw new Error(`unknown fault scenario "${unknown}"; known: ${Object.keys(FAULT_SCENARIOS).join(', ')}`);
    const counts: FaultCount[] = [];
    for (const name of names) {
      options.log(`scenario ${name}${options.quick ? ' (quick)' : ''}`);
      counts.push(await (FAULT_SCENARIOS[name] as FaultScenario)(options));
    }
    const bad = counts.reduce((s, c) => s + c.lost + c.duplicated, 0);
    const acked = counts.reduce((s, c) => s + c.acknowledged, 0);
    const result: BenchResult = {
      scenario: 'faults',
      metric: 'sales lost plus duplicated over every fault scenario (lower is better), vs the sales acknowledged in the same run',
      value: bad,
      unit: 'sales',
      baseline: acked,
      ratio: round(acked > 0 ? bad / acked : 0, 6),
      target: 'value == 0 && every scenario converged',
      pass: bad === 0 && counts.every((c) => c.converged),
      params: { tills: TILLS, saleEveryMs: SALE_EVERY_MS, cpus: cpus().length, quick: options.quick, scenarios: counts },
    };
    const rows = counts.map((c) => ({
      scenario: c.scenario,
      runs: c.runs,
      acknowledged: c.acknowledged,
      'in PostgreSQL': c.inPostgres,
      'in warehouse': c.inWarehouse,
      lost: c.lost,
      duplicated: c.duplicated,
      'converge s': round(c.convergeMs / 1000, 1),
      'p99 ms during faults': c.p99Ms,
      converged: c.converged ? 'yes' : 'NO',
    }));
    const tables: Array<{ title: string; rows: TableRow[] }> = [
      { title: `faults from ${TILLS} simulated tills, a sale each ${SALE_EVERY_MS} ms per till (soak: ${SOAK_SALE_EVERY_MS} ms)`, rows },
    ];
    const soaked = counts.find((c) => c.scenario === 'soak');
    if (soaked) {
      const n = soaked.notes as Record<string, SoakTrend>;
      const measures = { 'Keel RSS MiB': n.rssMiB, 'Keel open fds': n.fds, 'outbox lag (rows)': n.outboxLag, 'warehouse lag (sales)': n.warehouseLag };
      const soakRows = Object.entries(measures).map(([measure, t]) => ({
        measure,
        first: t?.first ?? 0,
        last: t?.last ?? 0,
        max: t?.max ?? 0,
        'slope per hour, 2nd half': t?.slopePerHour ?? 0,
      }));
      tables.push({ title: `soak: ${soaked.notes.minutes} min, ${soaked.notes.samples} samples`, rows: soakRows });
    }
    return { result, tables };
  };
}
