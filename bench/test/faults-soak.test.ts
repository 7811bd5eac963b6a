import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultRig } from '../src/faults/fault-rig.js';
import { soak, trend } from '../src/faults/soak.js';

/**
 * The short form of `npm run bench -- faults --scenario soak` (2 h by default): 30 s of steady load
 * from 4 simulated tills, the server sampled every 2 s. File descriptors and the outbox and
 * warehouse lags stay bounded, memory does not run away, and every sale is there once.
 */
let rig: FaultRig;
beforeAll(async () => {
  rig = await FaultRig.create({ tills: 4, saleEveryMs: 200, log: (m) => console.log(m) });
});
afterAll(async () => {
  await rig?.remove();
});

describe('a steady load for a while', () => {
  it('keeps file descriptors, memory and the outbox and warehouse lags bounded, and loses nothing', async () => {
    const count = await soak(rig, { durationMs: 30_000, sampleEveryMs: 2_000, settleMs: 45_000, log: (m) => console.log(m) });
    const { soak: s } = count;
    expect(s.samples).toBeGreaterThanOrEqual(10);
    expect(count.converged, rig.keel.logTail()).toBe(true);
    expect(count.acknowledged).toBeGreaterThan(100);
    expect(count.acknowledged).toBe(count.taken);
    expect(count.lost).toBe(0);
    expect(count.duplicated).toBe(0);
    // Bounded: no descriptor leak (a leaked socket or file per sale would add hundreds), the relay
    // and the loader keep up, and memory stays within a generous envelope of where it started.
    // Connections come and go (a till's request, the pool), so the count moves; it must come back.
    expect(s.fds.last).toBeLessThanOrEqual(s.fds.first + 40);
    expect(s.fds.max).toBeLessThan(s.fds.first + 200);
    expect(s.outboxLag.max).toBeLessThan(500);
    expect(s.warehouseLag.max).toBeLessThan(300);
    expect(s.rssMiB.max).toBeLessThan(Math.max(2 * s.rssMiB.first, s.rssMiB.first + 256));
  }, 180_000);

  it('reports the least-squares slope of the second half per hour', () => {
    const samples = Array.from({ length: 11 }, (_, i) => ({ atS: i * 360, rssMiB: i < 5 ? 100 : 100 + (i - 5) * 2, fds: 30, outboxLag: 0, warehouseLag: 0 }));
    expect(trend(samples, (x) => x.rssMiB)).toEqual({ first: 100, last: 110, max: 110, slopePerHour: 20 });
    expect(trend(samples, (x) => x.fds).slopePerHour).toBe(0);
  });
});
