import type { FaultCount, FaultRig } from './fault-rig.js';

/**
 * Scenario 1: `kill -9` of the Keel server at random moments under checkout load, restarted each
 * time on the same port, data directory and NATS stream (as systemd would). In-flight requests,
 * unpublished outbox rows and the loader's unacked batch are all cut mid-way.
 */
export async function keelKill(rig: FaultRig, fields: { kills: number; log: (m: string) => void; seed?: number; settleMs?: number }): Promise<FaultCount> {
  let seed = fields.seed ?? 7;
  const random = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const restartMs: number[] = [];
  rig.startSelling();
  const from = Date.now();
  for (let k = 1; k <= fields.kills; k++) {
    await sleep(300 + random() * 1_700);
    await rig.keel.kill9();
    await sleep(random() * 500);
    const t = performance.now();
    await rig.keel.start();
    restartMs.push(performance.now() - t);
    if (k % 10 === 0 || k === fields.kills) fields.log(`kill -9 ${k}/${fields.kills}: ${rig.acknowledgedTotal()} sales acknowledged so far`);
  }
  await sleep(1_000);
  const to = Date.now();
  const sorted = [...restartMs].sort((a, b) => a - b);
  return rig.settle('keel-kill', {
    runs: fields.kills,
    faultEndedAt: to,
    faultWindow: [from, to],
    timeoutMs: fields.settleMs ?? 120_000,
    notes: { restartMedianMs: Math.round(sorted[Math.floor(sorted.length / 2)] ?? 0) },
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
