import type { FaultCount, FaultRig } from './fault-rig.js';
import type { ScratchClickHouse } from './scratch-clickhouse.js';

/** What `GET /health` and the dashboard figures answered while the warehouse was down. */
export interface OutageObservations {
  /** /health answers saying the warehouse is not ok (503, backends.warehouse.ok false). */
  healthDegraded: number;
  /** /health answers saying all is well while the warehouse was down (should stay 0). */
  healthClaimedOk: number;
  /** Dashboard summary answers by status (503 with code service.unavailable expected). */
  dashboard: Record<string, number>;
}

/**
 * Scenario 3: the warehouse server (ClickHouse over HTTP, the production layout with
 * `CLICKHOUSE_URL`) killed with SIGKILL under checkout load for `outageMs`, then started again
 * on the same data. Checkout must go on (the loader naks its batches, JetStream keeps them);
 * `/health` and the dashboard must say the warehouse is unavailable while it is; once it is back
 * the loader must catch up with every sale once.
 */
export async function warehouseOutage(
  rig: FaultRig,
  warehouse: ScratchClickHouse,
  fields: { outageMs: number; log: (m: string) => void; settleMs?: number },
): Promise<FaultCount> {
  rig.startSelling();
  await sleep(1_500);
  const from = Date.now();
  const before = rig.acknowledgedTotal();
  await warehouse.kill();
  fields.log(`warehouse server down for ${fields.outageMs} ms`);
  const seen: OutageObservations = { healthDegraded: 0, healthClaimedOk: 0, dashboard: {} };
  const until = Date.now() + fields.outageMs;
  while (Date.now() < until) {
    await observe(rig, seen);
    await sleep(Math.min(1_000, Math.max(0, until - Date.now())));
  }
  const ackedDuringOutage = rig.acknowledgedTotal() - before;
  await warehouse.resume();
  fields.log(`warehouse server back: ${ackedDuringOutage} sales acknowledged while it was down; ${JSON.stringify(seen)}`);
  await sleep(1_000);
  const to = Date.now();
  const healthAfter = await rig.keel.health();
  return rig.settle('warehouse-outage', {
    runs: 1,
    faultEndedAt: to,
    faultWindow: [from, to],
    timeoutMs: fields.settleMs ?? 180_000,
    notes: { ackedDuringOutage, outageMs: fields.outageMs, ...seen, healthAfterRestart: healthAfter.status },
  });
}

async function observe(rig: FaultRig, seen: OutageObservations): Promise<void> {
  const health = await rig.keel.health();
  if (health.status === 503 && health.warehouseOk === false) seen.healthDegraded++;
  else if (health.status === 200) seen.healthClaimedOk++;
  const day = new Date().toISOString().slice(0, 10);
  const res = await fetch(`${rig.keel.url}/api/v1/dashboard/summary?day=${day}`, { signal: AbortSignal.timeout(10_000) }).catch(() => null);
  let key = res ? String(res.status) : 'no answer';
  if (res && res.status !== 200) key += ` ${((await res.json().catch(() => ({}))) as { code?: string }).code ?? ''}`.trimEnd();
  else await res?.arrayBuffer();
  seen.dashboard[key] = (seen.dashboard[key] ?? 0) + 1;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
