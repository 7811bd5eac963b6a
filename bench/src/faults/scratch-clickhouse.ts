import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ScratchService } from './fault-services.js';

const MAIN = path.join(path.dirname(fileURLToPath(import.meta.url)), 'clickhouse-http-main.ts');

/**
 * The scenario's own warehouse server (`clickhouse-http-main.ts`: the ClickHouse engine behind
 * ClickHouse's HTTP interface), so a scenario may kill it and start it again on the same port and
 * data directory while Keel runs with `CLICKHOUSE_URL` pointing at it, as in production.
 */
export class ScratchClickHouse extends ScratchService {
  protected readonly startTimeoutMs = 60_000;

  static async start(): Promise<ScratchClickHouse> {
    const { port, dir } = await ScratchService.place('keel-fault-clickhouse-');
    const ch = new ScratchClickHouse(port, dir, `http://127.0.0.1:${port}`);
    await ch.resume();
    return ch;
  }

  protected spawnChild(): ChildProcess {
    const log = openSync(path.join(this.dir, 'server.log'), 'a');
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, String(this.port), path.join(this.dir, 'data')], { stdio: ['ignore', log, log] });
    closeSync(log);
    return child;
  }
}
