import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { PostgresServer } from './scratch-database.js';

export interface PgbenchRun {
  readonly clients: number;
  readonly seconds: number;
  readonly tps: number;
  readonly transactions: number;
  readonly failed: number;
  readonly latencyAvgMs: number;
}

export interface PgbenchOptions {
  readonly server: PostgresServer;
  readonly database: string;
  readonly clients: number;
  readonly seconds: number;
  /** The custom script (pgbench's `-f`), one transaction of it per loop. */
  readonly script: string;
  /** Query protocol; `extended` matches node-postgres (unnamed parse/bind/execute). */
  readonly protocol?: 'simple' | 'extended' | 'prepared';
}

const PGBENCH = process.env.PGBENCH ?? '/usr/bin/pgbench';

/** Run pgbench with a custom script over TCP, without vacuum or init, and read its summary. */
export async function runPgbench(options: PgbenchOptions): Promise<PgbenchRun> {
  const dir = mkdtempSync(path.join(tmpdir(), 'keel-pgbench-'));
  const scriptFile = path.join(dir, 'script.sql');
  writeFileSync(scriptFile, options.script);
  const args = [
    '-n',
    '-c',
    String(options.clients),
    '-j',
    String(Math.min(2, options.clients)),
    '-T',
    String(options.seconds),
    '-M',
    options.protocol ?? 'extended',
    '-f',
    scriptFile,
    '-h',
    options.server.host,
    '-p',
    String(options.server.port),
    '-U',
    options.server.user,
    options.database,
  ];
  try {
    const { code, stdout, stderr } = await run(PGBENCH, args);
    if (code !== 0) throw new Error(`pgbench exited with ${code}\n${stderr.slice(-2000)}`);
    const num = (re: RegExp, fallback?: number) => {
      const m = re.exec(stdout);
      if (m?.[1] !== undefined) return Number(m[1]);
      if (fallback !== undefined) return fallback;
      throw new Error(`pgbench output without ${re}:\n${stdout}`);
    };
    return {
      clients: options.clients,
      seconds: options.seconds,
      tps: num(/^tps = ([\d.]+)/m),
      transactions: num(/number of transactions actually processed: (\d+)/),
      failed: num(/number of failed transactions: (\d+)/, 0),
      latencyAvgMs: num(/latency average = ([\d.]+) ms/),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function run(cmd: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}
