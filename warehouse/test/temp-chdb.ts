import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openWarehouse, type Warehouse } from '../src/index.js';

/**
 * A chDB warehouse on a fresh data directory under the OS temp dir, migrated.
 * chDB allows one data directory per process: open one per test file and share it.
 */
export async function openTempChdb(name: string): Promise<{ wh: Warehouse; dispose: () => Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), `keel-warehouse-${name}-`));
  const wh = await openWarehouse({ dataDir });
  await wh.migrate();
  return {
    wh,
    dispose: async () => {
      await wh.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
