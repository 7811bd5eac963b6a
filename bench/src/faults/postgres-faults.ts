import type { FaultCount, FaultRig } from './fault-rig.js';
import type { ScratchPostgres } from './scratch-postgres.js';

/**
 * Scenario 5: the scenario's own PostgreSQL killed with SIGKILL (postmaster and backends, power-cut
 * style) under checkout load, `downMs` later started again (crash recovery from the WAL). Every
 * sale acknowledged before the kill must be there after recovery; the tills journal the rest.
 */
export async function postgresKill(
  rig: FaultRig,
  cluster: ScratchPostgres,
  fields: { kills: number; downMs: number; log: (m: string) => void; settleMs?: number },
): Promise<FaultCount> {
  rig.startSelling();
  const from = Date.now();
  let ackedBeforeKills = 0;
  for (let n = 1; n <= fields.kills; n++) {
    await sleep(1_500);
    await cluster.kill9();
    ackedBeforeKills = rig.acknowledgedTotal();
    fields.log(`PostgreSQL kill -9 (${n}/${fields.kills}) after ${ackedBeforeKills} acknowledged sales`);
    await sleep(fields.downMs);
    await cluster.resume();
  }
  await sleep(1_000);
  const to = Date.now();
  return rig.settle('postgres-kill', {
    runs: fields.kills,
    faultEndedAt: to,
    faultWindow: [from, to],
    timeoutMs: fields.settleMs ?? 120_000,
    notes: { downMs: fields.downMs },
  });
}

/**
 * Scenario 4: the scenario's own PostgreSQL restarted (pg_ctl restart -m fast) under checkout load.
 * While it is away the API answers 503 with Retry-After, quickly (no hang); tills journal; nothing
 * is lost after. `slowestRefusalMs` is the slowest non-2xx answer the tills saw.
 */
export async function postgresRestart(
  rig: FaultRig,
  cluster: ScratchPostgres,
  fields: { restarts: number; log: (m: string) => void; settleMs?: number },
): Promise<FaultCount> {
  rig.startSelling();
  const from = Date.now();
  const restartMs: number[] = [];
  for (let n = 1; n <= fields.restarts; n++) {
    await sleep(1_500);
    const t = performance.now();
    await cluster.restart();
    restartMs.push(Math.round(performance.now() - t));
    fields.log(`PostgreSQL restarted (${n}/${fields.restarts}) in ${restartMs.at(-1)} ms`);
  }
  await sleep(1_000);
  const to = Date.now();
  return rig.settle('postgres-restart', {
    runs: fields.restarts,
    faultEndedAt: to,
    faultWindow: [from, to],
    timeoutMs: fields.settleMs ?? 120_000,
    notes: { restartMs },
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
