import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { systemdUnit } from './systemd-unit.js';

/** `npx keel service install|uninstall|status`: Keel as a systemd service (or a scratch root for tests). */
export interface ServiceLayout {
  /** Everything is written under this root ('/' for the real machine). */
  readonly root: string;
  readonly user: string;
  readonly keelDir: string;
  readonly node: string;
  readonly dataDir: string;
  readonly configDir: string;
  readonly unitPath: string;
}

const KEEL_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export function serviceLayout(args: string[]): { layout: ServiceLayout; purge: boolean } {
  const { values } = parseArgs({
    args,
    options: {
      root: { type: 'string', default: '/' },
      user: { type: 'string', default: 'keel' },
      'keel-dir': { type: 'string', default: KEEL_DIR },
      node: { type: 'string', default: process.execPath },
      'data-dir': { type: 'string', default: '/var/lib/keel' },
      'config-dir': { type: 'string', default: '/etc/keel' },
      purge: { type: 'boolean', default: false },
    },
  });
  if (!/^[a-z_][a-z0-9_-]{0,31}$/.test(values.user)) throw new ServiceError('--user must be a valid system user name');
  for (const [k, v] of [
    ['--data-dir', values['data-dir']],
    ['--config-dir', values['config-dir']],
    ['--keel-dir', values['keel-dir']],
  ] as const) {
    if (!path.isAbsolute(v)) throw new ServiceError(`${k} must be an absolute path`);
  }
  return {
    layout: {
      root: path.resolve(values.root),
      user: values.user,
      keelDir: values['keel-dir'],
      node: values.node,
      dataDir: values['data-dir'],
      configDir: values['config-dir'],
      unitPath: '/etc/systemd/system/keel.service',
    },
    purge: values.purge,
  };
}

export class ServiceError extends Error {}

type Out = (line: string) => void;
const under = (l: ServiceLayout, p: string) => path.join(l.root, p);
const isRealRoot = (l: ServiceLayout) => l.root === '/';
const systemdRuns = (l: ServiceLayout) => isRealRoot(l) && existsSync('/run/systemd/system');

function userIds(l: ServiceLayout): { uid: number; gid: number } | undefined {
  let passwd: string;
  try {
    passwd = readFileSync(under(l, '/etc/passwd'), 'utf8');
  } catch {
    return undefined;
  }
  const line = passwd.split('\n').find((x) => x.startsWith(`${l.user}:`));
  if (!line) return undefined;
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

function prefixArgs(l: ServiceLayout): string[] {
  return isRealRoot(l) ? [] : ['--prefix', l.root];
}

function configTemplate(l: ServiceLayout): string {
  return `# Keel configuration (read by systemd; mode 0600, owner root). See ${l.keelDir}/README.md for every variable.
# After a change: systemctl restart keel
HOST=0.0.0.0
PORT=8080
DATA_DIR=${l.dataDir}
BACKUP_DIR=${path.posix.join(l.dataDir, 'backups')}
LOG_LEVEL=info
# Refuse uploads and backups when less than this is free on the data volume.
DISK_MIN_FREE_MB=2048
SHUTDOWN_TIMEOUT_MS=8000
# Production backends (unset = embedded PGlite, in-process bus, chDB under DATA_DIR):
#DATABASE_URL=postgres://keel:PASSWORD@127.0.0.1:5432/keel
#NATS_URL=nats://127.0.0.1:4222
#CLICKHOUSE_URL=http://127.0.0.1:8123
#TLS_CERT_FILE=/etc/ssl/certs/keel.pem
STORE_ID=1
STORE_NAME=Main store
`;
}

export function install(l: ServiceLayout, out: Out): void {
  if (isRealRoot(l) && process.getuid?.() !== 0) throw new ServiceError('run as root (sudo npx keel service install)');
  if (!existsSync(path.join(l.keelDir, 'transactional/src/main.ts'))) throw new ServiceError(`${l.keelDir} is not a Keel checkout`);
  // 1. A dedicated system user without a login shell or home of its own.
  if (!userIds(l)) {
    execFileSync('useradd', [
      ...prefixArgs(l),
      '--system',
      '--user-group',
      '--home-dir',
      l.dataDir,
      '--no-create-home',
      '--shell',
      '/usr/sbin/nologin',
      l.user,
    ]);
    out(`created system user ${l.user}`);
  } else {
    out(`system user ${l.user} exists`);
  }
  const ids = userIds(l);
  if (!ids) throw new ServiceError(`user ${l.user} was not created`);
  // 2. Data directory owned by the user; config directory root-owned, readable by the group.
  const data = under(l, l.dataDir);
  mkdirSync(path.join(data, 'backups'), { recursive: true });
  for (const d of [data, path.join(data, 'backups')]) {
    chownSync(d, ids.uid, ids.gid);
    chmodSync(d, 0o750);
  }
  const conf = under(l, l.configDir);
  mkdirSync(conf, { recursive: true });
  chownSync(conf, 0, ids.gid);
  chmodSync(conf, 0o750);
  // 3. Configuration and secrets: kept on reinstall/upgrade, always 0600 root.
  const envFile = path.join(conf, 'keel.env');
  if (!existsSync(envFile)) {
    writeFileSync(envFile, configTemplate(l), { mode: 0o600 });
    out(`wrote ${path.join(l.configDir, 'keel.env')} (edit it: database, NATS, store)`);
  } else {
    out(`kept ${path.join(l.configDir, 'keel.env')}`);
  }
  chownSync(envFile, 0, 0);
  chmodSync(envFile, 0o600);
  // 4. The unit.
  const unit = under(l, l.unitPath);
  mkdirSync(path.dirname(unit), { recursive: true });
  writeFileSync(
    unit,
    systemdUnit({ user: l.user, node: l.node, keelDir: l.keelDir, dataDir: l.dataDir, envFile: path.posix.join(l.configDir, 'keel.env'), stopTimeoutSec: 15 }),
    { mode: 0o644 },
  );
  chmodSync(unit, 0o644);
  out(`wrote ${l.unitPath}`);
  if (systemdRuns(l)) {
    execFileSync('systemctl', ['daemon-reload']);
    execFileSync('systemctl', ['enable', '--now', 'keel.service']);
    out('enabled and started keel.service (journalctl -u keel -f to follow its log)');
  } else if (isRealRoot(l)) {
    out('systemd is not running on this machine: start Keel another way (docs/operations.md, "Without systemd")');
  } else {
    out(`installed under ${l.root} (not the running system: nothing started)`);
  }
}

export function uninstall(l: ServiceLayout, purge: boolean, out: Out): void {
  if (isRealRoot(l) && process.getuid?.() !== 0) throw new ServiceError('run as root (sudo npx keel service uninstall)');
  if (systemdRuns(l)) {
    execFileSync('systemctl', ['disable', '--now', 'keel.service'], { stdio: 'ignore' });
  }
  rmSync(under(l, l.unitPath), { force: true });
  out(`removed ${l.unitPath}`);
  if (systemdRuns(l)) execFileSync('systemctl', ['daemon-reload']);
  if (!purge) {
    out(`kept ${l.dataDir} (data, backups), ${l.configDir} and user ${l.user}: --purge removes them`);
    return;
  }
  rmSync(under(l, l.dataDir), { recursive: true, force: true });
  rmSync(under(l, l.configDir), { recursive: true, force: true });
  if (userIds(l)) execFileSync('userdel', [...prefixArgs(l), l.user]);
  out(`purged ${l.dataDir}, ${l.configDir} and user ${l.user}`);
}

/** Prints one line per fact; returns 0 when installed (and active where systemd runs), 3 otherwise (LSB). */
export async function status(l: ServiceLayout, out: Out): Promise<number> {
  let ok = true;
  const line = (good: boolean, text: string) => {
    if (!good) ok = false;
    out(`${good ? 'ok  ' : 'FAIL'} ${text}`);
  };
  line(existsSync(under(l, l.unitPath)), `unit ${l.unitPath}`);
  line(userIds(l) !== undefined, `system user ${l.user}`);
  const data = under(l, l.dataDir);
  line(existsSync(data) && statSync(data).uid === userIds(l)?.uid, `data directory ${l.dataDir} owned by ${l.user}`);
  const envFile = under(l, path.join(l.configDir, 'keel.env'));
  const mode = existsSync(envFile) ? statSync(envFile).mode & 0o777 : undefined;
  line(mode === 0o600, `config ${path.join(l.configDir, 'keel.env')} ${mode === undefined ? 'missing' : `mode ${mode.toString(8).padStart(4, '0')}`}`);
  if (systemdRuns(l)) {
    let active = 'unknown';
    try {
      active = execFileSync('systemctl', ['is-active', 'keel.service'], { encoding: 'utf8' }).trim();
    } catch (e) {
      active = String((e as { stdout?: string }).stdout ?? 'inactive').trim();
    }
    line(active === 'active', `keel.service is ${active}`);
  } else {
    out(`---- systemd is not running ${isRealRoot(l) ? 'on this machine' : `under ${l.root}`}: service state not checked`);
  }
  if (!isRealRoot(l)) {
    out(`---- health not checked (scratch root ${l.root})`);
  } else if (existsSync(envFile) && mode === 0o600) {
    const env = Object.fromEntries(
      readFileSync(envFile, 'utf8')
        .split('\n')
        .filter((x) => /^[A-Z_]+=/.test(x))
        .map((x) => [x.slice(0, x.indexOf('=')), x.slice(x.indexOf('=') + 1)]),
    );
    const host = !env.HOST || env.HOST === '0.0.0.0' ? '127.0.0.1' : env.HOST;
    const url = `http://${host}:${env.PORT || '8080'}/health`;
    try {
      const health = (await fetch(url, { signal: AbortSignal.timeout(2000) }).then((r) => r.json())) as { ok: boolean; schemaVersion: number };
      line(health.ok, `${url} answers: ${health.ok ? 'healthy' : 'a backend is down'}, schema version ${health.schemaVersion}`);
    } catch {
      line(false, `${url} does not answer`);
    }
  }
  return ok ? 0 : 3;
}

/** `keel service <install|uninstall|status> [options]`; returns the exit code. */
export async function serviceCommand(args: string[], out: Out = console.log): Promise<number> {
  const [verb, ...rest] = args;
  const { layout, purge } = serviceLayout(rest);
  switch (verb) {
    case 'install':
      install(layout, out);
      return 0;
    case 'uninstall':
      uninstall(layout, purge, out);
      return 0;
    case 'status':
      return status(layout, out);
    default:
      throw new ServiceError(
        'usage: npx keel service <install|uninstall|status> [--root DIR] [--user keel] [--data-dir /var/lib/keel] [--config-dir /etc/keel] [--purge]',
      );
  }
}
