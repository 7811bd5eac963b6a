import type { FaultCount, FaultRig } from './fault-rig.js';

/**
 * Scenario 2: NATS stopped (SIGKILL, a crash) under checkout load for `outageMs`, then started again
 * on the same store directory. Checkout must go on (the outbox holds the events), and once NATS is
 * back the relay and loader must catch up with nothing lost or counted twice.
 */
export async function natsOutage(
  rig: FaultRig,
  fields: { outages: number; outageMs: number; log: (m: string) => void; settleMs?: number },
): Promise<FaultCount> {
  rig.startSelling();
  const from = Date.now();
  let ackedDuringOutage = 0;
  for (let n = 1; n <= fields.outages; n++) {
    await sleep(1_500);
    const before = rig.acknowledgedTotal();
    await rig.nats.kill();
    fields.log(`NATS down (${n}/${fields.outages}) for ${fields.outageMs} ms`);
    await sleep(fields.outageMs);
    ackedDuringOutage += rig.acknowledgedTotal() - before;
    await rig.nats.resume();
    fields.log(`NATS back: ${rig.acknowledgedTotal() - before} sales acknowledged while it was down`);
  }
  await sleep(1_000);
  const to = Date.now();
  return rig.settle('nats-outage', {
    runs: fields.outages,
    faultEndedAt: to,
    faultWindow: [from, to],
    timeoutMs: fields.settleMs ?? 180_000,
    notes: { ackedDuringOutage, outageMs: fields.outageMs },
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
