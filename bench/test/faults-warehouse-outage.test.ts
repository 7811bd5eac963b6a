import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultRig } from '../src/faults/fault-rig.js';
import { ScratchClickHouse } from '../src/faults/scratch-clickhouse.js';
import { warehouseOutage } from '../src/faults/warehouse-outage.js';

/**
 * The short form of `npm run bench -- faults --scenario warehouse-outage`: the scenario's own
 * warehouse server (CLICKHOUSE_URL) killed for 12 s under load from 4 simulated tills, then started
 * again. Checkout carries on, /health and the dashboard say the warehouse is unavailable while it
 * is, and afterwards PostgreSQL and the warehouse hold every sale once.
 */
let warehouse: ScratchClickHouse;
let rig: FaultRig;
beforeAll(async () => {
  warehouse = await ScratchClickHouse.start();
  rig = await FaultRig.create({ tills: 4, saleEveryMs: 40, log: (m) => console.log(m), clickhouseUrl: warehouse.url });
});
afterAll(async () => {
  await rig?.remove();
  await warehouse?.remove();
});

describe('the warehouse server down under checkout load', () => {
  it('keeps selling, reports the warehouse unavailable, and catches up with every sale once', async () => {
    const count = await warehouseOutage(rig, warehouse, { outageMs: 12_000, settleMs: 90_000, log: (m) => console.log(m) });
    expect(count.notes.ackedDuringOutage).toBeGreaterThan(20);
    // While it was down: /health said 503 with the warehouse not ok, every time; the dashboard
    // answered 503 service.unavailable (with Retry-After), never a 500 or a figure.
    expect(count.notes.healthDegraded).toBeGreaterThan(0);
    expect(count.notes.healthClaimedOk).toBe(0);
    expect(Object.keys(count.notes.dashboard as object)).toEqual(['503 service.unavailable']);
    expect(count.notes.healthAfterRestart).toBe(200);
    expect(count.acknowledged).toBe(count.taken);
    expect(count.conflicts).toBe(0);
    expect(count.inPostgres).toBe(count.acknowledged);
    expect(count.duplicated).toBe(0);
    expect(count.converged, `${rig.keel.logTail()}\n${warehouse.logTail()}`).toBe(true);
    expect(count.inWarehouse).toBe(count.acknowledged);
    expect(count.lost).toBe(0);
  }, 180_000);
});
