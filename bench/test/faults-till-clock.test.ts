import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultRig } from '../src/faults/fault-rig.js';
import { eveningTimeZone, TILL_CLOCK_OFFSETS_MS, tillClock } from '../src/faults/till-clock.js';

/**
 * The short form of `npm run bench -- faults --scenario till-clock`: 4 simulated tills whose clocks
 * are 5 h ahead, 7 h behind, right and 22 h behind, in a store where it is about 21:00, sell for 8 s,
 * each in a cash session. Every sale keeps its till time and the server's receipt time; its business
 * day is the day of its till time in the store's zone, the same in PostgreSQL and the warehouse;
 * per-day figures agree exactly; each till's X and Z reports hold exactly its sales.
 */
const timeZone = eveningTimeZone();
let rig: FaultRig;
beforeAll(async () => {
  rig = await FaultRig.create({ tills: 4, saleEveryMs: 40, log: (m) => console.log(m), clockOffsetsMs: TILL_CLOCK_OFFSETS_MS, timeZone });
});
afterAll(async () => {
  await rig?.remove();
});

describe('tills whose clocks are hours off', () => {
  it('file each sale on its till-time business day everywhere, and every cash report holds its till’s sales', async () => {
    const count = await tillClock(rig, { sellMs: 8_000, timeZone, settleMs: 60_000, log: (m) => console.log(m) });
    expect(count.acknowledged).toBeGreaterThan(50);
    expect(count.acknowledged).toBe(count.taken);
    expect(count.conflicts).toBe(0);
    expect(count.lost).toBe(0);
    expect(count.duplicated).toBe(0);
    // Three business days: yesterday (22 h behind), today (right, 7 h behind), tomorrow (5 h ahead).
    expect(Object.keys(count.notes.dayFigures as object)).toHaveLength(3);
    expect(count.notes.clockNotKept).toBe(0);
    expect(count.notes.ruleBroken).toBe(0);
    expect(count.notes.daysDisagree, JSON.stringify(count.notes.dayFigures)).toBe(0);
    expect(count.notes.cashReportsDisagree, JSON.stringify(count.notes.cashReports)).toBe(0);
    expect(count.converged).toBe(true);
  }, 180_000);
});
