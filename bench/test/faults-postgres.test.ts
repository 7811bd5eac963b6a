import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultRig } from '../src/faults/fault-rig.js';
import { postgresKill, postgresRestart } from '../src/faults/postgres-faults.js';
import { ScratchPostgres } from '../src/faults/scratch-postgres.js';

/**
 * Short forms of `npm run bench -- faults --scenario postgres-restart` and `postgres-kill`, on a
 * PostgreSQL cluster of this file's own (never the shared one): a fast restart under load answers
 * 503 + Retry-After quickly and loses nothing; a kill -9 (power cut) keeps every acknowledged sale.
 */
let cluster: ScratchPostgres;
let rig: FaultRig;
beforeAll(async () => {
  cluster = await ScratchPostgres.start();
  rig = await FaultRig.create({ tills: 4, saleEveryMs: 40, log: (m) => console.log(m) }, cluster.url);
});
afterAll(async () => {
  await rig?.remove();
  await cluster?.remove();
});

describe('PostgreSQL failing under checkout load', () => {
  it('restart: the API answers 503 with Retry-After without hanging, and no sale is lost or doubled', async () => {
    const count = await postgresRestart(rig, cluster, { restarts: 2, settleMs: 60_000, log: (m) => console.log(m) });
    expect(count.converged, rig.keel.logTail()).toBe(true);
    expect(count.acknowledged).toBe(count.taken);
    expect(count.conflicts).toBe(0);
    expect(count.lost).toBe(0);
    expect(count.duplicated).toBe(0);
    // Every 503 carried Retry-After, and no answer hung (the tills give up on a request after 10 s).
    expect(count.notes.refusalsWithoutRetryAfter).toBe(0);
    expect(count.notes.slowestRefusalMs as number).toBeLessThan(10_000);
  }, 180_000);

  it('kill -9 (power cut): after crash recovery every acknowledged sale is there, once', async () => {
    const count = await postgresKill(rig, cluster, { kills: 2, downMs: 2_000, settleMs: 60_000, log: (m) => console.log(m) });
    expect(count.converged, rig.keel.logTail()).toBe(true);
    expect(count.acknowledged).toBe(count.taken);
    expect(count.conflicts).toBe(0);
    expect(count.lost).toBe(0);
    expect(count.duplicated).toBe(0);
  }, 180_000);
});
