import { cpus } from 'node:os';
import { type BenchResult, round, type ScenarioOutcome } from '../bench-result.js';
import { type FaultCount, FaultRig } from '../faults/fault-rig.js';
import { keelKill } from '../faults/keel-kill.js';
import { natsOutage } from '../faults/nats-outage.js';
import { postgresKill, postgresRestart } from '../faults/postgres-faults.js';
import { ScratchClickHouse } from '../faults/scratch-clickhouse.js';
import { ScratchPostgres } from '../faults/scratch-postgres.js';
import { eveningTimeZone, TILL_CLOCK_OFFSETS_MS, tillClock } from '../faults/till-clock.js';
import { warehouseOutage } from '../faults/warehouse-outage.js';
import type { ScenarioOptions } from '../scenario.js';

const TILLS = 4;
const SALE_EVERY_MS = 40;

type FaultScenario = (options: ScenarioOptions) => Promise<FaultCount>;

async function withRig(
  options: ScenarioOptions,
  fn: (rig: FaultRig, cluster?: ScratchPostgres) => Promise<FaultCount>,
  ownPostgres = false,
): Promise<FaultCount> {
  const cluster = ownPostgres ? await ScratchPostgres.start() : undefined;
  try {
    const rig = await FaultRig.create({ tills: TILLS, saleEveryMs: SALE_EVERY_MS, log: options.log }, cluster?.url);
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
    return { result, tables: [{ title: `faults from ${TILLS} simulated tills, a sale each ${SALE_EVERY_MS} ms per till`, rows }] };
  };
}
