import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openWarehouse, type Warehouse } from '@keel/warehouse';

/** A migrated chDB warehouse on a scratch directory; `dispose` closes and removes it. One per process. */
export async function tempWarehouse(name: string): Promise<{ wh: Warehouse; dir: string; dispose: () => Promise<void> }> {
  const dir = mkdtempSync(path.join(tmpdir(), `keel-bench-${name}-`));
  const wh = await openWarehouse({ dataDir: dir });
  await wh.migrate();
  return {
    wh,
    dir,
    dispose: async () => {
      await wh.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Rows and compressed bytes on disk of every table with active parts. */
export async function tableSizes(wh: Warehouse): Promise<Array<{ table: string; rows: number; bytes: number }>> {
  return wh.query<{ table: string; rows: number; bytes: number }>(
    `SELECT table, sum(rows) AS rows, sum(bytes_on_disk) AS bytes FROM system.parts
WHERE active AND database = currentDatabase() GROUP BY table ORDER BY bytes DESC`,
  );
}

/** The p-th percentile (0..100) of a sample, nearest rank. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}
