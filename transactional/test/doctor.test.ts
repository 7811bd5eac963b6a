import { execFile } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeelConfig } from '../src/config.js';
import { backupDatabase } from '../src/database-backup.js';
import { DiskGuard } from '../src/disk-guard.js';
import { type CheckResult, runDoctor } from '../src/doctor-checks.js';
import { formatReport } from '../src/doctor-command.js';
import { createTestDatabase, tempDataDir, testConfig } from './support/test-env.js';

/**
 * `keel doctor` with each thing broken on purpose: a scratch PostgreSQL cluster started with fsync off
 * and then stopped, synchronous_commit turned off for a database, the clock two hours ahead, a small
 * tmpfs volume filled up, no backup, a certificate about to expire, a NATS that is not there.
 */
const run = promisify(execFile);
const PG_BIN = '/usr/lib/postgresql/15/bin';
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let database: { url: string; drop: () => Promise<void> };
let dir: { dir: string; remove: () => void };
let config: KeelConfig;
const cleanups: Array<() => Promise<void> | void> = [];

const byId = (results: CheckResult[], id: string) => results.find((r) => r.id === id) as CheckResult;
const doctor = (c: KeelConfig, offsetMs = 0) => runDoctor(c, { now: () => Date.now() + offsetMs });

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      srv.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

beforeAll(async () => {
  database = await createTestDatabase();
  dir = tempDataDir();
  config = testConfig({ databaseUrl: database.url, dataDir: dir.dir, nats: true }, { diskMinFreeBytes: 1024 * 1024 });
  mkdirSync(config.dataDir, { recursive: true });
});

afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
  await database?.drop();
  dir?.remove();
});

describe('keel doctor', () => {
  it('passes the checks a healthy server passes, each in plain words', async () => {
    const results = await doctor(config);
    expect(byId(results, 'postgres.reachable').status).toBe('ok');
    expect(byId(results, 'postgres.version').status).toBe('ok');
    expect(byId(results, 'postgres.durability')).toMatchObject({
      status: 'ok',
      detail: expect.stringContaining('fsync, synchronous_commit and full_page_writes are on'),
    });
    expect(byId(results, 'clock.skew').status).toBe('ok');
    expect(byId(results, 'disk.free').status).toBe('ok');
    expect(byId(results, 'nats.jetstream').status).toBe('ok');
    expect(byId(results, 'tls.certificate').status).toBe('ok');
    // Every failure or warning says how to fix it.
    for (const r of results) if (r.status !== 'ok') expect(r.fix, r.id).toBeTruthy();
  });

  it('reports fsync off, then PostgreSQL stopped, on a scratch cluster', async () => {
    const pgdir = mkdtempSync(path.join(os.tmpdir(), 'keel-pgcluster-'));
    cleanups.push(() => rmSync(pgdir, { recursive: true, force: true }));
    const { uid, gid } = await run('id', ['-u', 'postgres']).then(async (u) => ({
      uid: Number(u.stdout),
      gid: Number((await run('id', ['-g', 'postgres'])).stdout),
    }));
    chownSync(pgdir, uid, gid);
    const data = path.join(pgdir, 'data');
    const port = await freePort();
    const asPostgres = (cmd: string, args: string[]) => run('runuser', ['-u', 'postgres', '--', path.join(PG_BIN, cmd), ...args]);
    await asPostgres('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync']);
    await asPostgres('pg_ctl', [
      '-D',
      data,
      '-w',
      '-l',
      path.join(pgdir, 'log'),
      '-o',
      `-p ${port} -k ${pgdir} -c listen_addresses=127.0.0.1 -c fsync=off`,
      'start',
    ]);
    let running = true;
    const stop = async () => {
      if (running) await asPostgres('pg_ctl', ['-D', data, '-w', '-m', 'fast', 'stop']);
      running = false;
    };
    cleanups.push(stop);
    const scratch = { ...config, databaseUrl: `postgres://postgres@127.0.0.1:${port}/postgres` };

    const fsyncOff = byId(await doctor(scratch), 'postgres.durability');
    expect(fsyncOff.status).toBe('fail');
    expect(fsyncOff.detail).toContain('fsync is off');
    expect(fsyncOff.fix).toContain('fsync = on');

    await stop();
    const stopped = await doctor(scratch);
    expect(byId(stopped, 'postgres.reachable')).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining(`cannot connect to 127.0.0.1:${port}/postgres`),
    });
    expect(byId(stopped, 'postgres.reachable').fix).toContain('start PostgreSQL');
    expect(formatReport(stopped)).toMatch(/^FAIL {2}PostgreSQL: cannot connect/m);

    // The command an administrator types: plain words, a fix line, exit status 1.
    const cli = await run(process.execPath, [path.join(REPO, 'transactional/bin/keel.mjs'), 'doctor'], {
      cwd: REPO,
      env: { ...process.env, DATABASE_URL: scratch.databaseUrl, DATA_DIR: config.dataDir, NATS_URL: '' },
    }).then(
      () => ({ code: 0, out: '' }),
      (e) => ({ code: e.code as number, out: String(e.stdout) }),
    );
    expect(cli.code).toBe(1);
    expect(cli.out).toMatch(/^FAIL {2}PostgreSQL: cannot connect to 127\.0\.0\.1:\d+\/postgres/m);
    expect(cli.out).toMatch(/^ {6}fix: start PostgreSQL/m);
    expect(cli.out).toMatch(/checks fail\.$/m);
  });

  it('reports synchronous_commit turned off for the database', async () => {
    const c = new pg.Client({ connectionString: database.url });
    await c.connect();
    const name = new URL(database.url).pathname.slice(1);
    await c.query(`ALTER DATABASE ${name} SET synchronous_commit = off`);
    await c.end();
    try {
      const r = byId(await doctor(config), 'postgres.durability');
      expect(r.status).toBe('fail');
      expect(r.detail).toContain('synchronous_commit is off');
    } finally {
      const d = new pg.Client({ connectionString: database.url });
      await d.connect();
      await d.query(`ALTER DATABASE ${name} RESET synchronous_commit`);
      await d.end();
    }
  });

  it('reports a clock two hours ahead', async () => {
    const r = byId(await doctor(config, 2 * 3_600_000), 'clock.skew');
    expect(r.status).toBe('fail');
    expect(r.detail).toMatch(/clock is 7\d{3} s ahead of PostgreSQL's/);
  });

  it('on a nearly full volume: doctor fails the disk check and backups are refused with storage.low', async () => {
    const mnt = mkdtempSync(path.join(os.tmpdir(), 'keel-smallvol-'));
    await run('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', mnt]);
    cleanups.push(async () => {
      await run('umount', [mnt]);
      rmSync(mnt, { recursive: true, force: true });
    });
    const small = { ...config, dataDir: path.join(mnt, 'data'), backupDir: path.join(mnt, 'data/backups'), diskMinFreeBytes: 4 * 1024 * 1024 };
    mkdirSync(small.dataDir);
    expect(byId(await doctor(small), 'disk.free').status).toBe('ok');

    writeFileSync(path.join(small.dataDir, 'filler'), Buffer.alloc(13 * 1024 * 1024));
    const r = byId(await doctor(small), 'disk.free');
    expect(r.status).toBe('fail');
    expect(r.detail).toContain('Keel refuses uploads and backups');
    expect(r.fix).toContain('free space');

    const alerts: string[] = [];
    const guard = new DiskGuard(small.dataDir, small.diskMinFreeBytes, (_space, what) => alerts.push(what));
    await expect(
      backupDatabase({ kind: 'postgresql', url: database.url }, small.backupDir, { reason: 'manual', schemaVersion: 1, guard }),
    ).rejects.toMatchObject({ code: 'storage.low', status: 507, detail: expect.stringContaining('a backup refused') });
    expect(alerts).toEqual(['a backup']);
  });

  it('reports no backup, then a fresh verified one, then one too old', async () => {
    expect(byId(await doctor(config), 'backup.age')).toMatchObject({ status: 'fail', detail: expect.stringContaining('no verified backup') });
    await backupDatabase({ kind: 'postgresql', url: database.url }, config.backupDir, {
      reason: 'manual',
      schemaVersion: 0,
      guard: new DiskGuard(config.dataDir, 0),
    });
    expect(byId(await doctor(config), 'backup.age').status).toBe('ok');
    expect(byId(await doctor(config, 3 * 86_400_000), 'backup.age')).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/last verified backup 7\d h ago/),
    });
  });

  it('reports a certificate about to expire and a NATS that does not answer', async () => {
    const cert = path.join(dir.dir, 'cert.pem');
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      path.join(dir.dir, 'key.pem'),
      '-out',
      cert,
      '-days',
      '3',
      '-subj',
      '/CN=keel.store.lan',
    ]);
    const port = await freePort();
    const broken = { ...config, tlsCertFile: cert, natsUrl: `nats://127.0.0.1:${port}` };
    const results = await doctor(broken);
    expect(byId(results, 'tls.certificate')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/CN=keel\.store\.lan.*in 2 days/) });
    expect(byId(results, 'nats.jetstream')).toMatchObject({ status: 'fail', detail: expect.stringContaining(`cannot connect to nats://127.0.0.1:${port}`) });
  });
});
