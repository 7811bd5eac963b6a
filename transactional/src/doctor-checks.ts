import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import type { KeelConfig } from './config.js';
import { listBackups } from './database-backup.js';
import { diskSpace, formatBytes } from './disk-guard.js';

const run = promisify(execFile);

export type CheckStatus = 'ok' | 'warn' | 'fail';

/** One thing a store's server needs, in plain words, with the fix when it is not right. */
export interface CheckResult {
  readonly id: string;
  readonly title: string;
  readonly status: CheckStatus;
  readonly detail: string;
  readonly fix?: string;
}

export interface DoctorDeps {
  /** This machine's clock (tests move it). */
  readonly now: () => number;
  /** Largest tolerated clock difference with PostgreSQL's, ms. */
  readonly maxClockSkewMs?: number;
  /** Oldest acceptable verified backup, hours. */
  readonly maxBackupAgeHours?: number;
}

const ok = (id: string, title: string, detail: string): CheckResult => ({ id, title, status: 'ok', detail });
const bad = (status: 'warn' | 'fail', id: string, title: string, detail: string, fix: string): CheckResult => ({ id, title, status, detail, fix });

async function withPostgres<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000, statement_timeout: 5000 });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => {});
  }
}

async function postgresChecks(config: KeelConfig, deps: DoctorDeps): Promise<CheckResult[]> {
  const url = config.databaseUrl;
  if (!url) {
    return [
      bad(
        'warn',
        'postgres.reachable',
        'PostgreSQL',
        `not configured: Keel uses its embedded PostgreSQL (PGlite) under ${path.join(config.dataDir, 'postgres')}, fine for trying Keel, not for a store`,
        'install PostgreSQL 15+ (apt-get install postgresql), create a database and user for Keel and set DATABASE_URL in /etc/keel/keel.env',
      ),
    ];
  }
  const where = (() => {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 5432}${u.pathname}`;
  })();
  let facts: {
    version: number;
    versionText: string;
    fsync: string;
    syncCommit: string;
    fullPageWrites: string;
    dbNow: number;
    dbBytes: number;
    firstSale: number | null;
  };
  try {
    facts = await withPostgres(url, async (c) => {
      const settings = await c.query<{ name: string; setting: string }>(
        "SELECT name, setting FROM pg_settings WHERE name IN ('server_version_num', 'server_version', 'fsync', 'synchronous_commit', 'full_page_writes')",
      );
      const s = Object.fromEntries(settings.rows.map((r) => [r.name, r.setting]));
      const t = await c.query<{ now: Date; bytes: string }>('SELECT clock_timestamp() AS now, pg_database_size(current_database()) AS bytes');
      const [clock] = t.rows;
      if (!clock) throw new Error('PostgreSQL returned no row');
      let firstSale: number | null = null;
      try {
        const f = await c.query<{ first: Date | null }>('SELECT min(recorded_at) AS first FROM sales');
        firstSale = f.rows[0]?.first ? (f.rows[0].first as Date).getTime() : null;
      } catch {
        // no sales table yet (never started)
      }
      return {
        version: Number(s.server_version_num),
        versionText: String(s.server_version),
        fsync: String(s.fsync),
        syncCommit: String(s.synchronous_commit),
        fullPageWrites: String(s.full_page_writes),
        dbNow: clock.now.getTime(),
        dbBytes: Number(clock.bytes),
        firstSale,
      };
    });
  } catch (e) {
    return [
      bad(
        'fail',
        'postgres.reachable',
        'PostgreSQL',
        `cannot connect to ${where}: ${(e as Error).message}`,
        'start PostgreSQL (systemctl start postgresql) and check DATABASE_URL in /etc/keel/keel.env; pg_isready -h HOST -p PORT tells whether it answers',
      ),
    ];
  }
  const results: CheckResult[] = [ok('postgres.reachable', 'PostgreSQL', `answers at ${where}`)];
  results.push(
    facts.version >= 150000
      ? ok('postgres.version', 'PostgreSQL version', `${facts.versionText} (15 or newer needed)`)
      : bad(
          'fail',
          'postgres.version',
          'PostgreSQL version',
          `${facts.versionText}: Keel needs 15 or newer`,
          'upgrade PostgreSQL (pg_upgradecluster on Debian), then restart Keel',
        ),
  );
  const unsafe = [
    facts.fsync !== 'on' && `fsync is ${facts.fsync}`,
    !['on', 'remote_apply', 'remote_write'].includes(facts.syncCommit) && `synchronous_commit is ${facts.syncCommit}`,
    facts.fullPageWrites !== 'on' && `full_page_writes is ${facts.fullPageWrites}`,
  ].filter((x): x is string => typeof x === 'string');
  results.push(
    unsafe.length === 0
      ? ok('postgres.durability', 'PostgreSQL durability', 'fsync, synchronous_commit and full_page_writes are on: a sale acknowledged is on disk')
      : bad(
          'fail',
          'postgres.durability',
          'PostgreSQL durability',
          `${unsafe.join(', ')}: a power cut can lose sales the tills were told are saved, or corrupt the database`,
          'set fsync = on, synchronous_commit = on and full_page_writes = on in postgresql.conf (and remove any ALTER DATABASE/ROLE ... SET synchronous_commit), then reload PostgreSQL',
        ),
  );
  const skew = deps.now() - facts.dbNow;
  const maxSkew = deps.maxClockSkewMs ?? 30_000;
  results.push(
    Math.abs(skew) <= maxSkew
      ? ok('clock.skew', 'Clock', `within ${Math.round(Math.abs(skew))} ms of PostgreSQL's clock`)
      : bad(
          'fail',
          'clock.skew',
          'Clock',
          `this machine's clock is ${Math.round(Math.abs(skew) / 1000)} s ${skew > 0 ? 'ahead of' : 'behind'} PostgreSQL's: sales would be dated wrongly and business days cut at the wrong time`,
          'synchronise both machines with NTP (apt-get install systemd-timesyncd or chrony; timedatectl set-ntp true), then check timedatectl status',
        ),
  );
  results.push(...(await diskChecks(config, facts.dbBytes, facts.firstSale, deps)));
  results.push(...(await outboxChecks(url, deps)));
  return results;
}

async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += await dirBytes(p);
    else if (e.isFile()) total += (await stat(p)).size;
  }
  return total;
}

async function diskChecks(config: KeelConfig, dbBytes: number, firstSale: number | null, deps: DoctorDeps): Promise<CheckResult[]> {
  let space: Awaited<ReturnType<typeof diskSpace>>;
  try {
    space = await diskSpace(existsSync(config.dataDir) ? config.dataDir : path.dirname(config.dataDir), config.diskMinFreeBytes);
  } catch (e) {
    return [
      bad(
        'fail',
        'disk.free',
        'Disk space',
        `cannot read ${config.dataDir}: ${(e as Error).message}`,
        'create the data directory (npx keel service install does)',
      ),
    ];
  }
  const used = dbBytes + (await dirBytes(config.dataDir));
  const days = firstSale === null ? 0 : (deps.now() - firstSale) / 86_400_000;
  const perDay = days >= 1 ? used / days : null;
  const growth =
    perDay === null
      ? 'not enough history yet to say how long it lasts'
      : `about ${formatBytes(perDay)} a day: ${Math.floor(Math.max(0, space.freeBytes - config.diskMinFreeBytes) / Math.max(perDay, 1))} days left at this rate`;
  const detail = `${formatBytes(space.freeBytes)} free of ${formatBytes(space.totalBytes)} on the volume of ${config.dataDir}; ${growth}`;
  if (space.low) {
    return [
      bad(
        'fail',
        'disk.free',
        'Disk space',
        `${detail}. Under the floor of ${formatBytes(config.diskMinFreeBytes)}: Keel refuses uploads and backups`,
        'free space (old backups in BACKUP_DIR, journalctl --vacuum-size=200M, apt-get clean) or grow the volume; move backups to another disk',
      ),
    ];
  }
  if (perDay !== null && space.freeBytes / perDay < 90) {
    return [bad('warn', 'disk.free', 'Disk space', detail, 'plan a bigger volume within the next weeks, or move backups elsewhere')];
  }
  return [ok('disk.free', 'Disk space', detail)];
}

async function outboxChecks(url: string, deps: DoctorDeps): Promise<CheckResult[]> {
  try {
    const r = await withPostgres(url, (c) =>
      c.query<{ n: number; oldest: Date | null }>('SELECT count(*)::int AS n, min(created_at) AS oldest FROM outbox WHERE published_at IS NULL'),
    );
    const row = r.rows[0] as { n: number; oldest: Date | null };
    const ageS = row.oldest ? Math.round((deps.now() - row.oldest.getTime()) / 1000) : 0;
    if (row.n > 0 && ageS > 300) {
      return [
        bad(
          'fail',
          'outbox.lag',
          'Outbox',
          `${row.n} sale events wait to leave PostgreSQL, the oldest for ${ageS} s: dashboards are behind (no sale is lost)`,
          'check that Keel runs (keel service status) and that NATS answers; the log says "outbox relay failed" with the reason',
        ),
      ];
    }
    return [ok('outbox.lag', 'Outbox', row.n === 0 ? 'every sale event has left PostgreSQL' : `${row.n} events waiting, the oldest for ${ageS} s`)];
  } catch (e) {
    return [
      bad('warn', 'outbox.lag', 'Outbox', `could not read the outbox: ${(e as Error).message}`, 'run Keel once so it creates its tables (npx keel migrate)'),
    ];
  }
}

async function natsChecks(config: KeelConfig): Promise<CheckResult[]> {
  if (!config.natsUrl) {
    return [
      bad(
        'warn',
        'nats.jetstream',
        'NATS JetStream',
        'not configured: events go through the in-process bus (fine on one machine; the outbox keeps them when the warehouse is down)',
        'for a chain or HQ: apt-get install nats-server, run it with -js, and set NATS_URL',
      ),
    ];
  }
  let nc: Awaited<ReturnType<typeof connect>> | undefined;
  try {
    nc = await connect({ servers: config.natsUrl, name: 'keel-doctor', timeout: 3000, maxReconnectAttempts: 0 });
  } catch (e) {
    return [
      bad(
        'fail',
        'nats.jetstream',
        'NATS JetStream',
        `cannot connect to ${config.natsUrl}: ${(e as Error).message}`,
        'start nats-server with JetStream (-js) and check NATS_URL',
      ),
    ];
  }
  try {
    const jsm = await jetstreamManager(nc, { timeout: 3000 });
    const results: CheckResult[] = [ok('nats.jetstream', 'NATS JetStream', `answers at ${config.natsUrl} with JetStream on`)];
    try {
      const info = await jsm.consumers.info(config.natsStream, config.natsConsumer);
      const pending = info.num_pending + info.num_ack_pending;
      results.push(
        pending > 0 && info.num_waiting === 0
          ? bad(
              'fail',
              'loader.lag',
              'Warehouse loader',
              `${pending} events wait in NATS and no loader is pulling them: dashboards are behind`,
              'start Keel (keel service status); if it runs, its log says "warehouse loader failed" with the reason',
            )
          : ok('loader.lag', 'Warehouse loader', `${pending} events waiting for the warehouse`),
      );
    } catch {
      results.push(
        bad(
          'warn',
          'loader.lag',
          'Warehouse loader',
          `no consumer ${config.natsConsumer} on stream ${config.natsStream} yet`,
          'start Keel once: it creates them',
        ),
      );
    }
    return results;
  } catch (e) {
    return [
      bad(
        'fail',
        'nats.jetstream',
        'NATS JetStream',
        `${config.natsUrl} answers but JetStream does not: ${(e as Error).message}`,
        'restart nats-server with -js (JetStream) and a store directory (-sd)',
      ),
    ];
  } finally {
    await nc.close();
  }
}

async function warehouseCheck(config: KeelConfig): Promise<CheckResult> {
  if (config.clickhouseUrl) {
    try {
      const res = await fetch(new URL('/ping', config.clickhouseUrl), { signal: AbortSignal.timeout(3000) });
      if (res.ok) return ok('warehouse', 'Warehouse', `ClickHouse answers at ${new URL(config.clickhouseUrl).host}`);
      throw new Error(`HTTP ${res.status}`);
    } catch (e) {
      return bad('fail', 'warehouse', 'Warehouse', `ClickHouse does not answer: ${(e as Error).message}`, 'start clickhouse-server and check CLICKHOUSE_URL');
    }
  }
  const dir = path.join(config.dataDir, 'warehouse');
  if (!existsSync(dir)) return bad('warn', 'warehouse', 'Warehouse', `chDB directory ${dir} does not exist yet`, 'start Keel once: it creates it');
  return ok('warehouse', 'Warehouse', `chDB (embedded ClickHouse) under ${dir}, ${formatBytes(await dirBytes(dir))}`);
}

async function ntpCheck(): Promise<CheckResult> {
  try {
    const { stdout } = await run('timedatectl', ['show', '--property=NTPSynchronized', '--value'], { timeout: 3000 });
    if (stdout.trim() === 'yes') return ok('clock.ntp', 'Clock synchronisation', 'NTP keeps this clock synchronised');
    return bad(
      'fail',
      'clock.ntp',
      'Clock synchronisation',
      'this clock is not synchronised by NTP',
      'timedatectl set-ntp true (needs systemd-timesyncd or chrony)',
    );
  } catch {
    return bad(
      'warn',
      'clock.ntp',
      'Clock synchronisation',
      'cannot tell (timedatectl is not available: no systemd here)',
      'run chrony or ntpd and check chronyc tracking',
    );
  }
}

function certificateCheck(config: KeelConfig, deps: DoctorDeps): CheckResult {
  if (!config.tlsCertFile)
    return ok(
      'tls.certificate',
      'Certificate',
      config.httpsPort === null
        ? 'none: HTTPS_PORT is off, tills reach Keel over plain HTTP (no offline checkout outside localhost)'
        : "Keel's own CA (DATA_DIR/tls), renewed by Keel; devices trust it from /trust",
    );
  try {
    const cert = new X509Certificate(readFileSync(config.tlsCertFile));
    const days = Math.floor((Date.parse(cert.validTo) - deps.now()) / 86_400_000);
    const detail = `${config.tlsCertFile} (${cert.subject.replace(/\n/g, ', ')}) expires ${cert.validTo}, in ${days} days`;
    if (days < 7) return bad('fail', 'tls.certificate', 'Certificate', detail, 'renew it now (certbot renew, or your CA), then reload the proxy');
    if (days < 30) return bad('warn', 'tls.certificate', 'Certificate', detail, 'renew it within the month');
    return ok('tls.certificate', 'Certificate', detail);
  } catch (e) {
    return bad(
      'fail',
      'tls.certificate',
      'Certificate',
      `cannot read ${config.tlsCertFile}: ${(e as Error).message}`,
      'point TLS_CERT_FILE at the PEM certificate the tills see',
    );
  }
}

function backupCheck(config: KeelConfig, deps: DoctorDeps): CheckResult {
  const verified = listBackups(config.backupDir).filter((b) => b.verifiedAt);
  const last = verified.at(-1);
  const maxHours = deps.maxBackupAgeHours ?? 26;
  if (!last) {
    return bad(
      'fail',
      'backup.age',
      'Backups',
      `no verified backup in ${config.backupDir}`,
      'take one now (npx keel backup, see docs/operations.md "Backup and restore") and schedule it daily',
    );
  }
  const hours = (deps.now() - Date.parse(last.verifiedAt as string)) / 3_600_000;
  const detail = `last verified backup ${Math.round(hours)} h ago: ${last.file}`;
  return hours <= maxHours ? ok('backup.age', 'Backups', detail) : bad('fail', 'backup.age', 'Backups', detail, 'check the daily backup job; take one now');
}

/** Every check, in the order an administrator reads them. Never throws: a broken thing is a failed check. */
export async function runDoctor(config: KeelConfig, deps: DoctorDeps): Promise<CheckResult[]> {
  const [pgResults, nats, warehouse, ntp] = await Promise.all([postgresChecks(config, deps), natsChecks(config), warehouseCheck(config), ntpCheck()]);
  const results = [...pgResults];
  if (!results.some((r) => r.id === 'disk.free')) results.push(...(await diskChecks(config, 0, null, deps)));
  const clock = results.findIndex((r) => r.id === 'clock.skew');
  results.splice(clock >= 0 ? clock + 1 : results.length, 0, ntp);
  return [...results, ...nats, warehouse, certificateCheck(config, deps), backupCheck(config, deps)];
}
