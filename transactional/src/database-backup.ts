import { execFile } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { DiskGuard } from './disk-guard.js';

const run = promisify(execFile);

export interface BackupRecord {
  readonly file: string;
  readonly kind: 'pg_dump' | 'pglite';
  readonly reason: string;
  readonly schemaVersion: number;
  readonly bytes: number;
  readonly takenAt: string;
  /** Set when the backup was read back in full (pg_restore --list, or a PGlite archive re-read). */
  readonly verifiedAt: string | null;
}

const MANIFEST = 'backups.jsonl';

/** Where a PostgreSQL database can be dumped from: pg_dump for a server, PGlite's own dump for the embedded one. */
export type BackupSource = { kind: 'postgresql'; url: string } | { kind: 'pglite'; dumpDataDir: () => Promise<Blob> };

/**
 * Take a full backup of the transactional database into `dir`, check it can be read back, and list
 * it in `dir/backups.jsonl` (which `keel doctor` reads for the age of the last verified backup).
 * Refused with storage.low when the data volume is nearly full.
 */
export async function backupDatabase(
  source: BackupSource,
  dir: string,
  opts: { reason: string; schemaVersion: number; guard: DiskGuard; now?: () => Date },
): Promise<BackupRecord> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  await opts.guard.ensureRoom('a backup');
  const now = opts.now ?? (() => new Date());
  const stamp = now().toISOString().replace(/[:.]/g, '-');
  let file: string;
  let kind: BackupRecord['kind'];
  if (source.kind === 'postgresql') {
    kind = 'pg_dump';
    file = path.join(dir, `keel-${opts.reason}-v${opts.schemaVersion}-${stamp}.dump`);
    // The URL goes through the environment, never the command line (ps would show a password).
    await run('pg_dump', ['--format=custom', '--no-owner', `--file=${file}`], { env: { ...pgEnv(source.url), PATH: process.env.PATH ?? '/usr/bin:/bin' } });
    await run('pg_restore', ['--list', file]);
  } else {
    kind = 'pglite';
    file = path.join(dir, `keel-${opts.reason}-v${opts.schemaVersion}-${stamp}.tar.gz`);
    const blob = await source.dumpDataDir();
    const bytes = Buffer.from(await blob.arrayBuffer());
    writeFileSync(file, bytes, { mode: 0o600 });
    if (readFileSync(file).length !== bytes.length) throw new Error(`backup ${file} was not written in full`);
  }
  const record: BackupRecord = {
    file,
    kind,
    reason: opts.reason,
    schemaVersion: opts.schemaVersion,
    bytes: statSync(file).size,
    takenAt: now().toISOString(),
    verifiedAt: now().toISOString(),
  };
  appendFileSync(path.join(dir, MANIFEST), `${JSON.stringify(record)}\n`, { mode: 0o600 });
  return record;
}

/** The backups listed in `dir`, newest last; an unreadable line is skipped. */
export function listBackups(dir: string): BackupRecord[] {
  let text: string;
  try {
    text = readFileSync(path.join(dir, MANIFEST), 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as BackupRecord];
      } catch {
        return [];
      }
    });
}

/** libpq environment for a postgres:// URL (PGPASSWORD stays out of argv). */
export function pgEnv(url: string): Record<string, string> {
  const u = new URL(url);
  const env: Record<string, string> = { PGHOST: u.hostname, PGPORT: u.port || '5432', PGDATABASE: decodeURIComponent(u.pathname.slice(1)) };
  if (u.username) env.PGUSER = decodeURIComponent(u.username);
  if (u.password) env.PGPASSWORD = decodeURIComponent(u.password);
  const sslmode = u.searchParams.get('sslmode');
  if (sslmode) env.PGSSLMODE = sslmode;
  return env;
}
