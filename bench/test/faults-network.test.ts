import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultRig } from '../src/faults/fault-rig.js';
import { networkFaults } from '../src/faults/network-faults.js';

/**
 * The short form of `npm run bench -- faults --scenario network`: 4 simulated tills reach the real
 * server through a fault-injecting proxy for 20 s (latency and jitter, stalls, requests cut, answers
 * cut after the server committed, resets). Nothing is lost or recorded twice, nobody is charged
 * twice, and a till that retried a sale the server already had got the original sale back.
 */
let rig: FaultRig;
beforeAll(async () => {
  rig = await FaultRig.create({ tills: 4, saleEveryMs: 40, log: (m) => console.log(m) });
});
afterAll(async () => {
  await rig?.remove();
});

describe('a slow, lossy, resetting network between the tills and the server', () => {
  it('loses nothing, charges nobody twice, and answers every retry with the original sale', async () => {
    const faults = { latencyMs: 15, jitterMs: 60, stall: 0.04, stallMs: [500, 3_000], cutRequest: 0.05, cutResponse: 0.08, reset: 0.05 } as const;
    const count = await networkFaults(rig, { durationMs: 20_000, faults, settleMs: 45_000, log: (m) => console.log(m) });
    expect(count.converged, rig.keel.logTail()).toBe(true);
    expect(count.acknowledged).toBeGreaterThan(50);
    expect(count.acknowledged).toBe(count.taken);
    expect(count.conflicts).toBe(0);
    expect(count.lost).toBe(0);
    expect(count.duplicated).toBe(0);
    // The dangerous case happened: answers were cut after the server committed, and the tills retried.
    expect(count.audit.replays).toBeGreaterThan(0);
    expect(count.audit.replaysNotOriginal).toBe(0);
    expect(count.audit.chargedTwice).toBe(0);
    expect(count.audit.amountMismatches).toBe(0);
    expect(count.audit.storedTotal).toBe(count.audit.acknowledgedTotal);
    expect(count.audit.storedTendered).toBe(count.audit.acknowledgedTendered);
  }, 180_000);
});
