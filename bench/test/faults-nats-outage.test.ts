import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultRig } from '../src/faults/fault-rig.js';
import { natsOutage } from '../src/faults/nats-outage.js';

/**
 * The short form of `npm run bench -- faults --scenario nats-outage`: the scenario's own NATS
 * killed for 8 s under load from 4 simulated tills, then started again. Checkout carries on while
 * it is down, and afterwards the warehouse holds every sale once.
 */
let rig: FaultRig;
beforeAll(async () => {
  rig = await FaultRig.create({ tills: 4, saleEveryMs: 40, log: (m) => console.log(m) });
});
afterAll(async () => {
  await rig?.remove();
});

describe('NATS down under checkout load', () => {
  it('keeps selling while it is down, and the warehouse catches up with every sale once', async () => {
    const count = await natsOutage(rig, { outages: 1, outageMs: 8_000, settleMs: 90_000, log: (m) => console.log(m) });
    expect(count.notes.ackedDuringOutage).toBeGreaterThan(20);
    expect(count.converged, rig.keel.logTail()).toBe(true);
    expect(count.acknowledged).toBe(count.taken);
    expect(count.conflicts).toBe(0);
    expect(count.inPostgres).toBe(count.acknowledged);
    expect(count.inWarehouse).toBe(count.acknowledged);
    expect(count.lost).toBe(0);
    expect(count.duplicated).toBe(0);
  }, 180_000);
});
