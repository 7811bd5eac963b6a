import type { FaultCount, FaultRig } from './fault-rig.js';
import type { ScratchPostgres } from './scratch-postgres.js';
import type { SmallVolume } from './small-volume.js';

/**
 * Scenario 7: the data volume full under checkout load. The scenario's PostgreSQL cluster and the
 * server's data directory (chDB warehouse, files) live on a small volume of the scenario's own;
 * it is filled to within `leaveBytes` for `fullMs`, then the space comes back. While it is full
 * checkout must answer quickly with a clear problem (503 `storage.full` with Retry-After), never
 * hang or answer 500; the tills journal; afterwards everything converges with nothing lost or doubled.
 * PostgreSQL itself shuts down when it cannot write WAL (a PANIC, then crash recovery that fails for
 * lack of space); once space is back the scenario starts it again, as the operator or systemd would,
 * and counts those restarts (`postgresRestarts`).
 */
export async function diskFull(
  rig: FaultRig,
  volume: SmallVolume,
  cluster: ScratchPostgres,
  fields: { fills: number; fullMs: number; leaveBytes?: number; log: (m: string) => void; settleMs?: number },
): Promise<FaultCount> {
  rig.startSelling();
  const from = Date.now();
  let ackedWhileFull = 0;
  let refusedWhileFull = 0;
  let postgresRestarts = 0;
  const refusals = () => rig.tills.reduce((s, t) => s + [...t.refusalCodes.values()].reduce((a, b) => a + b, 0), 0);
  for (let n = 1; n <= fields.fills; n++) {
    await sleep(1_500);
    await volume.fill(fields.leaveBytes ?? 256 * 1024);
    const acked = rig.acknowledgedTotal();
    const refused = refusals();
    fields.log(`volume full (${n}/${fields.fills}): ${volume.freeBytes()} bytes free, for ${fields.fullMs} ms`);
    await sleep(fields.fullMs);
    ackedWhileFull += rig.acknowledgedTotal() - acked;
    refusedWhileFull += refusals() - refused;
    await volume.release();
    if (!(await cluster.isUp())) {
      postgresRestarts++;
      fields.log('PostgreSQL shut itself down while the volume was full (WAL could not be written): starting it again');
      await cluster.resume();
    }
    fields.log(`space back: ${volume.freeBytes()} bytes free; while full ${rig.acknowledgedTotal() - acked} acknowledged, ${refusals() - refused} refused`);
  }
  await sleep(1_000);
  const to = Date.now();
  const refusalCodes: Record<string, number> = {};
  for (const t of rig.tills) for (const [k, v] of t.refusalCodes) refusalCodes[k] = (refusalCodes[k] ?? 0) + v;
  return rig.settle('disk-full', {
    runs: fields.fills,
    faultEndedAt: to,
    faultWindow: [from, to],
    timeoutMs: fields.settleMs ?? 120_000,
    notes: { fullMs: fields.fullMs, ackedWhileFull, refusedWhileFull, refusalCodes, postgresRestarts },
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
