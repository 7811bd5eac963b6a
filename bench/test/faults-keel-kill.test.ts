import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultRig } from '../src/faults/fault-rig.js';
import { keelKill } from '../src/faults/keel-kill.js';

/**
 * The short form of `npm run bench -- faults --scenario keel-kill`: 5 kill -9s of the real server
 * under load from 4 simulated tills; every sale a till took is in PostgreSQL and the warehouse once.
 */
let rig: FaultRig;
beforeAll(async () => {
  rig = await FaultRig.create({ tills: 4, saleEveryMs: 40, log: (m) => console.log(m) });
});
afterAll(async () => {
  await rig?.remove();
});

describe('kill -9 of the Keel server under checkout load', () => {
  it('loses no acknowledged sale and records none twice, in PostgreSQL and in the warehouse', async () => {
    const count = await keelKill(rig, { kills: 5, settleMs: 45_000, log: (m) => console.log(m) });
    expect(count.acknowledged).toBeGreaterThan(50);
    expect(count.acknowledged).toBe(count.taken);
    expect(count.conflicts).toBe(0);
    expect(count.inPostgres).toBe(count.acknowledged);
    expect(count.duplicated).toBe(0);
    // Found by the full scenario (239 of 3,513 missing from the views after 50 kills): a kill between
    // the lines and their views; fixed by the loader's ledger (warehouse/src/load-ledger.ts).
    expect(count.inWarehouse).toBe(count.acknowledged);
    expect(count.lost).toBe(0);
  }, 180_000);
});
